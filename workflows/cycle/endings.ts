import { isCancellation, patched } from '@temporalio/workflow';
import { rolledBackData, scoreData } from '../../src/cycle/records.js';
import type {
  CycleResult,
  CycleState,
  DreamRef,
  EvalSummary,
  PromoteResult,
  RollbackResult,
  VerifyResult,
} from '../../src/cycle/types.js';
import { safeName } from '../../src/util/display.js';
import { patches } from '../definitions.js';
import { alerts } from './activities.js';
import type { CycleRun } from './cycleRun.js';
import { conflictWhen, failureMessage, failureType } from './failures.js';
import type { Accepted } from './reviewDesk.js';
import { shortId } from '../../src/names/ids.js';

/** How a dream cycle ends, each ending recorded with its reason, the owners or on-call told where it asks. */

/** The gate refused the candidate: nothing was written, on-call is paged. */
export async function discard(run: CycleRun, where: string, e: EvalSummary): Promise<CycleResult> {
  const { baseline } = run.state;
  const { threshold } = run.settings;
  const reason = `EvalRegression at ${where}: ${e.score.toFixed(3)} < baseline ${baseline!.toFixed(3)} − ${threshold}; failing: ${e.failing.join(', ') || 'none'}`;
  await run.record('gate-failed', { ...scoreData(e), threshold }, undefined, { eval: e });
  await run.alert('page');
  const paused = patched(patches.pauseOnRepeat) ? await pauseIfRepeated(run) : '';
  return run.end('discarded', `${reason}${paused}`, { consecutiveApprovals: 0 });
}

/** Two discards in a row for the same cases pause the agent (the worker decides, from signed records). */
async function pauseIfRepeated(run: CycleRun): Promise<string> {
  try {
    const r = await alerts.pauseAfterRepeatedDiscard({ cycle: run.ref });
    if (!r.paused || !r.cases) return '';
    await run.record('agent-paused', { cases: r.cases.join(', ') });
    return `; the same cases failed last cycle: agent paused until \`dreamgate resume ${run.ref.agent}\``;
  } catch (err) {
    if (isCancellation(err)) throw err;
    await run.record('pause-failed', { error: safeName(failureMessage(err), 200) });
    return '';
  }
}

export async function timedOut(run: CycleRun): Promise<CycleResult> {
  const minutes = run.settings.reviewTimeoutMs / 60_000;
  await run.alert('notify');
  return run.end('timed_out', `no approval within ${minutes} min; candidate discarded, owners notified`, {
    consecutiveApprovals: 0,
  });
}

export async function rejected(run: CycleRun, a: Accepted): Promise<CycleResult> {
  const d = a.decision;
  await run.decisionRecorded('reject', a);
  return run.end('rejected', `rejected by ${d.reviewer}: ${safeName(d.reason, 200)}`, {
    consecutiveApprovals: 0,
  });
}

/** The agent edited what the dream edits, or held its store's lock past the deadline: nothing was written. */
export async function conflict(
  run: CycleRun,
  err: unknown,
  changedBeforeReview?: string[],
  round = 0,
): Promise<CycleResult> {
  const message = failureMessage(err);
  if (failureType(err) === 'StoreLockTimeout') {
    await run.record('conflict', { changeSet: run.state.changeSetId, error: message });
    return run.end('conflict', `${message}; nothing was written, the live store is as its owner left it`);
  }
  const when = conflictWhen(err, changedBeforeReview);
  await run.record('conflict', { changeSet: run.state.changeSetId, error: message, during: when, round });
  const tries = round > 0 ? `; ${round} dream(s) again on the new live store conflicted too` : '';
  return run.end(
    'conflict',
    `the agent edited the same lines as the dream during the ${when} (${message})${tries}; live store left as the agent left it`,
  );
}

/** Verification failed after promotion and the promotion was undone. */
export async function rolledBack(
  run: CycleRun,
  check: VerifyResult,
  verified: EvalSummary,
  undone: RollbackResult,
): Promise<CycleResult> {
  const why = !check.matches
    ? `live store differs from the candidate at ${check.mismatched.join(', ')}`
    : `live score ${verified.score.toFixed(3)} below the gate`;
  const data = { why, ...rolledBackData(undone), verifyScore: verified.score };
  await run.record('rolled-back', data, undefined, { rollback: undone });
  await run.alert('page');
  return run.end(
    'rolled_back',
    `${why}; restored ${undone.restored.length} path(s) from snapshot ${run.state.snapshotId}`,
    { consecutiveApprovals: 0 },
  );
}

export async function kept(run: CycleRun, d: DreamRef, r: PromoteResult, unedited: boolean): Promise<CycleResult> {
  const was = run.agentState;
  const reviewed = run.state.effectiveMode === 'review';
  // an automatic cycle promotes the applied tier only: the owners hear what waits for a person
  const left = d.summary.suggested ?? 0;
  if (!reviewed && left > 0 && patched(patches.suggestionsNotice))
    // composed from the records: the promotion, and the stored change set's count of suggestions
    await run.alert('notify');
  return run.end(
    'kept',
    `promoted change set ${shortId(d.changeSetId)}${r.rebased ? ` (rebased over the agent's writes to ${r.agentWrites.join(', ')})` : ''}${r.merged?.length ? `; merged line by line with the agent's edits of ${r.merged.join(', ')}` : ''}${conflictsSaid(run.state.conflicts)}`,
    {
      lastKeptSessionAt: d.newestSessionAt ?? was.lastKeptSessionAt,
      consecutiveApprovals: !reviewed ? was.consecutiveApprovals : unedited ? was.consecutiveApprovals + 1 : 0,
    },
  );
}

/** What a kept cycle says of the conflicts that made it dream again. */
function conflictsSaid(conflicts: CycleState['conflicts']): string {
  if (!conflicts?.length) return '';
  const where = conflicts.map((c) => `${c.at.join(', ')} during the ${c.during}`).join('; ');
  return `; dreamt again after the agent edited the same lines (${where})`;
}
