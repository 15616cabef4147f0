import { ContinueAsNew, deprecatePatch, patched, setHandler } from '@temporalio/workflow';
import type { ChangeSetStep } from '../activities/promote.js';
import { edits, revises } from '../src/cycle/decision.js';
import { pausedReason } from '../src/cycle/pause.js';
import type { CycleInput, CycleResult, DreamRef, EvalSummary, PromoteResult, Redream } from '../src/cycle/types.js';
import { batchDreaming, dreaming, steps } from './cycle/activities.js';
import { checkedInput } from './cycle/agentLog.js';
import { changedSinceSnapshot, conflicted, mayRedreamOnConflict, unlocked } from './cycle/conflicts.js';
import { candidate, CycleRun } from './cycle/cycleRun.js';
import { conflict, discard, kept, rejected, rolledBack, timedOut } from './cycle/endings.js';
import { failureType } from './cycle/failures.js';
import { ReviewDesk, type Accepted, type ReviewStory } from './cycle/reviewDesk.js';
import { approveSignal, approveUpdate, patches, rejectSignal, rejectUpdate, stateQuery } from './definitions.js';

/**
 * One nightly dream for one agent:
 * snapshot → skip check → baseline eval → dream → post eval → gate → review → promote → verify → keep or roll back.
 * The input names the fleet and the agent; the worker's own configuration says everything else. Memory,
 * transcripts and diffs stay in S3; this workflow carries keys, hashes and scores.
 */
export async function dreamCycle(input: CycleInput): Promise<CycleResult> {
  // every history still open carries this patch's marker (the version before it is retired)
  deprecatePatch(patches.workerAuthority);
  const checked = checkedInput(input);
  const run = new CycleRun(checked);
  const desk = new ReviewDesk(run);
  // the messages it answers: its state, and decisions (updates answer at once; signals pass the same checks)
  setHandler(stateQuery, () => run.state);
  setHandler(approveUpdate, (d) => desk.decide('approve', d, 'update'), { validator: desk.validator('approve') });
  setHandler(rejectUpdate, (d) => desk.decide('reject', d, 'update'), { validator: desk.validator('reject') });
  setHandler(approveSignal, (d: unknown) => desk.signal('approve', d));
  setHandler(rejectSignal, (d: unknown) => desk.signal('reject', d));
  // a review wait that continued as new carries on where it stood, in this run
  let carried = checked.continued;
  if (carried) {
    await run.resume(carried, carried.review.runs);
    desk.resume(carried.review);
  }
  const lastKeptSessionAt = carried ? carried.agentState.lastKeptSessionAt : (await run.open()).state.lastKeptSessionAt;
  const cycle = run.ref;
  let promoted: ChangeSetStep | undefined;
  try {
    // a conflict with the agent's own writes dreams again on the new live store, a bounded number of times
    for (let round = carried?.story.round ?? 0; ; round++) {
      const ready = carried
        ? await reviewed(run, desk, carried.story)
        : await dreamToDecision(run, desk, lastKeptSessionAt, round);
      carried = undefined;
      if ('outcome' in ready) return ready;

      // 8. Promote onto the live store, merged with the agent's own writes since the snapshot.
      run.enter('promote');
      const proof = run.promotion(ready.dream, ready.post, ready.approval);
      promoted = { cycle, snapshotId: ready.snapshotId, changeSetId: ready.dream.changeSetId, proof };
      let result: PromoteResult;
      try {
        result = await unlocked(run, () => steps.promote(promoted!));
      } catch (err) {
        // the agent edited the lines the dream edits, or its owner held the store's lock past the deadline
        if (failureType(err) !== 'LiveStoreChanged' && failureType(err) !== 'StoreLockTimeout') throw err;
        promoted = undefined;
        if (failureType(err) === 'LiveStoreChanged' && mayRedreamOnConflict(round)) {
          await conflicted(run, err, ready.changedBeforeReview, round);
          continue;
        }
        return await conflict(run, err, ready.changedBeforeReview, round);
      }
      await run.promoted(ready.dream, result);

      // 9. Verify: read the live store back and score it; roll back if it is not what passed the gate.
      run.enter('verify');
      const [check, verified] = await run.verify(promoted);
      await run.verified(check, verified);
      if (!check.matches || run.gateFails(verified)) {
        run.enter('rollback');
        const undone = await unlocked(run, () => steps.rollback(promoted!));
        promoted = undefined;
        return await rolledBack(run, check, verified, undone);
      }

      // 10. Keep.
      promoted = undefined;
      return await kept(run, ready.dream, result, ready.unedited);
    }
  } catch (err) {
    if (err instanceof ContinueAsNew) throw err;
    await run.failed(err, promoted);
    throw err;
  }
}

/** A dream that passed the gate (and its review): what promotion needs. */
interface Ready {
  snapshotId: string;
  dream: DreamRef;
  post: EvalSummary;
  approval?: Accepted;
  unedited: boolean;
  /** Paths the agent had changed when the review opened (a later conflict elsewhere came during review). */
  changedBeforeReview?: string[];
}

/**
 * Steps 1–7: snapshot → skip check → baseline eval → dream → post eval → gate → review. Ends the cycle (a
 * result) or returns the dream to promote. A round after a conflict dreams whatever the count of sessions.
 */
