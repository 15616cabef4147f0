import { patched } from '@temporalio/workflow';
import type { ChangeSetStep } from '../../activities/promote.js';
import type { NewSessions } from '../../activities/snapshot.js';
import type { PromotionProof } from '../../src/cycle/authority.js';
import type { Verdict } from '../../src/cycle/decision.js';
import {
  decisionData,
  dreamData,
  promotedData,
  revisedData,
  rolledBackData,
  scoreData,
  snapshotData,
  verifiedData,
} from '../../src/cycle/records.js';
import type {
  ContinuedReview,
  CycleInput,
  DreamRef,
  EvalSummary,
  PromoteResult,
  Redream,
  SnapshotRef,
  VerifyResult,
} from '../../src/cycle/types.js';
import { safeName } from '../../src/util/display.js';
import { patches } from '../definitions.js';
import { steps } from './activities.js';
import { AgentLog } from './agentLog.js';
import { unlocked } from './conflicts.js';
import { failureMessage, failureType } from './failures.js';
import type { Accepted } from './reviewDesk.js';

/** What a run carries of its cycle when its review wait continues as new (the desk adds its own). */
export type CarriedRun = Omit<ContinuedReview, 'review' | 'story'>;

/**
 * A dream cycle's run: the agent's log (`AgentLog`) and the hooks its story calls at each step, each
 * recording what the step did with the proof the step's worker sealed. How it ends is in `endings.ts`; the
 * messages it answers in `reviewDesk.ts`.
 */
export class CycleRun extends AgentLog {
  /** `dreamgate run --now`: dream whatever the number of new sessions. */
  readonly now: boolean;
  /** The input without a carried review: what a continued run starts from. */
  readonly input: CycleInput;
  /** Snapshots and counts in one activity, and verifies in one (runs recorded before it, in two each). */
  readonly leaner: boolean;
  /** The proofs a promotion shows: the stored dream (what a reviewer decides on) and the baseline's score. */
  private stored?: DreamRef;
  private baselineEval?: EvalSummary;
  private quarantineHandled = false;

  constructor(input: CycleInput) {
    super(input);
    const { continued: _, ...fresh } = input;
    this.input = fresh;
    this.now = input.now === true;
    this.leaner = this.lean && patched(patches.fewerEvents);
  }

  /**
   * The snapshot and, beside it, the count of new sessions since the last kept dream: one activity, or two side
   * by side (runs recorded before it). Both only read; the count is what the skip check decides on.
   */
  async snapshotAndCount(since: number | null): Promise<[SnapshotRef, NewSessions]> {
    const counting = { cycle: this.ref, since };
    if (!this.leaner) return Promise.all([steps.takeSnapshot({ cycle: this.ref }), steps.countNewSessions(counting)]);
    const both = await steps.snapshotAndCount(counting);
    return [both.snapshot, both.count];
  }

  /** Verify: is the live store what was promoted, and what does it score? One activity, or two side by side. */
  async verify(promoted: ChangeSetStep): Promise<[VerifyResult, EvalSummary]> {
    if (this.leaner) {
      const both = await steps.verify(promoted);
      return [both.check, both.eval];
    }
    const live = { cycle: this.ref, step: 'verify', target: { series: 'live' as const } };
    return this.lean
      ? await Promise.all([steps.verifyLive(promoted), steps.evaluate(live)])
      : [await steps.verifyLive(promoted), await steps.evaluate(live)];
  }

  /**
   * Carries on a cycle whose review wait continued as new: a worker checks, from Temporal's own record of
   * this run, that it continues the cycle's run, and re-seals the cycle's reference for it; the rest is as
   * the run before left it (the cycle keeps its id, its audit chain and its proofs).
   */
  async resume(c: CarriedRun, runs: number): Promise<void> {
    Object.assign(this.ref, await this.book.continueCycle({ cycle: c.ref }));
    this.restore(c);
    Object.assign(this.state, c.state, { continuedRuns: runs });
    this.quarantineHandled = c.quarantineHandled;
    if (c.stored) this.stored = c.stored;
    if (c.baselineEval) this.baselineEval = c.baselineEval;
    const { count } = this.state.ignored;
    await this.record('review-continued', { runs, ...(count > 0 ? { ignoredDecisions: count } : {}) });
  }

  /** What this run carries into the next, once its records are written. */
  carried(): CarriedRun {
    return {
      ref: this.ref,
      settings: this.settings,
      agentState: this.agentState,
      state: this.state,
      seq: this.seq,
      head: this.head,
      quarantineHandled: this.quarantineHandled,
      ...(this.stored ? { stored: this.stored } : {}),
      ...(this.baselineEval ? { baselineEval: this.baselineEval } : {}),
    };
  }

  /** Records under way, written: the place in the chain a continued run goes on from. */
  async recorded(): Promise<void> {
    for (let seq = -1; seq !== this.seq;) {
      seq = this.seq;
      await this.chain;
    }
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

  async approved(a: Accepted): Promise<void> {
    await this.decisionRecorded('approve', a);
  }

  /** A decision's record shows the decision itself, which the worker checks again before it signs. */
  async decisionRecorded(verdict: Verdict, a: Accepted): Promise<void> {
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

  private adopt(d: DreamRef): void {
    this.state.changeSetId = d.changeSetId;
    this.state.summary = d.summary;
  }

  /**
   * A cycle that fails or is cancelled: a promotion not yet verified is undone first (even when cancelled),
   * then it ends as every run does.
   */
  override async failed(err: unknown, promoted?: ChangeSetStep): Promise<void> {
    await this.fail(err, promoted && ((cancelled) => this.undo(promoted, cancelled)));
  }

  /** Undoes a promotion; says why it could not (the live store may hold part of the change set). */
  private async undo(promoted: ChangeSetStep, cancelled: boolean): Promise<string | undefined> {
    this.enter('rollback');
    try {
      const undone = await unlocked(this, () => steps.rollback(promoted));
      const why = cancelled ? 'cancelled after promotion' : 'failed after promotion';
      await this.record('rolled-back', { why, ...rolledBackData(undone) }, undefined, { rollback: undone });
      return undefined;
    } catch (undo) {
      const why = `${failureType(undo) ?? 'error'}: ${safeName(failureMessage(undo), 300)}`;
      await this.record('rollback-failed', { error: why });
      return why;
    }
  }
}

export const candidate = (d: DreamRef) => ({ series: 'candidate' as const, id: d.candidateId });
