import { ApplicationFailure, patched, sleep } from '@temporalio/workflow';
import type { DreamRef } from '../../src/cycle/types.js';
import { safeName } from '../../src/util/display.js';
import { patches } from '../definitions.js';
import { steps } from './activities.js';
import type { AgentLog } from './agentLog.js';
import type { CycleRun } from './cycleRun.js';
import { conflictWhen, failureMessage, failurePaths, failureType } from './failures.js';

/** The agent's own hand on its store during a cycle: its consolidation lock, and its edits of the same lines. */

/** How many times a conflict with the agent's own writes dreams again on the new live store. */
const maxConflictRedreams = 2;
/** How long a cycle waits for a store's consolidation lock (Claude Code's goes stale after an hour). */
const defaultLockWaitMs = 90 * 60_000;

/**
 * A store whose owner is consolidating it (Claude Code's `.consolidate-lock`, held by a live process for at
 * most an hour) is written once the lock is free: the step is tried again on a durable timer, the wait shown
 * in the cycle's details and recorded once. A lock held past the deadline (an owner that keeps it fresh
 * forever) ends the wait: `StoreLockTimeout`, which the cycle ends as a conflict.
 */
export async function unlocked<T>(run: AgentLog, step: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + (run.settings.lockWaitMs ?? defaultLockWaitMs);
  for (let wait = 2_000, recorded = false; ; wait = Math.min(wait * 2, 60_000)) {
    try {
      const result = await step();
      if (recorded) run.enter(run.state.stage);
      return result;
    } catch (err) {
      if (failureType(err) !== 'StoreLocked') throw err;
      const why = safeName(failureMessage(err), 200);
      if (Date.now() + wait > deadline) {
        const limit = run.settings.lockWaitMs ?? defaultLockWaitMs;
        const shown = limit >= 60_000 ? `${Math.round(limit / 60_000)} min` : `${Math.round(limit / 1_000)} s`;
        throw ApplicationFailure.nonRetryable(
          `the store stayed locked by its owner for more than ${shown} (${why})`,
          'StoreLockTimeout',
        );
      }
      run.enter(run.state.stage, `the store's consolidation lock: ${failureMessage(err)}`);
      if (!recorded) await run.record('store-locked', { error: why });
      recorded = true;
      await sleep(wait);
    }
  }
}

/** Whether a conflict dreams again on the new live store (histories from before the merge end the cycle). */
export function mayRedreamOnConflict(round: number): boolean {
  return patched(patches.conflictRedream) && round < maxConflictRedreams;
}

/** A conflict that dreams again: recorded, and said in the cycle's details. */
export async function conflicted(
  run: CycleRun,
  err: unknown,
  changedBeforeReview: string[] | undefined,
  round: number,
): Promise<void> {
  const when = conflictWhen(err, changedBeforeReview);
  const message = failureMessage(err);
  await run.record('conflict', { changeSet: run.state.changeSetId, error: message, during: when, round });
  run.state.conflicts = [
    ...(run.state.conflicts ?? []),
    { during: when, at: failurePaths(err), changeSetId: run.state.changeSetId! },
  ];
  run.enter('snapshot', `the agent edited the same lines during the ${when}: dreaming again on the live store`);
}

/** What the agent had changed of the files the dream changes when the review opened (none from old histories). */
export async function changedSinceSnapshot(
  run: AgentLog,
  snapshotId: string,
  dream: DreamRef,
): Promise<string[] | undefined> {
  if (!patched(patches.conflictRedream)) return undefined;
  const step = { cycle: run.ref, snapshotId, changeSetId: dream.changeSetId, proof: { dream } };
  return (await steps.changedSinceSnapshot(step)).paths;
}
