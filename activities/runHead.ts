import type { Client } from '@temporalio/client';

/**
 * The head of the audit chain a run left, from the run's own history in Temporal (the results of its
 * `recordAudit` steps, which an S3 writer cannot change): for a run that ended without closing its log
 * (terminated, for example by `dreamgate cancel` with no worker running, or timed out), whose memo names none.
 * Records are appended one after another, so the last one recorded is the head. Undefined: it recorded nothing.
 */
export async function headInHistory(client: Client, workflowId: string, runId: string): Promise<string | undefined> {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  const records = new Set<string>();
  let head: string | undefined;
  for (const e of history.events ?? []) {
    if (e.activityTaskScheduledEventAttributes?.activityType?.name === 'recordAudit') records.add(String(e.eventId));
    const done = e.activityTaskCompletedEventAttributes;
    const payload = done?.result?.payloads?.[0];
    if (!done || !payload || !records.has(String(done.scheduledEventId))) continue;
    const result = client.options.loadedDataConverter.payloadConverter.fromPayload<{ sha256?: unknown }>(payload);
    if (typeof result?.sha256 === 'string') head = result.sha256;
  }
  return head;
}
