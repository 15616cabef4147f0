import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
  type RetryPolicy,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { StoreTarget } from '../activities/cycle.js';
import type {
  ApproveSignal,
  CycleInput,
  CycleResult,
  CycleState,
  DreamRef,
  EvalSummary,
  Outcome,
  RejectSignal,
  Stage,
} from '../src/cycle/types.js';
import { scopedName } from '../src/config/scope.js';
import { approveSignal, rejectSignal, searchAttributes, stateQuery } from './definitions.js';
import { CycleMetrics } from './metrics.js';

const retry: RetryPolicy = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '30 seconds',
  maximumAttempts: 8,
};
// every activity heartbeats: a worker that dies is noticed in seconds, and the step retried elsewhere
const steps = proxyActivities<Activities>({ startToCloseTimeout: '2 minutes', heartbeatTimeout: '10 seconds', retry });
const dreaming = proxyActivities<Activities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '30 seconds',
  retry,
});

// a batch dream waits for the Message Batches API (up to 24 h), heartbeating as it polls
const batchDreaming = proxyActivities<Activities>({
  startToCloseTimeout: '25 hours',
  heartbeatTimeout: '2 minutes',
  retry,
});

const alerts = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { ...retry, maximumAttempts: 5 },
});

type Decision =
  { kind: 'approve'; signal: ApproveSignal } | { kind: 'reject'; signal: RejectSignal } | { kind: 'timeout' };

/**
 * One nightly dream for one agent:
 * snapshot → skip check → baseline eval → dream → post eval → gate → review → promote → verify → keep or roll back.
 * Memory, transcripts and diffs stay in S3; this workflow carries keys, hashes and scores.
 */
