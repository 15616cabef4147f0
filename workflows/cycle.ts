import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
  type RetryPolicy,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { AlertKind } from '../activities/alert.js';
import type { ChangeSetStep } from '../activities/promote.js';
import type { PromotionProof } from '../src/cycle/authority.js';
import { scopedName } from '../src/config/scope.js';
import { described, parseDecision, unknownSuggestions, type Decision, type Verdict } from '../src/cycle/decision.js';
import { cycleDetails as details, parseCycleInput } from '../src/cycle/input.js';
import { isCycleObject } from '../src/cycle/keys.js';
import {
  decisionData,
  dreamData,
  promotedData,
  revisedData,
  rolledBackData,
  scoreData,
  snapshotData,
  verifiedData,
  type RecordProof,
} from '../src/cycle/records.js';
import type {
  AgentState,
  ContinuedReview,
  CycleInput,
  CycleOpening,
  CycleRef,
  CycleResult,
  CycleSettings,
  CycleState,
  DecisionResult,
  DreamRef,
  EvalSummary,
  Outcome,
  PromoteResult,
  Redream,
  RollbackResult,
  SnapshotRef,
  Stage,
  VerifyResult,
} from '../src/cycle/types.js';
import { safeName } from '../src/util/display.js';
import {
  approveSignal,
  approveUpdate,
  patches,
  rejectSignal,
  rejectUpdate,
  reviewOpenedSignal,
  searchAttributes,
  stateQuery,
} from './definitions.js';
import { CycleMetrics } from './metrics.js';
import { servedLocally, servedSteps, showServedWaits } from './served.js';

const retry: RetryPolicy = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '30 seconds',
  maximumAttempts: 8,
};
/** Every activity heartbeats: a worker that dies is noticed in seconds, and the step retried elsewhere. */
export const steps = servedSteps(
  proxyActivities<Activities>({
    startToCloseTimeout: '2 minutes',
    heartbeatTimeout: '10 seconds',
    retry,
  }),
);
export const dreaming = servedSteps(
  proxyActivities<Activities>({
    startToCloseTimeout: '30 minutes',
    heartbeatTimeout: '30 seconds',
    retry,
  }),
);
/** A batch dream waits for the Message Batches API (up to 24 h), heartbeating as it polls. */
export const batchDreaming = servedSteps(
  proxyActivities<Activities>({
    startToCloseTimeout: '25 hours',
    heartbeatTimeout: '2 minutes',
    retry,
  }),
);
/**
 * The cycle's short bookkeeping steps (open, audit records, state) run as local activities, on the worker
 * that runs the workflow task: one history event each instead of six, and no round trip through the queue.
 */
// a worker that does not serve the fleet would only retry a local step itself: the queue gets it instead
const local = servedLocally(
  proxyLocalActivities<Activities>({
    startToCloseTimeout: '1 minute',
    retry: { ...retry, nonRetryableErrorTypes: ['FleetNotServed'] },
  }),
  steps,
);
const alerts = servedSteps(
  proxyActivities<Activities>({
    startToCloseTimeout: '30 seconds',
    retry: { ...retry, maximumAttempts: 5 },
  }),
);

/** A decision that passed every check. */
export interface Accepted {
  verdict: Verdict;
  decision: Decision;
  via: 'update' | 'signal';
  /** The SSH key that signed it. */
  fingerprint?: string;
}

/** Refused and ignored decisions written to the audit log one by one; the rest are counted. */
const recordedIgnored = 3;
/**
 * Signature checks that may fail in one cycle; after that, decisions are refused without a check. Checks
 * still under way count too, so decisions sent all at once cannot start more than this many activities.
 */
const maxFailedChecks = 20;
/** How many times a conflict with the agent's own writes dreams again on the new live store. */
const maxConflictRedreams = 2;
/** How long a cycle waits for a store's consolidation lock (Claude Code's goes stale after an hour). */
const defaultLockWaitMs = 90 * 60_000;
/**
 * A review wait continues as new when Temporal suggests it, or at this many history events whatever the
 * server says (its hard limit is 51,200): no number of signals or updates fills a waiting cycle's history.
 */
const maxReviewHistory = 2_000;

/** Where a cycle's story stands while it waits for review: what a continued run needs to go on. */
export type ReviewStory = ContinuedReview['story'];

/**
 * A cycle's state and everything around its story: the messages it answers (as Temporal's
 * safe-message-handlers sample keeps them beside the workflow), its stages, its audit chain, its alerts and
 * its model spend. `dreamCycle` reads as the story because this class holds the rest.
 */
