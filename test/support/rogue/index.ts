import { createRequire } from 'node:module';
import type { Client } from '@temporalio/client';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { defaultPayloadConverter } from '@temporalio/common';
import type { WorkflowHandle } from '@temporalio/client';
import { connectNative } from '../../../app/temporal/connect.js';
import { temporalSettings } from '../../../app/temporal/settings.js';
import type { StackConfig } from '../../../src/config/stack.js';
import type { Outcome } from './workflows.js';

const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

/** The attacker's worker: the red team's workflows, on a task queue of their own, on the same namespace. */
export interface Rogue {
  queue: string;
  /** Runs `rogueCalls` against dreamgate's queue, under an innocent id unless one is given. */
  calls(target: string, calls: { name: string; args: unknown[] }[], workflowId?: string): Promise<Outcome[]>;
  run<T>(type: string, args: unknown[], workflowId?: string): Promise<T>;
  close(): Promise<void>;
}

export async function startRogue(cfg: StackConfig, client: Client, queue: string): Promise<Rogue> {
  const connection = await connectNative(temporalSettings(cfg));
  const worker = await Worker.create({
    connection,
    taskQueue: queue,
    workflowBundle: await bundleWorkflowCode({
      workflowsPath: createRequire(__filename).resolve('./workflows.ts'),
      logger: quiet,
    }),
  });
  const running = worker.run();
  const id = () => `innocent-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  const run = <T>(type: string, args: unknown[], workflowId = id()) =>
    client.workflow.execute(type, { taskQueue: queue, workflowId, args }) as Promise<T>;
  return {
    queue,
    run,
    calls: (target, calls, workflowId) => run<Outcome[]>('rogueCalls', [{ queue: target, calls }], workflowId),
    async close() {
      worker.shutdown();
      await running;
      await connection.close();
    },
  };
}

type Payload = { metadata: Record<string, string>; data: string };
type Marker = { markerName?: string; details?: Record<string, { payloads?: Payload[] }> };

const decoded = (p: Payload): unknown => {
  const metadata = Object.fromEntries(Object.entries(p.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')]));
  return defaultPayloadConverter.fromPayload({ metadata, data: Buffer.from(p.data, 'base64') });
};

/**
 * What one of dreamgate's activities returned in a run, as anyone who can read the namespace sees it: a
 * remote activity's completion, or a local activity's marker (its result is in the history all the same).
 */
export async function activityResults(handle: WorkflowHandle, activity: string): Promise<unknown[]> {
  const events = JSON.parse(historyToJSON(await handle.fetchHistory())).events as Record<string, never>[];
  const scheduled = new Set(
    events
      .filter(
        (e) =>
          (e['activityTaskScheduledEventAttributes'] as { activityType?: { name?: string } } | undefined)?.activityType
            ?.name === activity,
      )
      .map((e) => String(e['eventId'])),
  );
  const results: unknown[] = [];
  for (const e of events) {
    const done = e['activityTaskCompletedEventAttributes'] as
      { scheduledEventId?: string; result?: { payloads?: Payload[] } } | undefined;
    if (done && scheduled.has(String(done.scheduledEventId))) results.push(decoded(done.result!.payloads![0]!));
    const marker = e['markerRecordedEventAttributes'] as Marker | undefined;
    if (marker?.markerName !== 'core_local_activity') continue;
    const data = decoded(marker.details!['data']!.payloads![0]!) as { activity_type?: string };
    const result = marker.details!['result']?.payloads?.[0];
    if (data.activity_type === activity && result) results.push(decoded(result));
  }
  return results;
}
