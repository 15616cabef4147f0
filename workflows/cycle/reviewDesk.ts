import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  patched,
  workflowInfo,
} from '@temporalio/workflow';
import {
  decisionRefusal,
  described,
  parseDecision,
  unknownSuggestions,
  type Decision,
  type Verdict,
} from '../../src/cycle/decision.js';
import type { ContinuedReview, CycleInput, CycleResult, DecisionResult } from '../../src/cycle/types.js';
import { safeName } from '../../src/util/display.js';
import { patches, reviewOpenedSignal } from '../definitions.js';
import { steps } from './activities.js';
import type { CycleRun } from './cycleRun.js';
import { failureMessage } from './failures.js';
import { shortId } from '../../src/names/ids.js';

/** A decision that passed every check. */
export interface Accepted {
  verdict: Verdict;
  decision: Decision;
  via: 'update' | 'signal';
  /** The SSH key that signed it. */
  fingerprint?: string;
}

/** Where a cycle's story stands while it waits for review: what a continued run needs to go on. */
export type ReviewStory = ContinuedReview['story'];

/** Refused and ignored decisions written to the audit log one by one; the rest are counted. */
const recordedIgnored = 3;
/**
 * Signature checks that may fail in one cycle; after that, decisions are refused without a check. Checks
 * still under way count too, so decisions sent all at once cannot start more than this many activities.
 */
const maxFailedChecks = 20;
/**
 * A review wait continues as new when Temporal suggests it, or at this many history events: a flood's
 * backlog then replays in one workflow task, and no number of signals or updates fills its history.
 */
const maxReviewHistory = 2_000;

/**
 * The review desk: the decisions a cycle answers (updates that answer at once, signals of the same names
 * that pass the same checks), the signature-check budget, and the wait with its reminder, which continues as
 * new before its history grows large. `dreamCycle` registers its handlers.
 */
export class ReviewDesk {
  private decided?: Accepted;
  private open = false;
  private failedChecks = 0;
  /** Signature checks under way (activities scheduled and not yet answered). */
  private checking = 0;
  private reminded = false;
  /** When the review times out (ms since the epoch). */
  private deadline = 0;
  /** Runs the review continued in so far, and whether this run carries one on. */
  private runs = 0;
  private resumed = false;

  constructor(private readonly run: CycleRun) {}

  /** The carried review of the run this one continues. */
  resume(c: ContinuedReview['review']): void {
    Object.assign(this, { failedChecks: c.failedChecks, reminded: c.reminded, deadline: c.deadline, runs: c.runs });
    this.resumed = true;
  }

  /** The update's validator: refuses at once what the handler would (`refusal`). */
  validator(verdict: Verdict): (raw: unknown) => void {
    return (raw) => {
      const why = this.refusal(verdict, raw);
      if (why) throw new Error(why);
    };
  }

  /** A signal cannot be answered: a refused one is recorded and ignored. */
  async signal(verdict: Verdict, raw: unknown): Promise<void> {
    const why = this.refusal(verdict, raw);
    if (why) this.ignore(verdict, 'signal', raw, why);
    else await this.decide(verdict, raw as Decision, 'signal');
  }

  /**
   * Waits for a reviewer's decision. The reviewers are told when the review opens (the `notify` webhook, with
   * the change set's id, the scores, the commands and the UI link) and reminded before it times out. A long
   * wait, or one flooded with messages, continues as new before its history grows large (`story` is what the
   * next run needs); histories from before that change wait in one run, as they were written.
   */
  async review(story: ReviewStory): Promise<Accepted | 'timeout'> {
    const run = this.run;
    const s = run.settings;
    const resumed = this.resumed;
    this.resumed = false;
    if (!resumed) {
      this.decided = undefined; // a review after a conflict asks again
      this.reminded = false;
      this.deadline = Date.now() + s.reviewTimeoutMs;
      run.state.reviewDeadline = new Date(this.deadline).toISOString();
    }
    this.open = true;
    const short = shortId(story.dream.changeSetId);
    run.enter(
      'review',
      `approve or reject of change set ${short} by ${s.reviewers.join(', ')}${s.signedDecisions ? ' (signed)' : ''}`,
    );
    if (!resumed && run.lean) this.tellFleetRun();
    if (!resumed) await run.alert('review');
    const continues = patched(patches.reviewContinuesAsNew);
    const decided = () => this.decided !== undefined;
    const full = () =>
      continues && (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength >= maxReviewHistory);
    const lead = Math.min(s.reviewTimeoutMs / 4, 3_600_000);
    for (;;) {
      const left = (this.reminded ? this.deadline : this.deadline - lead) - Date.now();
      if (this.reminded && left <= 0) break;
      if (await condition(() => decided() || full(), Math.max(1, left))) {
        if (decided() || (await this.continueReview(story))) break;
      } else if (!this.reminded) {
        this.reminded = true;
        await run.alert('reminder');
      } else break;
    }
    this.open = false;
    const { count } = run.state.ignored;
    if (count > recordedIgnored) await run.record('decisions-ignored', { count, recorded: recordedIgnored });
    return this.decided ?? 'timeout';
  }

