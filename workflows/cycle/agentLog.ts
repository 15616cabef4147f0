import {
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  patched,
  setCurrentDetails,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { AlertKind } from '../../activities/alert.js';
import { scopedName } from '../../src/names/scope.js';
import { cycleDetails as details, parseCycleInput } from '../../src/cycle/input.js';
import type { RecordProof } from '../../src/cycle/records.js';
import type {
  AgentState,
  CycleInput,
  CycleOpening,
  CycleRef,
  CycleResult,
  CycleSettings,
  CycleState,
  Outcome,
  Stage,
} from '../../src/cycle/types.js';
import { safeName } from '../../src/util/display.js';
import { patches, searchAttributes } from '../definitions.js';
import { CycleMetrics } from '../metrics.js';
import { showServedWaits } from '../served.js';
import { alerts, local, steps } from './activities.js';
import { failureMessage, failureType } from './failures.js';

/**
 * What every run under an agent's one workflow id keeps: the worker's settings and the agent's state, its
 * place in the agent's audit chain (open, record, close), its stage as the UI shows it, its alerts and how
 * it ends. `agentRecord` and `agentRollback` use this alone; a cycle adds its story (`CycleRun`).
 */
export class AgentLog {
  readonly ref: CycleRef;
  readonly state: CycleState;
  settings!: CycleSettings;
  agentState!: AgentState;
  protected seq = 0;
  protected head: string | null = null;
  /** Records are appended one after another (each names the previous one's hash), whoever asks. */
  protected chain: Promise<unknown> = Promise.resolve();
  /** dreamgate_* metrics, through the SDK's replay-safe meter. */
  protected metrics?: CycleMetrics;
  /** Fewer history events: bookkeeping as local activities, verify beside its eval (runs before it, not). */
  readonly lean: boolean;
  protected readonly book: typeof steps;
  private readonly trigger: string;

  constructor(input: CycleInput) {
    const info = workflowInfo();
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

  /** The run's state as it may be carried into the run it continues as new in. */
  protected restore(c: Pick<AgentLog, 'settings' | 'agentState'> & { seq: number; head: string | null }): void {
    this.settings = c.settings;
    this.agentState = c.agentState;
    this.metrics = new CycleMetrics(scopedName({ fleet: c.settings.fleet, id: c.settings.agent }), c.settings.dreamer);
    this.seq = c.seq;
    this.head = c.head;
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

  /** How the run ends: said in its details, search attributes and audit log, the agent's state saved. */
  async end(outcome: Outcome, reason: string, next: Partial<AgentState> = {}): Promise<CycleResult> {
    const s = this.state;
    await this.ending(outcome, reason, {
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

  private async ending(outcome: Outcome, reason: string, data: Record<string, unknown>): Promise<void> {
    this.state.outcome = outcome;
    this.state.reason = reason;
    this.metrics?.end(outcome);
    this.enter('done');
    const delta = outcome !== 'failed' ? this.state.delta : undefined;
    upsertSearchAttributes([
      { key: searchAttributes.outcome, value: outcome },
      ...(delta !== undefined ? [{ key: searchAttributes.scoreDelta, value: delta }] : []),
    ]);
    await this.record(`cycle-${outcome}`, data);
  }

  /** A run that fails or is cancelled: the failure recorded and, unless cancelled, on-call paged. */
  async failed(err: unknown): Promise<void> {
    await this.fail(err);
  }

  /** Ends a failed run; what `undo` undoes comes first (even when cancelled), saying why it could not. */
  protected async fail(err: unknown, undo?: (cancelled: boolean) => Promise<string | undefined>): Promise<void> {
    await CancellationScope.nonCancellable(async () => {
      if (!this.settings) return; // refused before it opened: there is no agent to record for
      const cancelled = isCancellation(err);
      let reason = cancelled ? 'cancelled' : `${failureType(err) ?? 'error'}: ${safeName(failureMessage(err), 500)}`;
      const undoFailed = undo ? await undo(cancelled) : undefined;
      if (undoFailed) reason += `; undoing the promotion failed (${undoFailed})`;
      await this.ending('failed', reason, { reason });
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
}

/** A run's input, checked (anyone with namespace access can start one) before anything runs. */
export function checkedInput(raw: unknown): CycleInput {
  const r = parseCycleInput(raw);
  if (!r.ok) throw ApplicationFailure.nonRetryable(`cycle input: ${r.why}`, 'InvalidInput');
  return r.input;
}