export class CycleRun {
  readonly ref: CycleRef;
  readonly state: CycleState;
  settings!: CycleSettings;
  private agentState!: AgentState;
  private seq = 0;
  private head: string | null = null;
  /** Records are appended one after another (each names the previous one's hash), whoever asks. */
  private chain: Promise<unknown> = Promise.resolve();
  /** dreamgate_* metrics, through the SDK's replay-safe meter. */
  private metrics?: CycleMetrics;
  private decided?: Accepted;
  private reviewOpen = false;
  private failedChecks = 0;
  /** Signature checks under way (activities scheduled and not yet answered). */
  private checking = 0;
  /** Whether the reviewers were reminded of this review (a continued run does not remind them again). */
  private reminded = false;
  /** When the review times out (ms since the epoch). */
  private deadline = 0;
  /** The carried review of the run this one continues, until its wait resumes. */
  private carried?: ContinuedReview;
  private readonly input: CycleInput;

  /** `dreamgate run --now`: dream whatever the number of new sessions. */
  readonly now: boolean;
  /** Fewer history events: bookkeeping as local activities, verify beside its eval (runs before it, not). */
  readonly lean: boolean;
  private readonly book: typeof steps;
  private readonly trigger: string;
  /** The proofs a promotion shows: the stored dream (what a reviewer decides on) and the baseline's score. */
  private stored?: DreamRef;
  private baselineEval?: EvalSummary;

  constructor(input: CycleInput) {
    const info = workflowInfo();
    const { continued: _, ...fresh } = input;
    this.input = fresh;
    this.now = input.now === true;
    this.lean = patched(patches.fleetScale);
    this.book = this.lean ? local : steps;
    this.trigger = input.trigger;
    this.ref = {
      fleet: input.fleet,
      agent: input.agent,
      ...(input.configHash !== undefined ? { configHash: input.configHash } : {}),
      cycleId: info.runId,
      startedAt: info.startTime.toISOString(),
    };
    this.state = {
      fleet: input.fleet,
      agentId: input.agent,
      cycleId: info.runId,
      mode: '',
      effectiveMode: 'review',
      stage: 'starting',
      reviewers: [],
      signedDecisions: false,
      ignored: { count: 0, recent: [] },
      auditHead: null,
    };
    // a step only workers of other fleets took waits for one that serves this fleet: shown, never failed
    let before: string | undefined;
    showServedWaits((waitingFor) => {
      if (waitingFor !== undefined && this.state.waitingFor?.startsWith('a worker that serves') !== true)
        before = this.state.waitingFor;
      this.state.waitingFor = waitingFor ?? before;
      setCurrentDetails(details(this.state));
    });
  }

  /** The agent's name in pages, the UI and search attributes: `<fleet>/<agent>`. */
  get name(): string {
    return scopedName({ fleet: this.ref.fleet, id: this.ref.agent });
  }

  /** The query and the decisions: updates answer at once; signals of the same names pass the same checks. */
  listen(): void {
    setHandler(stateQuery, () => this.state);
    const kinds = [
      ['approve', approveUpdate, approveSignal],
      ['reject', rejectUpdate, rejectSignal],
    ] as const;
    for (const [verdict, update, signal] of kinds) {
      setHandler(update, (d) => this.decide(verdict, d, 'update'), {
        validator: (d: unknown) => {
          const why = this.refusal(verdict, d);
          if (why) throw new Error(why);
        },
      });
      setHandler(signal, async (d: unknown) => {
        const why = this.refusal(verdict, d);
        if (why) this.ignore(verdict, 'signal', d, why);
        else await this.decide(verdict, d as Decision, 'signal');
      });
    }
  }

  /** The worker's settings for this agent, its state and its audit chain's head. */
  async open(): Promise<CycleOpening> {
    const opening = await this.book.openCycle({ cycle: this.ref, trigger: this.trigger });
    const s = (this.settings = opening.settings);
    this.agentState = opening.state;
    this.metrics = new CycleMetrics(scopedName({ fleet: s.fleet, id: s.agent }), s.dreamer);
    // the reference the worker sealed for this run: every later step shows it
    Object.assign(this.ref, { fleet: s.fleet, agent: s.agent, configHash: s.configHash }, opening.cycle ?? {});
    this.head = opening.auditHead;
    const trusted = s.mode === 'hybrid' && opening.state.consecutiveApprovals >= s.trustAfter;
    Object.assign(this.state, {
      fleet: s.fleet,
      agentId: s.agent,
      mode: s.mode,
      effectiveMode: s.mode === 'automatic' || trusted ? 'automatic' : 'review',
      reviewers: s.reviewers,
      signedDecisions: s.signedDecisions,
      auditHead: this.head,
    });
    upsertSearchAttributes([
      { key: searchAttributes.agent, value: this.name },
      { key: searchAttributes.mode, value: s.mode },
    ]);
    // the head S3 keeps is not the one Temporal holds: someone wrote the agent's state
    if (opening.headMismatch) await this.record('audit-head-mismatch', opening.headMismatch);
    return opening;
  }

