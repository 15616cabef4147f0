import { temporal } from '@temporalio/proto';
import type { CycleResult } from '../src/cycle/types.js';
import type { DreamgateClient } from './client.js';

type Failure = temporal.api.failure.v1.IFailure;

/** How a closed cycle ended, read from Temporal alone (its close event): no worker, S3 or query needed. */
export interface CycleEnd {
  /** Temporal's status: COMPLETED, FAILED, CANCELED, TERMINATED, TIMED_OUT, CONTINUED_AS_NEW. */
  status: string;
  /** The cycle's outcome (kept, discarded, …), or what Temporal says for a run that did not complete. */
  outcome: string;
  /** The cause the cycle recorded: its result's reason, its failure's type and message, who terminated it. */
  reason: string;
  result?: CycleResult;
  closedAt?: Date;
}

/**
 * The innermost cause of a failure, as the cycle's own failure type and message: "InvalidInput: …", not
 * "Activity task failed".
 */
export function failureCause(f: Failure | null | undefined): string {
  let innermost = f;
  for (let at = f; at; at = at.cause) innermost = at;
  if (!innermost) return 'failed';
  const type = innermost.applicationFailureInfo?.type;
  const message = innermost.message || 'failed';
  return type ? `${type}: ${message}` : message;
}

/** A run's close event, read without waiting: undefined while the run is open (or no longer kept). */
export async function cycleEnd(c: DreamgateClient, workflowId: string, runId: string): Promise<CycleEnd | undefined> {
  const res = await c.client.workflowService.getWorkflowExecutionHistory({
    namespace: c.temporal.namespace,
    execution: { workflowId, runId },
    historyEventFilterType: temporal.api.enums.v1.HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT,
  });
  const e = res.history?.events?.[0];
  if (!e) return undefined;
  const closedAt = e.eventTime?.seconds != null ? new Date(Number(e.eventTime.seconds) * 1000) : undefined;
  const at = closedAt ? { closedAt } : {};
  if (e.workflowExecutionCompletedEventAttributes) {
    const payload = e.workflowExecutionCompletedEventAttributes.result?.payloads?.[0];
    const result = payload
      ? c.client.options.loadedDataConverter.payloadConverter.fromPayload<CycleResult>(payload)
      : undefined;
    return {
      status: 'COMPLETED',
      outcome: result?.outcome ?? 'completed',
      reason: result?.reason ?? '',
      ...(result ? { result } : {}),
      ...at,
    };
  }
  if (e.workflowExecutionFailedEventAttributes)
    return {
      status: 'FAILED',
      outcome: 'failed',
      reason: failureCause(e.workflowExecutionFailedEventAttributes.failure),
      ...at,
    };
  if (e.workflowExecutionCanceledEventAttributes)
    return { status: 'CANCELED', outcome: 'cancelled', reason: await cancelled(c, workflowId, runId), ...at };
  if (e.workflowExecutionTerminatedEventAttributes) {
    const t = e.workflowExecutionTerminatedEventAttributes;
    return {
      status: 'TERMINATED',
      // `dreamgate cancel` ends a cycle that wrote nothing this way when no worker runs: cancelled, to its user
      outcome: t.reason?.startsWith('cancelled') ? 'cancelled' : 'terminated',
      reason: `${t.reason || 'terminated'}${t.identity ? ` (by ${t.identity})` : ''}`,
      ...at,
    };
  }
  if (e.workflowExecutionTimedOutEventAttributes)
    return { status: 'TIMED_OUT', outcome: 'timed out', reason: 'the run exceeded its execution timeout', ...at };
  return { status: 'CONTINUED_AS_NEW', outcome: 'continued', reason: 'continued as a new run', ...at };
}

/** Who cancelled a run and why (its cancel request), and whether a promotion was undone on the way out. */
async function cancelled(c: DreamgateClient, workflowId: string, runId: string): Promise<string> {
  const history = await c.client.workflow.getHandle(workflowId, runId).fetchHistory();
  let why = 'cancelled';
  let undone = false;
  const rollbacks = new Set<string>();
  for (const e of history.events ?? []) {
    const req = e.workflowExecutionCancelRequestedEventAttributes;
    if (req) why = `cancelled${req.identity ? ` by ${req.identity}` : ''}${req.cause ? `: ${req.cause}` : ''}`;
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name === 'rollback') rollbacks.add(String(e.eventId));
    const done = e.activityTaskCompletedEventAttributes;
    if (done && rollbacks.has(String(done.scheduledEventId))) undone = true;
  }
  return undone ? `${why}; the promotion it had made was rolled back` : why;
}
