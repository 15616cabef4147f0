import { runOf } from './authority.js';
import type { CycleRef } from './types.js';

/**
 * Whether a run may carry a cycle on after the cycle's run continued as new. What the workflow says is
 * untrusted (any namespace writer can start a workflow and pass it a reference copied from a history), so the
 * lineage comes from Temporal itself: the calling run's first history event, which the server writes.
 */

/** A run as Temporal started it (its `WorkflowExecutionStarted` event and where it runs). */
export interface RunStart {
  workflowId: string;
  workflowType: string;
  taskQueue: string;
  /** The run this one continues (`continuedExecutionRunId`), when it does. */
  continuedFrom?: string;
  /** Why it continues: `workflow` (continue-as-new), `retry` or `cron`. */
  initiator?: 'workflow' | 'retry' | 'cron';
}

/** What the calling run must be: the agent's one workflow id, dreamgate's cycle, this worker's queue. */
export interface Expected {
  workflowId: string;
  workflowType: string;
  taskQueue: string;
}

/**
 * Why `start` may not carry on the cycle `ref` was sealed for, or undefined: it must be a continue-as-new
 * (not a retry, a cron run or a fresh start) of exactly the run the reference names, under the same workflow
 * id and type, on the same task queue; and that run must have ended by continuing as new.
 */
export function continuationRefusal(
  ref: Pick<CycleRef, 'cycleId' | 'runId'>,
  expected: Expected,
  start: RunStart,
  previousStatus: string | undefined,
): string | undefined {
  const from = runOf(ref);
  if (start.workflowId !== expected.workflowId)
    return `it runs as workflow ${start.workflowId}, not the agent's ${expected.workflowId}`;
  if (start.workflowType !== expected.workflowType)
    return `workflow type ${start.workflowType} does not carry on a ${expected.workflowType}`;
  if (start.taskQueue !== expected.taskQueue)
    return `the workflow runs on task queue ${start.taskQueue}, not this worker's`;
  if (start.continuedFrom === undefined || start.continuedFrom === '')
    return `the run did not continue another run (its first event names none); it cannot carry on cycle ${ref.cycleId}`;
  if (start.initiator !== 'workflow')
    return `the run continues ${start.continuedFrom} by ${start.initiator ?? 'an unknown initiator'}, not by continue-as-new`;
  if (start.continuedFrom !== from) return `the run continues run ${start.continuedFrom}, not the cycle's run ${from}`;
  if (previousStatus !== 'CONTINUED_AS_NEW')
    return `run ${from} has not continued as new (it is ${previousStatus ?? 'not found'})`;
  return undefined;
}

const initiators = { 1: 'workflow', 2: 'retry', 3: 'cron' } as const;

/** The initiator enum's number, as a name. */
export const initiatorName = (n: number | null | undefined): RunStart['initiator'] =>
  n === 1 || n === 2 || n === 3 ? initiators[n] : undefined;