  /**
   * Carries on a cycle whose review wait continued as new: a worker checks, from Temporal's own record of
   * this run, that it continues the cycle's run, and re-seals the cycle's reference for it; the rest is as
   * the run before left it (the cycle keeps its id, its audit chain and its proofs).
   */
  async resume(c: ContinuedReview): Promise<void> {
    const ref = await this.book.continueCycle({ cycle: c.ref });
    Object.assign(this.ref, ref);
    this.settings = c.settings;
    this.agentState = c.agentState;
    Object.assign(this.state, c.state, { continuedRuns: c.review.runs });
    this.metrics = new CycleMetrics(scopedName({ fleet: c.settings.fleet, id: c.settings.agent }), c.settings.dreamer);
    this.seq = c.seq;
    this.head = c.head;
    this.quarantineHandled = c.quarantineHandled;
    if (c.stored) this.stored = c.stored;
    if (c.baselineEval) this.baselineEval = c.baselineEval;
    this.failedChecks = c.review.failedChecks;
    this.reminded = c.review.reminded;
    this.deadline = c.review.deadline;
    this.carried = c;
    const { count } = this.state.ignored;
    await this.record('review-continued', { runs: c.review.runs, ...(count > 0 ? { ignoredDecisions: count } : {}) });
  }

  enter(stage: Stage, waitingFor?: string): void {
    this.state.stage = stage;
    this.state.waitingFor = waitingFor;
    this.metrics?.enter(stage);
    setCurrentDetails(details(this.state));
  }

  /**
   * Appends an audit record naming the previous record's hash; records keep the order they were asked in. A
   * record of a fact shows the proof of the step that did it: the worker signs only what it can vouch for.
   */
  record(
    event: string,
    data: Record<string, unknown> = {},
    actor?: string,
    proof?: RecordProof,
  ): Promise<{ key: string }> {
    const entry = { seq: ++this.seq, event, at: new Date().toISOString(), data, ...(actor ? { actor } : {}) };
    const appended = this.chain.then(async () => {
      const { key, sha256 } = await this.book.recordAudit({
        cycle: this.ref,
        entry: { ...entry, prev: this.head },
        ...(proof ? { proof } : {}),
      });
      this.head = this.state.auditHead = sha256;
      return { key };
    });
    this.chain = appended.catch(() => undefined);
    return appended;
  }

  /**
   * A store whose owner is consolidating it (Claude Code's `.consolidate-lock`, held by a live process for at
   * most an hour) is written once the lock is free: the step is tried again on a durable timer, the wait shown
   * in the cycle's details and recorded once. A lock held past the deadline (an owner that keeps it fresh
   * forever) ends the wait: `StoreLockTimeout`, which the cycle ends as a conflict.
   */
  async unlocked<T>(step: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + (this.settings.lockWaitMs ?? defaultLockWaitMs);
    for (let wait = 2_000, recorded = false; ; wait = Math.min(wait * 2, 60_000)) {
      try {
        const result = await step();
        if (recorded) this.enter(this.state.stage);
        return result;
      } catch (err) {
        if (failureType(err) !== 'StoreLocked') throw err;
        const why = safeName(failureMessage(err), 200);
        if (Date.now() + wait > deadline) {
          const limit = this.settings.lockWaitMs ?? defaultLockWaitMs;
          const shown = limit >= 60_000 ? `${Math.round(limit / 60_000)} min` : `${Math.round(limit / 1_000)} s`;
          throw ApplicationFailure.nonRetryable(
            `the store stayed locked by its owner for more than ${shown} (${why})`,
            'StoreLockTimeout',
          );
        }
        this.enter(this.state.stage, `the store's consolidation lock: ${failureMessage(err)}`);
        if (!recorded) await this.record('store-locked', { error: why });
        recorded = true;
        await sleep(wait);
      }
    }
  }

  /**
   * Alerts on-call (`page`) or the owners and reviewers: the worker says what this run's own records show. A
   * pager or webhook that is down must not change how the cycle ends: the failure is recorded, the cycle goes on.
   */
  async alert(kind: AlertKind): Promise<void> {
    const deadline = this.state.reviewDeadline;
    await alerts
      .alert({ cycle: this.ref, kind, ...(deadline ? { deadline } : {}) })
      .then((r) => {
        if (r.sent) this.metrics?.alert(kind === 'page' ? 'page' : 'notify', true);
      })
      .catch(async (err: unknown) => {
        if (isCancellation(err)) throw err;
        this.metrics?.alert(kind === 'page' ? 'page' : 'notify', false);
        await this.record(`${kind}-failed`, { error: safeName(failureMessage(err), 200) });
      });
  }

  async snapshotTaken(snap: SnapshotRef): Promise<void> {
    this.state.snapshotId = snap.snapshotId;
    await this.record('snapshot-taken', snapshotData(snap), undefined, { snapshot: snap });
  }