async function dreamToDecision(
  run: CycleRun,
  desk: ReviewDesk,
  lastKeptSessionAt: number | null,
  round: number,
): Promise<CycleResult | Ready> {
  const cycle = run.ref;
  const settings = run.settings;
  // 1. Snapshot: the rollback point; the new sessions are counted beside it (both only read).
  run.enter('snapshot', round > 0 ? `again, after a conflict with the agent's writes` : undefined);
  const [snap, counted] =
    run.lean && round === 0
      ? await run.snapshotAndCount(lastKeptSessionAt)
      : [await steps.takeSnapshot({ cycle }), undefined];
  await run.snapshotTaken(snap);

  // 2. Skip when there is nothing to consolidate.
  if (round === 0) {
    run.enter('skip-check');
    const fresh = counted ?? (await steps.countNewSessions({ cycle, since: lastKeptSessionAt }));
    if (fresh.paused && patched(patches.pauseOnRepeat))
      return await run.end('skipped', pausedReason(fresh.paused, cycle.agent));
    // (an input of `dreamgate run --now` dreams anyway; inputs recorded before it never carry `now`)
    if (!run.now && fresh.count < settings.minNewSessions)
      return await run.end(
        'skipped',
        `${fresh.count} new session(s) since the last kept dream; ${settings.minNewSessions} needed`,
      );
  }

  // 3. Baseline eval of the snapshot.
  run.enter('baseline-eval');
  const target = { series: 'snapshot' as const, id: snap.snapshotId };
  await run.scored('baseline', await steps.evaluate({ cycle, step: 'baseline', target }));

  // 4–6. Dream, post eval and the gate; a model dreamer may dream again with the gate's failing cases.
  let { dream, post } = await dreamAndScore(run, snap.snapshotId);
  if (!post) return await run.end('skipped', 'the dream proposed no changes');
  for (let attempt = 1; run.gateFails(post); attempt++) {
    if (!run.mayDreamAgain(attempt)) return await discard(run, 'the gate', post);
    const again = await dreamAndScore(run, snap.snapshotId, await run.redream(attempt, post));
    if (!again.post) return await discard(run, 'the gate', post);
    ({ dream, post } = again as { dream: DreamRef; post: EvalSummary });
  }

  // 7. Review, unless the agent runs automatically (or, hybrid, has earned trust).
  if (run.state.effectiveMode !== 'review') return { snapshotId: snap.snapshotId, dream, post, unedited: true };
  const changedBeforeReview = await changedSinceSnapshot(run, snap.snapshotId, dream);
  return reviewed(run, desk, {
    round,
    snapshotId: snap.snapshotId,
    dream,
    post,
    ...(changedBeforeReview ? { changedBeforeReview } : {}),
  });
}

/**
 * Step 7: the review, and the revised change set an approval asks for. A wait that continued as new starts
 * here, with the story it carried.
 */
async function reviewed(run: CycleRun, desk: ReviewDesk, story: ReviewStory): Promise<CycleResult | Ready> {
  const { snapshotId, dream, post, changedBeforeReview } = story;
  const cycle = run.ref;
  const decision = await desk.review(story);
  if (decision === 'timeout') return await timedOut(run);
  if (decision.verdict === 'reject') return await rejected(run, decision);
  await run.approved(decision);
  const ready = { snapshotId, approval: decision, changedBeforeReview };
  if (!revises(decision.decision)) return { ...ready, dream, post, unedited: true };
  // a narrowed, edited or restored set, or one with suggestions accepted, is evaluated again before
  // promotion; the worker takes what to narrow, edit, restore and accept from the approval itself
  run.enter('re-eval');
  const revision = { cycle, snapshotId, base: dream, revision: 1, decision: decision.decision };
  const revised = await steps.reviseChangeSet(revision);
  await run.revised(revised, decision);
  const rescored = await steps.evaluate({ cycle, step: 'revised', target: candidate(revised) });
  await run.scored('revised', rescored);
  if (run.gateFails(rescored)) return await discard(run, 'the gate on the revised change set', rescored);
  // accepting suggestions alone takes the dream as it is, only more of it: trust goes on counting
  return { ...ready, dream: revised, post: rescored, unedited: !edits(decision.decision) };
}

/** Dream (a candidate store and a change set in S3), then score the candidate, unless it changes nothing. */
async function dreamAndScore(
  run: CycleRun,
  snapshotId: string,
  redo?: Redream,
): Promise<{ dream: DreamRef; post?: EvalSummary }> {
  run.enter('dream', redo && `attempt ${redo.attempt + 1} with the failing cases fed back`);
  const dreamer = run.settings.batch && run.settings.dreamer === 'claude' ? batchDreaming : dreaming;
  const dream = await dreamer.dream({ cycle: run.ref, snapshotId, ...(redo ? { redo } : {}) });
  await run.dreamt(dream);
  if (dream.changes === 0) return { dream };
  run.enter('post-eval');
  const step = redo ? `post-${redo.attempt + 1}` : 'post';
  const post = await steps.evaluate({ cycle: run.ref, step, target: candidate(dream) });
  await run.scored('post', post);
  return { dream, post };
}