export async function dreamCycle(input: CycleInput): Promise<CycleResult> {
  const { agent } = input;
  const scope = { fleet: agent.fleet, id: agent.id };
  const { workflowId: cycleId, startTime } = workflowInfo();
  const state: CycleState = {
    agentId: agent.id,
    mode: agent.mode,
    effectiveMode: agent.mode === 'automatic' ? 'automatic' : 'review',
    stage: 'starting',
    reviewers: agent.reviewers,
    ignoredSignals: [],
  };
  const inbox: Decision[] = [];
  const metrics = new CycleMetrics(agent.id, agent.dreamer);
  setHandler(stateQuery, () => state);
  setHandler(approveSignal, (signal) => void inbox.push({ kind: 'approve', signal }));
  setHandler(rejectSignal, (signal) => void inbox.push({ kind: 'reject', signal }));
  upsertSearchAttributes([
    // a cycle started before fleets had namespaces carries no fleet; the worker resolves it (never throw here)
    { key: { name: searchAttributes.agent, type: 'KEYWORD' }, value: agent.fleet ? scopedName(agent) : agent.id },
    { key: { name: searchAttributes.mode, type: 'KEYWORD' }, value: agent.mode },
  ]);

  let seq = 0;
  const record = (event: string, data: Record<string, unknown> = {}, actor?: string) =>
    steps.recordAudit({
      fleet: agent.fleet,
      agent_id: agent.id,
      cycle_id: cycleId,
      cycle_started_at: startTime.toISOString(),
      seq: ++seq,
      event,
      at: new Date().toISOString(),
      data,
      ...(actor ? { actor } : {}),
    });
  const enter = (stage: Stage, waitingFor?: string) => {
    state.stage = stage;
    state.waitingFor = waitingFor;
    metrics.enter(stage);
    setCurrentDetails(details(state));
  };
  const finish = async (outcome: Outcome, reason: string): Promise<CycleResult> => {
    state.outcome = outcome;
    state.reason = reason;
    metrics.end(outcome);
    enter('done');
    upsertSearchAttributes([{ key: { name: searchAttributes.outcome, type: 'KEYWORD' }, value: outcome }]);
    if (state.delta !== undefined)
      upsertSearchAttributes([{ key: { name: searchAttributes.scoreDelta, type: 'DOUBLE' }, value: state.delta }]);
    await record(`cycle-${outcome}`, {
      reason,
      baseline: state.baseline,
      post: state.post,
      changeSetId: state.changeSetId,
      ...(state.usage ? { usage: state.usage } : {}),
    });
    return { ...state, outcome };
  };
  // a pager that is down must not change how the cycle ends: the failure is recorded and the cycle goes on
  const page = (kind: 'page' | 'notify', summary: string, extra: Record<string, unknown> = {}) =>
    alerts
      .alert(kind === 'page' ? input.paging : input.notify, scope, cycleId, kind, {
        dedupKey: `dreamgate/${cycleId}/${kind}`,
        summary,
        severity: kind === 'page' ? 'error' : 'warning',
        source: `dreamgate/${agent.fleet}/${agent.id}`,
        details: {
          agent: `${agent.fleet}/${agent.id}`,
          cycle: cycleId,
          baseline: state.baseline,
          post: state.post,
          threshold: agent.threshold,
          snapshot: state.snapshotId,
          changeSet: state.changeSetId,
          owners: agent.owners,
          ...extra,
        },
        ...(input.uiUrl ? { links: [{ href: input.uiUrl, text: 'cycle in the Temporal UI' }] } : {}),
      })
      .then((r) => {
        if (kind === 'page' ? input.paging : input.notify) metrics.alert(kind, true);
        return r;
      })
      .catch(async (err: unknown) => {
        if (isCancellation(err)) throw err;
        metrics.alert(kind, false);
        await record(`${kind}-failed`, { error: failureMessage(err) });
        return { sent: false };
      });
  const gateFails = (e: EvalSummary) => e.score < state.baseline! - agent.threshold;
  const spend = (d: DreamRef) => {
    metrics.quarantine(d.summary.quarantined ?? 0);
    if (!d.usage) return;
    metrics.spend(d.usage);
    const u = (state.usage ??= { requests: 0, tokens: 0, costUsd: 0 });
    u.requests += d.usage.requests;
    u.tokens +=
      d.usage.input_tokens +
      d.usage.output_tokens +
      d.usage.cache_creation_input_tokens +
      d.usage.cache_read_input_tokens;
    u.costUsd = Math.round((u.costUsd + d.usage.cost_usd) * 1e6) / 1e6;
  };
  const stored = (d: DreamRef) =>
    record('change-set-stored', {
      changeSet: d.changeSetId,
      key: d.changeSetKey,
      candidate: d.candidateId,
      summary: d.summary,
      sessions: d.sessionsUsed,
      ...(d.dropped > 0 ? { dropped: d.dropped } : {}),
      ...(d.usage ? { usage: d.usage } : {}),
    });

  let promoted: { changeSetKey: string } | undefined;
  let snapshotId = '';
  try {
    const history = await steps.loadAgentState(scope);
    const trusted = agent.mode === 'hybrid' && history.consecutiveApprovals >= agent.trustAfter;
    state.effectiveMode = agent.mode === 'automatic' || trusted ? 'automatic' : 'review';

    // 1. Snapshot: the rollback point.
    enter('snapshot');
    const snap = await steps.takeSnapshot(agent, cycleId);
    snapshotId = snap.snapshotId;
    state.snapshotId = snapshotId;
    await record('snapshot-taken', { snapshot: snapshotId, sha256: snap.sha256, files: snap.files });

    // 2. Skip when there is nothing to consolidate.
    enter('skip-check');
    const fresh = await steps.countNewSessions(agent, history.lastKeptSessionAt);
    if (fresh.count < agent.minNewSessions) {
      return await finish(
        'skipped',
        `${fresh.count} new session(s) since the last kept dream; ${agent.minNewSessions} needed`,
      );
    }

    // 3. Baseline eval of the snapshot.
    enter('baseline-eval');
    const baseline = await steps.evaluate(agent, cycleId, 'baseline', { series: 'snapshot', id: snapshotId });
    state.baseline = baseline.score;
    await record('baseline-scored', scoreData(baseline));

    // 4. Dream: a candidate store and change set in S3; the live store is not touched.
    enter('dream');
    const dreamer = agent.batch && agent.dreamer === 'claude' ? batchDreaming : dreaming;
    let dream = await dreamer.dream(agent, cycleId, snapshotId);
    adopt(state, dream);
    spend(dream);
    await stored(dream);
    if (dream.paths.length === 0) return await finish('skipped', 'the dream proposed no changes');

    // 5. Post eval of the candidate, and 6. the gate; a model dreamer may dream again with the failing cases.
    enter('post-eval');
    let post = await steps.evaluate(agent, cycleId, 'post', candidate(dream));
    score(state, post);
    await record('post-scored', scoreData(post));
    for (let attempt = 1; gateFails(post); attempt++) {
      const modelDreamer = agent.dreamer === 'claude' || agent.dreamer === 'managed';
      const budgetLeft = () => !state.usage || state.usage.costUsd < agent.claude.budget.maxCostUsd;
      if (!modelDreamer || attempt > agent.redreamAttempts || !budgetLeft()) return await regression('gate', post);
      await record('gate-failed', { ...scoreData(post), threshold: agent.threshold, redream: attempt });
      enter('dream', `attempt ${attempt + 1} with the failing cases fed back`);
      state.attempts = attempt + 1;
      dream = await dreamer.dream(agent, cycleId, snapshotId, {
        attempt,
        reportKey: post.reportKey,
        baseline: state.baseline!,
        score: post.score,
        spent: { tokens: state.usage?.tokens ?? 0, costUsd: state.usage?.costUsd ?? 0 },
      });
      adopt(state, dream);
      spend(dream);
      await stored(dream);
      if (dream.paths.length === 0) return await regression('gate', post);
      enter('post-eval');
      post = await steps.evaluate(agent, cycleId, `post-${attempt + 1}`, candidate(dream));
      score(state, post);
      await record('post-scored', scoreData(post));
    }

    // 7. Review, unless this agent runs automatically.
    let unedited = true;
    if (state.effectiveMode === 'review') {
      const decision = await review(dream);
      if (decision.kind === 'timeout') {
        await page(
          'notify',
          `dreamgate: ${agent.id} change set waited ${agent.reviewTimeoutMs / 60_000} min for review and was discarded`,
        );
        await saveStreak(0);
        return await finish(
          'timed_out',
          `no approval within ${agent.reviewTimeoutMs / 60_000} min; candidate discarded, owners notified`,
        );
      }
      if (decision.kind === 'reject') {
        state.decidedBy = decision.signal.reviewer;
        await record(
          'rejected',
          { changeSet: dream.changeSetId, reason: decision.signal.reason },
          decision.signal.reviewer,
        );
        await saveStreak(0);
        return await finish('rejected', `rejected by ${decision.signal.reviewer}: ${decision.signal.reason}`);
      }
      const approval = decision.signal;
      state.decidedBy = approval.reviewer;
      await record(
        'approved',
        {
          changeSet: dream.changeSetId,
          comment: approval.comment,
          onlyPaths: approval.onlyPaths,
          edited: Boolean(approval.editedKey),
        },
        approval.reviewer,
      );
      if (approval.onlyPaths || approval.editedKey) {
        // an edited set is evaluated again before promotion
        unedited = false;
        enter('re-eval');
        dream = await steps.reviseChangeSet(agent, cycleId, snapshotId, dream, { ...pick(approval), revision: 1 });
        adopt(state, dream);
        await record(
          'change-set-revised',
          { changeSet: dream.changeSetId, key: dream.changeSetKey, summary: dream.summary },
          approval.reviewer,
        );
        post = await steps.evaluate(agent, cycleId, 'revised', candidate(dream));
        score(state, post);
        await record('revised-scored', scoreData(post));
        if (gateFails(post)) return await regression('gate on the revised change set', post);
      }
    }

    // 8. Promote onto the live store; the agent's own writes since the snapshot are never lost.
    enter('promote');
    promoted = { changeSetKey: dream.changeSetKey };
    let result;
    try {
      result = await unlocked(() => steps.promote(agent, snapshotId, dream.changeSetKey));
    } catch (err) {
      if (failureType(err) === 'LiveStoreChanged') {
        promoted = undefined;
        await record('conflict', { changeSet: dream.changeSetId, error: failureMessage(err) });
        return await finish(
          'conflict',
          `the agent wrote the same memory during the dream (${failureMessage(err)}); live store left as the agent left it`,
        );
      }
      throw err;
    }
    await record('promoted', {
      changeSet: dream.changeSetId,
      expectedSha256: result.expectedSha256,
      rebased: result.rebased,
      agentWrites: result.agentWrites,
    });

    // 9. Verify: read the live store back and evaluate it; roll back if it is not what passed the gate.
    enter('verify');
    const check = await steps.verifyLive(agent, snapshotId, dream.changeSetKey);
    const verified = await steps.evaluate(agent, cycleId, 'verify', { series: 'live' });
    await record('verified', { matches: check.matches, mismatched: check.mismatched, ...scoreData(verified) });
    if (!check.matches || gateFails(verified)) {
      const why = !check.matches
        ? `live store differs from the candidate at ${check.mismatched.join(', ')}`
        : `live score ${verified.score.toFixed(3)} below the gate`;
      return await rollBack(why, dream.changeSetKey, { verifyScore: verified.score });
    }

    // 10. Keep.
    promoted = undefined;
    await steps.saveAgentState(scope, {
      lastKeptSessionAt: dream.newestSessionAt ?? history.lastKeptSessionAt,
      consecutiveApprovals:
        state.effectiveMode === 'automatic'
          ? history.consecutiveApprovals
          : unedited
            ? history.consecutiveApprovals + 1
            : 0,
      lastCycleId: cycleId,
    });
    return await finish(
      'kept',
      `promoted change set ${dream.changeSetId.slice(0, 12)}${result.rebased ? ` (rebased over the agent's writes to ${result.agentWrites.join(', ')})` : ''}`,
    );
  } catch (err) {
    // compensation runs even when the cycle is cancelled: undo a promotion that was not verified
    await CancellationScope.nonCancellable(async () => {
      if (promoted) {
        enter('rollback');
        await unlocked(() => steps.rollback(agent, snapshotId, promoted!.changeSetKey));
        await record('rolled-back', {
          why: isCancellation(err) ? 'cancelled after promotion' : 'failed after promotion',
        });
      }
      const reason = isCancellation(err) ? 'cancelled' : `${failureType(err) ?? 'error'}: ${failureMessage(err)}`;
      state.outcome = 'failed';
      state.reason = reason;
      metrics.end('failed');
      enter('done');
      upsertSearchAttributes([{ key: { name: searchAttributes.outcome, type: 'KEYWORD' }, value: 'failed' }]);
      await record('cycle-failed', { reason });
      if (!isCancellation(err)) await page('page', `dreamgate: ${agent.id} cycle failed: ${reason}`);
    });
    throw err;
  }

  async function review(dream: DreamRef): Promise<Decision> {
    const deadline = Date.now() + agent.reviewTimeoutMs;
    for (;;) {
      enter(
        'review',
        `approve or reject of change set ${dream.changeSetId.slice(0, 12)} by ${agent.reviewers.join(', ')}`,
      );
      const remaining = deadline - Date.now();
      if (remaining <= 0 || !(await condition(() => inbox.length > 0, remaining))) return { kind: 'timeout' };
      const next = inbox.shift()!;
      if (next.kind === 'timeout') continue;
      const { reviewer, changeSetId } = next.signal;
      const why = !agent.reviewers.includes(reviewer)
        ? `${reviewer} is not a reviewer of ${agent.id}`
        : changeSetId !== dream.changeSetId
          ? `names change set ${String(changeSetId).slice(0, 12)}, not the pending ${dream.changeSetId.slice(0, 12)}`
          : undefined;
      if (!why) return next;
      state.ignoredSignals.push({ reviewer, why });
      await record('signal-ignored', { kind: next.kind, why }, reviewer);
    }
  }

  async function regression(where: string, e: EvalSummary): Promise<CycleResult> {
    const reason = `EvalRegression at the ${where}: ${e.score.toFixed(3)} < baseline ${state.baseline!.toFixed(3)} − ${agent.threshold}; failing: ${e.failing.join(', ') || 'none'}`;
    await record('gate-failed', { ...scoreData(e), threshold: agent.threshold });
    await page(
      'page',
      `dreamgate: ${agent.id} dream regressed the eval (${e.score.toFixed(3)} < ${state.baseline!.toFixed(3)} − ${agent.threshold}); candidate discarded`,
      { failing: e.failing, report: e.reportKey },
    );
    await saveStreak(0);
    return finish('rolled_back', reason);
  }

  /**
   * A store whose owner is consolidating it (Claude Code's `.consolidate-lock`, held by a live process for at
   * most an hour) is written once the lock is free: the step is tried again on a durable timer, the wait shown
   * in the cycle's details and recorded once.
   */
  async function unlocked<T>(step: () => Promise<T>): Promise<T> {
    for (let wait = 2_000, recorded = false; ; wait = Math.min(wait * 2, 60_000)) {
      try {
        const result = await step();
        if (recorded) state.waitingFor = undefined;
        return result;
      } catch (err) {
        if (failureType(err) !== 'StoreLocked') throw err;
        state.waitingFor = `the store's consolidation lock: ${failureMessage(err)}`;
        setCurrentDetails(details(state));
        if (!recorded) await record('store-locked', { error: failureMessage(err) });
        recorded = true;
        await sleep(wait);
      }
    }
  }

  async function rollBack(why: string, changeSetKey: string, extra: Record<string, unknown>): Promise<CycleResult> {
    enter('rollback');
    const undone = await unlocked(() => steps.rollback(agent, snapshotId, changeSetKey));
    promoted = undefined;
    await record('rolled-back', { why, restored: undone.restored, keptAgentWrites: undone.keptAgentWrites, ...extra });
    await page('page', `dreamgate: ${agent.id} promotion rolled back: ${why}`, extra);
    await saveStreak(0);
    return finish('rolled_back', `${why}; restored ${undone.restored.length} path(s) from snapshot ${snapshotId}`);
  }

  async function saveStreak(consecutiveApprovals: number): Promise<void> {
    if (agent.mode !== 'hybrid') return;
    const h = await steps.loadAgentState(scope);
    await steps.saveAgentState(scope, { ...h, consecutiveApprovals, lastCycleId: cycleId });
  }
}

const candidate = (d: DreamRef): StoreTarget => ({ series: 'candidate', id: d.candidateId });

const pick = (a: ApproveSignal) => ({
  ...(a.onlyPaths ? { onlyPaths: a.onlyPaths } : {}),
  ...(a.editedKey ? { editedKey: a.editedKey } : {}),
  ...(a.editedSha256 ? { editedSha256: a.editedSha256 } : {}),
});

function adopt(state: CycleState, d: DreamRef): void {
  state.changeSetId = d.changeSetId;
  state.changeSetKey = d.changeSetKey;
  state.summary = d.summary;
}

function score(state: CycleState, e: EvalSummary): void {
  state.post = e.score;
  state.delta = Math.round((e.score - (state.baseline ?? 0)) * 1e6) / 1e6;
}

const scoreData = (e: EvalSummary) => ({
  score: e.score,
  passed: e.passed,
  cases: e.cases,
  failing: e.failing,
  report: e.reportKey,
});

function failureType(err: unknown): string | undefined {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined;
}

function failureMessage(err: unknown): string {
  const cause = err instanceof ActivityFailure && err.cause ? err.cause : err;
  return cause instanceof Error ? cause.message : String(cause);
}

/** What the Temporal UI shows as the cycle's current details: readable without opening logs. */
function details(s: CycleState): string {
  const lines = [
    `**${s.agentId}** · ${s.mode}${s.mode === 'hybrid' ? ` (now ${s.effectiveMode})` : ''} · stage **${s.stage}**`,
  ];
  if (s.baseline !== undefined)
    lines.push(
      `baseline ${s.baseline.toFixed(3)}${s.post !== undefined ? ` → post ${s.post.toFixed(3)} (Δ ${s.delta! >= 0 ? '+' : ''}${s.delta!.toFixed(3)})` : ''}`,
    );
  if (s.changeSetId)
    lines.push(
      `change set ${s.changeSetId.slice(0, 12)}: ${Object.entries(s.summary ?? {})
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    );
  if (s.usage)
    lines.push(
      `model spend: ${s.usage.requests} request(s), ${s.usage.tokens} tokens, $${s.usage.costUsd.toFixed(4)}${s.attempts ? ` over ${s.attempts} attempts` : ''}`,
    );
  if (s.waitingFor) lines.push(`waiting for ${s.waitingFor}`);
  if (s.outcome) lines.push(`outcome **${s.outcome}**: ${s.reason ?? ''}`);
  return lines.join('\n\n');
}