  /** A dream's candidate and change set are stored; the cycle now names them. */
  async dreamt(d: DreamRef): Promise<void> {
    this.adopt(d);
    this.metrics?.quarantine(d.summary.quarantined ?? 0);
    if (d.usage) {
      this.metrics?.spend(d.usage);
      const u = (this.state.usage ??= { requests: 0, tokens: 0, costUsd: 0 });
      u.requests += d.usage.requests;
      u.tokens +=
        d.usage.input_tokens +
        d.usage.output_tokens +
        d.usage.cache_creation_input_tokens +
        d.usage.cache_read_input_tokens;
      u.costUsd = Math.round((u.costUsd + d.usage.cost_usd) * 1e6) / 1e6;
    }
    this.stored = d;
    await this.record('change-set-stored', dreamData(d), undefined, { dream: d });
    await this.quarantineSeen(d.summary.quarantined ?? 0, d.summary.held ?? 0);
  }

  /**
   * A dream that quarantined a session or held lines from outside waits for a reviewer, even when the agent
   * runs automatically; or, with `onQuarantine: notify`, goes on (held lines stay out) and tells the owners.
   * Said once per cycle, whatever the attempts.
   */
  private async quarantineSeen(sessions: number, held: number): Promise<void> {
    // a cycle that waits for a reviewer anyway shows the quarantine in the change set it reviews
    if ((sessions === 0 && held === 0) || this.quarantineHandled || this.state.effectiveMode === 'review') return;
    if (!patched(patches.quarantineReview)) return;
    this.quarantineHandled = true;
    if ((this.settings.onQuarantine ?? 'review') === 'review') {
      this.state.effectiveMode = 'review';
      await this.record('review-required', {
        because: sessions > 0 ? 'quarantine' : 'held',
        sessions,
        ...(held ? { held } : {}),
      });
      return;
    }
    // the notice names the quarantined sessions and held lines from the stored change set's record
    await this.alert('notify');
  }

  private quarantineHandled = false;

  async scored(step: 'baseline' | 'post' | 'revised', e: EvalSummary): Promise<void> {
    if (step === 'baseline') {
      this.state.baseline = e.score;
      this.baselineEval = e;
    } else {
      this.state.post = e.score;
      this.state.delta = Math.round((e.score - (this.state.baseline ?? 0)) * 1e6) / 1e6;
    }
    await this.record(`${step}-scored`, scoreData(e), undefined, { eval: e });
  }

  gateFails(e: EvalSummary): boolean {
    return e.score < this.state.baseline! - this.settings.threshold;
  }

  /** A model dreamer may dream again with the gate's failing cases, within its attempts and budget. */
  mayDreamAgain(attempt: number): boolean {
    const s = this.settings;
    const model = s.dreamer === 'claude' || s.dreamer === 'managed';
    const budgetLeft = !this.state.usage || this.state.usage.costUsd < s.maxCostUsd;
    return model && attempt <= s.redreamAttempts && budgetLeft;
  }

  async redream(attempt: number, post: EvalSummary): Promise<Redream> {
    const data = { ...scoreData(post), threshold: this.settings.threshold, redream: attempt };
    await this.record('gate-failed', data, undefined, { eval: post });
    this.state.attempts = attempt + 1;
    return {
      attempt,
      reportKey: post.reportKey,
      baseline: this.state.baseline!,
      score: post.score,
      spent: { tokens: this.state.usage?.tokens ?? 0, costUsd: this.state.usage?.costUsd ?? 0 },
    };
  }

  /**
   * Waits for a reviewer's decision. The reviewers are told when the review opens (the `notify` webhook, with
   * the change set's id, the scores, the commands and the UI link) and reminded before it times out. A long
   * wait, or one flooded with messages, continues as new before its history grows large (`story` is what the
   * next run needs); histories from before that change wait in one run, as they were written.
   */
  async review(story: ReviewStory): Promise<Accepted | 'timeout'> {
    const s = this.settings;
    const short = story.dream.changeSetId.slice(0, 12);
    const waiting = `approve or reject of change set ${short} by ${s.reviewers.join(', ')}${s.signedDecisions ? ' (signed)' : ''}`;
    const resumed = this.carried !== undefined;
    this.carried = undefined;
    if (!resumed) {
      this.decided = undefined; // a review after a conflict asks again
      this.reminded = false;
      this.deadline = Date.now() + s.reviewTimeoutMs;
      this.state.reviewDeadline = new Date(this.deadline).toISOString();
    }
    const deadline = this.deadline;
    this.reviewOpen = true;
    this.enter('review', waiting);
    if (!resumed && this.lean) this.tellFleetRun();
    if (!resumed) await this.alert('review');
    const continues = patched(patches.reviewContinuesAsNew);
    const decided = () => this.decided !== undefined;
    const full = () =>
      continues && (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength >= maxReviewHistory);
    const lead = Math.min(s.reviewTimeoutMs / 4, 3_600_000);
    for (;;) {
      const until = this.reminded ? deadline : deadline - lead;
      const left = until - Date.now();
      if (this.reminded && left <= 0) break;
      if (await condition(() => decided() || full(), Math.max(1, left))) {
        if (decided() || (await this.continueReview(story))) break;
      } else if (!this.reminded) {
        this.reminded = true;
        await this.alert('reminder');
      } else break;
    }
    this.reviewOpen = false;
    const { count } = this.state.ignored;
    if (count > recordedIgnored) await this.record('decisions-ignored', { count, recorded: recordedIgnored });
    return this.decided ?? 'timeout';
  }

