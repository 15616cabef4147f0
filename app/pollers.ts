import { hostname } from 'node:os';
import { temporal } from '@temporalio/proto';
import type { DreamgateClient } from './client.js';

/**
 * Whether any worker polls a task queue, asked of Temporal (DescribeTaskQueue) before a command waits on one:
 * nobody polling is said at once, with the command that starts a worker, instead of a wait in silence.
 */

/** No worker polls the task queue a command needs (exit code 1: nothing the user typed is wrong). */
export class NoWorker extends Error {
  override readonly name = 'NoWorker';
  constructor(
    message: string,
    readonly taskQueue: string,
  ) {
    super(message);
  }
}

export interface Poller {
  identity: string;
  lastAccessTime?: Date;
}

/**
 * Temporal lists a poller for minutes after its worker stopped; a live one polls again at least every ~70 s
 * (its long poll's timeout). A worker on this machine is checked by its pid instead, which is exact.
 */
const staleAfterMs = 90_000;

/** Whether a listed poller is a live worker: its process on this host, else a poll seen lately. */
export function isLive(p: Poller, now = Date.now(), host = hostname()): boolean {
  const at = /^(\d+)@(.+)$/.exec(p.identity);
  if (at && at[2] === host) {
    try {
      process.kill(Number(at[1]), 0);
      return true;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'EPERM'; // alive, another user's
    }
  }
  return p.lastAccessTime !== undefined && now - p.lastAccessTime.getTime() < staleAfterMs;
}

/**
 * The live workflow pollers of a task queue, or undefined when Temporal would not say within `timeoutMs` (a
 * permission it lacks, a server without the API): the caller then goes on as before.
 */
export async function livePollers(
  c: DreamgateClient,
  taskQueue: string,
  timeoutMs = 2_000,
): Promise<Poller[] | undefined> {
  try {
    const res = await c.client.withDeadline(Date.now() + timeoutMs, () =>
      c.client.workflowService.describeTaskQueue({
        namespace: c.temporal.namespace,
        taskQueue: { name: taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
        taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
      }),
    );
    const pollers = (res.pollers ?? []).map((p) => ({
      identity: p.identity ?? '',
      ...(p.lastAccessTime?.seconds != null
        ? { lastAccessTime: new Date(Number(p.lastAccessTime.seconds) * 1000 + (p.lastAccessTime.nanos ?? 0) / 1e6) }
        : {}),
    }));
    return pollers.filter((p) => isLive(p));
  } catch {
    return undefined;
  }
}

/** How to start a worker for a fleet file: the line every "no worker" message ends with. */
export function startWorkerHint(fleetFile?: string): string {
  return `start one with \`dreamgate worker${fleetFile ? ` --fleet ${fleetFile}` : ''}\` (in another terminal, or as a service)`;
}

/** What every command says when nobody polls the queue it needs: which queue, where, and how to start a worker. */
export function noWorkerMessage(c: DreamgateClient, taskQueue: string, fleetFile?: string): string {
  return `no worker is polling task queue "${taskQueue}" (namespace ${c.temporal.namespace} at ${c.temporal.address}): ${startWorkerHint(fleetFile)}`;
}

/** Throws `NoWorker` (naming the queue and how to start one) when nobody polls `taskQueue`. */
export async function assertWorker(c: DreamgateClient, taskQueue: string, fleetFile?: string): Promise<void> {
  const live = await livePollers(c, taskQueue);
  if (live && live.length === 0) throw new NoWorker(noWorkerMessage(c, taskQueue, fleetFile), taskQueue);
}