  /**
   * Continues the waiting cycle as new, carrying what it decides with, once the decisions under way are
   * answered and its records written. Returns true when one of them decided the review meanwhile.
   */
  private async continueReview(story: ReviewStory): Promise<boolean> {
    do {
      await condition(allHandlersFinished);
      await this.run.recorded();
    } while (!allHandlersFinished());
    if (this.decided) return true;
    const review = {
      deadline: this.deadline,
      reminded: this.reminded,
      failedChecks: this.failedChecks,
      runs: this.runs + 1,
    };
    const continued: ContinuedReview = { ...this.run.carried(), review, story };
    return continueAsNew<(input: CycleInput) => Promise<CycleResult>>({ ...this.run.input, continued });
  }

  /** A fleet run's child tells it that it waits for a reviewer: the run counts it and does not wait for people. */
  private tellFleetRun(): void {
    const parent = workflowInfo().parent;
    if (!parent) return;
    // a parent that has ended, or is no fleet run, has nothing to learn: the review goes on either way
    getExternalWorkflowHandle(parent.workflowId, parent.runId)
      .signal(reviewOpenedSignal, { agent: this.run.ref.agent })
      .catch(() => undefined);
  }

  /** Why a decision is refused before anything else happens, or undefined. Never throws, whatever `raw` is. */
  private refusal(verdict: Verdict, raw: unknown): string | undefined {
    const parsed = parseDecision(verdict, raw);
    return parsed.ok ? this.refusalOf(verdict, parsed.decision) : parsed.why;
  }

  /** `checked`: its signature passed, so other decisions' checks do not refuse it. */
  private refusalOf(verdict: Verdict, d: Decision, checked = false): string | undefined {
    const { ref, state, settings: s, name } = this.run;
    if (!s || !this.open) return `cycle ${ref.cycleId} is not waiting for review (stage ${state.stage})`;
    if (this.decided)
      return `change set ${shortId(state.changeSetId!)} was already decided by ${this.decided.decision.reviewer}`;
    const scope = { fleet: s.fleet, id: s.agent };
    const why = decisionRefusal(d, {
      scope,
      cycleId: ref.cycleId,
      pending: state.changeSetId!,
      reviewers: s.reviewers,
    });
    if (why) return why;
    // the pending set numbers its suggestions 1 to `suggested`; its id, checked above, pins which they are
    const suggestions = unknownSuggestions(d, state.summary?.suggested ?? 0);
    if (suggestions) return suggestions;
    if (s.signedDecisions && !d.signature)
      return `${name} requires signed decisions: sign with \`dreamgate ${verdict} … --key <ssh key>\``;
    if (checked) return undefined;
    if (this.failedChecks >= maxFailedChecks)
      return `${maxFailedChecks} decisions on this cycle failed their signature check; it waits for its review to time out`;
    if (s.signedDecisions && this.failedChecks + this.checking >= maxFailedChecks)
      return `${this.checking} signature check(s) of other decisions are under way; send it again when they are answered`;
    return undefined;
  }

  /** Checks a valid-looking decision on the worker (its signature, against the worker's own keys), then takes it. */
  async decide(verdict: Verdict, raw: Decision, via: 'update' | 'signal'): Promise<DecisionResult> {
    const { ref, state, settings } = this.run;
    const parsed = parseDecision(verdict, raw);
    if (!parsed.ok) return this.ignore(verdict, via, raw, parsed.why);
    const d = parsed.decision;
    let fingerprint: string | undefined;
    try {
      if (settings.signedDecisions) {
        this.checking++;
        const answer = await steps
          .checkDecision({ cycle: ref, verdict, decision: d, pendingChangeSetId: state.changeSetId! })
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
    const late = this.refusalOf(verdict, d, true);
    if (late) return this.ignore(verdict, via, raw, late);
    this.decided = { verdict, decision: d, via, ...(fingerprint ? { fingerprint } : {}) };
    const accepted = { accepted: true as const, changeSetId: state.changeSetId!, reviewer: d.reviewer };
    return fingerprint ? { ...accepted, fingerprint } : accepted;
  }

  /** A refused decision, kept in bounded form: counted, the first few listed and recorded, never the payload. */
  private ignore(verdict: Verdict, via: 'update' | 'signal', raw: unknown, why: string): DecisionResult {
    const run = this.run;
    const ig = run.state.ignored;
    const entry = { kind: verdict, via, reviewer: described(raw).reviewer, why: safeName(why, 200) };
    ig.count++;
    if (ig.recent.length < 10) ig.recent.push(entry);
    if (ig.count <= recordedIgnored && run.settings)
      void run
        .record('decision-ignored', { kind: verdict, via, why: entry.why }, entry.reviewer)
        .catch(() => undefined);
    return { accepted: false, why };
  }
}