  /**
   * Continues the waiting cycle as new, carrying what it decides with; once the decisions under way are
   * answered and its records written. Returns true when one of them decided the review meanwhile.
   */
  private async continueReview(story: ReviewStory): Promise<boolean> {
    for (let seq = -1; seq !== this.seq;) {
      seq = this.seq;
      await condition(allHandlersFinished);
      await this.chain;
    }
    if (this.decided) return true;
    const carry: ContinuedReview = {
      ref: this.ref,
      settings: this.settings,
      agentState: this.agentState,
      state: this.state,
      seq: this.seq,
      head: this.head,
      quarantineHandled: this.quarantineHandled,
      ...(this.stored ? { stored: this.stored } : {}),
      ...(this.baselineEval ? { baselineEval: this.baselineEval } : {}),
      review: {
        deadline: this.deadline,
        reminded: this.reminded,
        failedChecks: this.failedChecks,
        runs: (this.state.continuedRuns ?? 0) + 1,
      },
      story,
    };
    return continueAsNew<(input: CycleInput) => Promise<CycleResult>>({ ...this.input, continued: carry });
  }

  /** A fleet run's child tells it that it waits for a reviewer: the run counts it and does not wait for people. */
  private tellFleetRun(): void {
    const parent = workflowInfo().parent;
    if (!parent) return;
    // a parent that has ended, or is no fleet run, has nothing to learn: the review goes on either way
    getExternalWorkflowHandle(parent.workflowId, parent.runId)
      .signal(reviewOpenedSignal, { agent: this.ref.agent })
      .catch(() => undefined);
  }

  async approved(a: Accepted): Promise<void> {
    await this.decisionRecorded('approve', a);
  }

  /** A decision's record shows the decision itself, which the worker checks again before it signs. */
  private async decisionRecorded(verdict: Verdict, a: Accepted): Promise<void> {
    const d = a.decision;
    this.state.decidedBy = d.reviewer;
    if (a.fingerprint) this.state.signedBy = a.fingerprint;
    const data = decisionData(this.state.changeSetId, verdict, d, a.via, a.fingerprint);
    const proof = { decision: { verdict, decision: d, via: a.via }, ...(this.stored ? { dream: this.stored } : {}) };
    await this.record(verdict === 'approve' ? 'approved' : 'rejected', data, d.reviewer, proof);
  }

  async revised(d: DreamRef, by: Accepted): Promise<void> {
    this.adopt(d);
    await this.record('change-set-revised', revisedData(d), by.decision.reviewer, { dream: d });
  }

  /** What a promotion shows: the change set's proof, the gate's two evaluations, the reviewer's decision. */
  promotion(dream: DreamRef, post: EvalSummary, decision?: Accepted): PromotionProof {
    return {
      dream,
      ...(this.baselineEval ? { baseline: this.baselineEval } : {}),
      post,
      ...(decision?.verdict === 'approve' ? { decision: decision.decision } : {}),
    };
  }

  async promoted(d: DreamRef, r: PromoteResult): Promise<void> {
    await this.record('promoted', { ...promotedData(r), changeSet: d.changeSetId }, undefined, { promote: r });
  }

  async verified(check: VerifyResult, e: EvalSummary): Promise<void> {
    await this.record('verified', verifiedData(check, e), undefined, { verify: check, eval: e });
  }

  // ---- endings ----

  /** The gate refused the candidate: nothing was written, on-call is paged. */
  async discard(where: string, e: EvalSummary): Promise<CycleResult> {
    const { baseline } = this.state;
    const { threshold } = this.settings;
    const reason = `EvalRegression at ${where}: ${e.score.toFixed(3)} < baseline ${baseline!.toFixed(3)} − ${threshold}; failing: ${e.failing.join(', ') || 'none'}`;
    await this.record('gate-failed', { ...scoreData(e), threshold }, undefined, { eval: e });
    await this.alert('page');
    const paused = patched(patches.pauseOnRepeat) ? await this.pauseIfRepeated() : '';
    return this.finish('discarded', `${reason}${paused}`, { consecutiveApprovals: 0 });
  }

  /** Two discards in a row for the same cases pause the agent (the worker decides, from signed records). */
  private async pauseIfRepeated(): Promise<string> {
    try {
      const r = await alerts.pauseAfterRepeatedDiscard({ cycle: this.ref });
      if (!r.paused || !r.cases) return '';
      await this.record('agent-paused', { cases: r.cases.join(', ') });
      return `; the same cases failed last cycle: agent paused until \`dreamgate resume ${this.ref.agent}\``;
    } catch (err) {
      if (isCancellation(err)) throw err;
      await this.record('pause-failed', { error: safeName(failureMessage(err), 200) });
      return '';
    }
  }

  async timedOut(): Promise<CycleResult> {
    const minutes = this.settings.reviewTimeoutMs / 60_000;
    await this.alert('notify');
    return this.finish('timed_out', `no approval within ${minutes} min; candidate discarded, owners notified`, {
      consecutiveApprovals: 0,
    });
  }

  async rejected(a: Accepted): Promise<CycleResult> {
    const d = a.decision;
    await this.decisionRecorded('reject', a);
    return this.finish('rejected', `rejected by ${d.reviewer}: ${safeName(d.reason, 200)}`, {
      consecutiveApprovals: 0,
    });
  }

  /** The agent edited what the dream edits, or held its store's lock past the deadline: nothing was written. */
  async conflict(err: unknown, changedBeforeReview?: string[], round = 0): Promise<CycleResult> {
    const message = failureMessage(err);
    if (failureType(err) === 'StoreLockTimeout') {
      await this.record('conflict', { changeSet: this.state.changeSetId, error: message });
      return this.finish('conflict', `${message}; nothing was written, the live store is as its owner left it`);
    }
    const when = conflictWhen(err, changedBeforeReview);
    await this.record('conflict', { changeSet: this.state.changeSetId, error: message, during: when, round });
    const tries = round > 0 ? `; ${round} dream(s) again on the new live store conflicted too` : '';
    return this.finish(
      'conflict',
      `the agent edited the same lines as the dream during the ${when} (${message})${tries}; live store left as the agent left it`,
    );
  }

  /** Whether a conflict dreams again on the new live store (histories from before the merge end the cycle). */
  mayRedreamOnConflict(round: number): boolean {
    return patched(patches.conflictRedream) && round < maxConflictRedreams;
  }

  /** A conflict that dreams again: recorded, and said in the cycle's details. */
  async conflicted(err: unknown, changedBeforeReview: string[] | undefined, round: number): Promise<void> {
    const when = conflictWhen(err, changedBeforeReview);
    const message = failureMessage(err);
    await this.record('conflict', { changeSet: this.state.changeSetId, error: message, during: when, round });
    this.state.conflicts = [
      ...(this.state.conflicts ?? []),
      { during: when, at: failurePaths(err), changeSetId: this.state.changeSetId! },
    ];
    this.enter('snapshot', `the agent edited the same lines during the ${when}: dreaming again on the live store`);
  }

  /** What the agent had changed of the files the dream changes when the review opened (none from old histories). */
  async changedSinceSnapshot(snapshotId: string, dream: DreamRef): Promise<string[] | undefined> {
    if (!patched(patches.conflictRedream)) return undefined;
    const step = { cycle: this.ref, snapshotId, changeSetId: dream.changeSetId, proof: { dream } };
    return (await steps.changedSinceSnapshot(step)).paths;
  }

  /** Verification failed after promotion and the promotion was undone. */
  async rolledBack(check: VerifyResult, verified: EvalSummary, undone: RollbackResult): Promise<CycleResult> {
    const why = !check.matches
      ? `live store differs from the candidate at ${check.mismatched.join(', ')}`
      : `live score ${verified.score.toFixed(3)} below the gate`;
    const data = { why, ...rolledBackData(undone), verifyScore: verified.score };
    await this.record('rolled-back', data, undefined, { rollback: undone });
    await this.alert('page');
    return this.finish(
      'rolled_back',
      `${why}; restored ${undone.restored.length} path(s) from snapshot ${this.state.snapshotId}`,
      { consecutiveApprovals: 0 },
    );
  }

  async kept(d: DreamRef, r: PromoteResult, unedited: boolean): Promise<CycleResult> {
    const was = this.agentState;
    const reviewed = this.state.effectiveMode === 'review';
    // an automatic cycle promotes the applied tier only: the owners hear what waits for a person
    const left = d.summary.suggested ?? 0;
    if (!reviewed && left > 0 && patched(patches.suggestionsNotice))
      // composed from the records: the promotion, and the stored change set's count of suggestions
      await this.alert('notify');
    return this.finish(
      'kept',
      `promoted change set ${d.changeSetId.slice(0, 12)}${r.rebased ? ` (rebased over the agent's writes to ${r.agentWrites.join(', ')})` : ''}${r.merged?.length ? `; merged line by line with the agent's edits of ${r.merged.join(', ')}` : ''}${conflictsSaid(this.state.conflicts)}`,
      {
        lastKeptSessionAt: d.newestSessionAt ?? was.lastKeptSessionAt,
        consecutiveApprovals: !reviewed ? was.consecutiveApprovals : unedited ? was.consecutiveApprovals + 1 : 0,
      },
    );
  }

  async finish(outcome: Outcome, reason: string, next: Partial<AgentState> = {}): Promise<CycleResult> {
    this.state.outcome = outcome;
    this.state.reason = reason;
    this.metrics?.end(outcome);
    this.enter('done');
    upsertSearchAttributes([
      { key: searchAttributes.outcome, value: outcome },
      ...(this.state.delta !== undefined ? [{ key: searchAttributes.scoreDelta, value: this.state.delta }] : []),
    ]);
    const s = this.state;
    await this.record(`cycle-${outcome}`, {
      reason,
      baseline: s.baseline,
      post: s.post,
      changeSetId: s.changeSetId,
      ...(s.ignored.count > 0 ? { ignoredDecisions: s.ignored.count } : {}),
      ...(s.usage ? { usage: s.usage } : {}),
    });
    await this.close(next);
    return { ...this.state, outcome };
  }

  /**
   * A cycle that fails or is cancelled: a promotion not yet verified is undone first (even when cancelled),
   * the failure recorded and, unless cancelled, on-call paged.
   */
  async failed(err: unknown, promoted?: ChangeSetStep): Promise<void> {
    await CancellationScope.nonCancellable(async () => {
      if (!this.settings) return; // refused before it opened: there is no agent to record for
      const cancelled = isCancellation(err);
      let reason = cancelled ? 'cancelled' : `${failureType(err) ?? 'error'}: ${safeName(failureMessage(err), 500)}`;
      let undoFailed = false;
      if (promoted) {
        this.enter('rollback');
        try {
          const undone = await this.unlocked(() => steps.rollback(promoted));
          const why = cancelled ? 'cancelled after promotion' : 'failed after promotion';
          await this.record('rolled-back', { why, ...rolledBackData(undone) }, undefined, { rollback: undone });
        } catch (undo) {
          // the live store may hold part of the change set: say so, and page even a cancelled cycle
          undoFailed = true;
          const why = `${failureType(undo) ?? 'error'}: ${safeName(failureMessage(undo), 300)}`;
          reason += `; undoing the promotion failed (${why})`;
          await this.record('rollback-failed', { error: why });
        }
      }
      this.state.outcome = 'failed';
      this.state.reason = reason;
      this.metrics?.end('failed');
      this.enter('done');
      upsertSearchAttributes([{ key: searchAttributes.outcome, value: 'failed' }]);
      await this.record('cycle-failed', { reason });
      if (!cancelled || undoFailed) await this.alert('page');
      await this.close();
    });
  }

  /**
   * The agent's state saved with the chain's head, and the head kept where an S3 writer cannot change it:
   * this run's memo in Temporal, which the agent's next run reads.
   */
  async close(next: Partial<AgentState> = {}): Promise<void> {
    await this.chain;
    await this.book.saveAgentState({
      cycle: this.ref,
      state: { ...this.agentState, ...next, lastCycleId: this.ref.cycleId, auditHead: this.head },
    });
    upsertMemo({ auditHead: this.head });
    await condition(allHandlersFinished);
  }

  // ---- decisions ----

  /** Why a decision is refused before anything else happens, or undefined. Never throws, whatever `raw` is. */
  private refusal(verdict: Verdict, raw: unknown, checked = false): string | undefined {
    const parsed = parseDecision(verdict, raw);
    if (!parsed.ok) return parsed.why;
    const d = parsed.decision;
    const s = this.settings;
    if (!s || !this.reviewOpen)
      return `cycle ${this.ref.cycleId} is not waiting for review (stage ${this.state.stage})`;
    if (this.decided)
      return `change set ${this.state.changeSetId!.slice(0, 12)} was already decided by ${this.decided.decision.reviewer}`;
    if (!s.reviewers.includes(d.reviewer))
      return `${d.reviewer} is not a reviewer of ${this.name} (reviewers: ${s.reviewers.join(', ')})`;
    const pending = this.state.changeSetId!;
    if (!pending.startsWith(d.changeSetId))
      return `names change set ${d.changeSetId.slice(0, 12)}, not the pending ${pending.slice(0, 12)}`;
    if (d.cycle !== undefined && d.cycle !== this.ref.cycleId)
      return `is for cycle ${d.cycle}, not ${this.ref.cycleId}`;
    if (d.editedKey && !isCycleObject({ fleet: s.fleet, id: s.agent }, this.ref.cycleId, d.editedKey))
      return `editedKey is not one of this cycle's objects`;
    // the pending set numbers its suggestions 1 to `suggested`; its id, checked above, pins which they are
    const suggestions = unknownSuggestions(d, this.state.summary?.suggested ?? 0);
    if (suggestions) return suggestions;
    if (s.signedDecisions && !d.signature)
      return `${this.name} requires signed decisions: sign with \`dreamgate ${verdict} … --key <ssh key>\``;
    if (checked) return undefined; // its signature passed: other decisions' checks do not refuse it
    if (this.failedChecks >= maxFailedChecks)
      return `${maxFailedChecks} decisions on this cycle failed their signature check; it waits for its review to time out`;
    if (s.signedDecisions && this.failedChecks + this.checking >= maxFailedChecks)
      return `${this.checking} signature check(s) of other decisions are under way; send it again when they are answered`;
    return undefined;
  }

  /** Checks a valid-looking decision on the worker (its signature, against the worker's own keys), then takes it. */
  private async decide(verdict: Verdict, raw: Decision, via: 'update' | 'signal'): Promise<DecisionResult> {
    const parsed = parseDecision(verdict, raw);
    if (!parsed.ok) return this.ignore(verdict, via, raw, parsed.why);
    const d = parsed.decision;
    let fingerprint: string | undefined;
    try {
      if (this.settings.signedDecisions) {
        this.checking++;
        const answer = await steps
          .checkDecision({ cycle: this.ref, verdict, decision: d, pendingChangeSetId: this.state.changeSetId! })
          .finally(() => this.checking--);
        if (!answer.accepted) {
          this.failedChecks++;
          return this.ignore(verdict, via, raw, answer.why);
        }
        fingerprint = answer.fingerprint;
      }
    } catch (err) {
      if (isCancellation(err)) throw err;
      return this.ignore(verdict, via, raw, `the decision could not be checked: ${failureMessage(err)}`);
    }
    // another decision, or the timeout, may have come first while this one was checked
    const late = this.refusal(verdict, raw, true);
    if (late) return this.ignore(verdict, via, raw, late);
    this.decided = { verdict, decision: d, via, ...(fingerprint ? { fingerprint } : {}) };
    return {
      accepted: true,
      changeSetId: this.state.changeSetId!,
      reviewer: d.reviewer,
      ...(fingerprint ? { fingerprint } : {}),
    };
  }

  /** A refused decision, kept in bounded form: counted, the first few listed and recorded, never the payload. */
  private ignore(verdict: Verdict, via: 'update' | 'signal', raw: unknown, why: string): DecisionResult {
    const ig = this.state.ignored;
    const entry = { kind: verdict, via, reviewer: described(raw).reviewer, why: safeName(why, 200) };
    ig.count++;
    if (ig.recent.length < 10) ig.recent.push(entry);
    if (ig.count <= recordedIgnored && this.settings)
      void this.record('decision-ignored', { kind: verdict, via, why: entry.why }, entry.reviewer).catch(
        () => undefined,
      );
    return { accepted: false, why };
  }

  private adopt(d: DreamRef): void {
    this.state.changeSetId = d.changeSetId;
    this.state.summary = d.summary;
  }
}

/** A cycle's input, checked (anyone with namespace access can start one) before anything runs. */
export function checkedInput(raw: unknown): CycleInput {
  const r = parseCycleInput(raw);
  if (!r.ok) throw ApplicationFailure.nonRetryable(`cycle input: ${r.why}`, 'InvalidInput');
  return r.input;
}

export const candidate = (d: DreamRef) => ({ series: 'candidate' as const, id: d.candidateId });

export function failureType(err: unknown): string | undefined {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined;
}

/** The paths a LiveStoreChanged failure names (its details). */
export function failurePaths(err: unknown): string[] {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  const details = cause instanceof ApplicationFailure ? (cause.details?.[0] as { paths?: unknown }) : undefined;
  return Array.isArray(details?.paths) ? details.paths.filter((p): p is string => typeof p === 'string') : [];
}

/** What a kept cycle says of the conflicts that made it dream again. */
function conflictsSaid(conflicts: CycleState['conflicts']): string {
  if (!conflicts?.length) return '';
  const where = conflicts.map((c) => `${c.at.join(', ')} during the ${c.during}`).join('; ');
  return `; dreamt again after the agent edited the same lines (${where})`;
}

/** When the agent's conflicting edit came: after the review opened, unless every path had changed before. */
function conflictWhen(err: unknown, changedBeforeReview: string[] | undefined): 'review' | 'dream' {
  if (!changedBeforeReview) return 'dream';
  const paths = failurePaths(err);
  return paths.length > 0 && paths.every((p) => changedBeforeReview.includes(p)) ? 'dream' : 'review';
}

export function failureMessage(err: unknown): string {
  const cause = err instanceof ActivityFailure && err.cause ? err.cause : err;
  return cause instanceof Error ? cause.message : String(cause);
}
