import {
  CancellationScope,
  ChildWorkflowFailure,
  condition,
  isCancellation,
  ParentClosePolicy,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Activities } from '../activities/index.js';
import type { FleetOpening } from '../activities/fleet.js';
import { cycleWorkflowId } from '../src/names/scope.js';
import { fleetRunFolder } from '../src/names/keys.js';
import { fleetDetails, maxNotable, type FleetCarry } from '../src/cycle/fleetInput.js';
import type { FleetOutcome, FleetProgress } from '../src/cycle/types.js';
import { failureMessage } from './cycle/failures.js';
import { fleetProgressQuery, reviewOpenedSignal } from './definitions.js';
import { dreamCycle } from './dreamCycle.js';
import { retry } from './cycle/activities.js';

const steps = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry,
});

/** Agent ids read per activity, and outcomes written per report page. */
const pageSize = 100;
/**
 * A run stops starting children past this many events and continues as new once they are done: its history
 * stays under Temporal's warning (10,240 events) whatever the window, at about 10 events a child.
 */
const drainAtEvents = 8_000;

/**
 * One run of a fleet's night: the agents' cycles as children, `concurrency` at a time, each started as
 * another ends (a sliding window, as Temporal's batch samples do). A child that waits for a reviewer tells
 * the run (`review-opened`), is counted `in_review` and frees its lane: people never hold the night up. Each
 * agent is counted once, by whichever comes first, its end or its review. Outcomes go to S3 a page at a time.
 */
export class FleetWindow {
  readonly carry: FleetCarry;
  private readonly since: string;
  private readonly workflowId: string;
  private readonly reportKey: string;
  /** Agents of this run whose cycle is under way, and whether a review was reported for it. */
  private readonly lanes = new Map<string, { review: boolean }>();
  private queue: string[] = [];
  private next: number;
  private unwritten: FleetOutcome[] = [];
  private written: number;
  private writing: Promise<void> = Promise.resolve();
  private writeFailed?: unknown;
  private team?: string;

  constructor(
    private readonly fleet: string,
    private readonly opening: FleetOpening,
    carry: FleetCarry,
  ) {
    this.carry = { ...carry, runs: (carry.runs ?? 0) + 1 };
    this.since = carry.since ?? workflowInfo().startTime.toISOString();
    this.carry.since = this.since;
    this.workflowId = workflowInfo().workflowId;
    this.reportKey = fleetRunFolder(fleet, this.workflowId);
    this.next = this.written = carry.offset;
  }

  get report(): string {
    return this.reportKey;
  }

  get finished(): boolean {
    return this.carry.offset >= this.opening.agents;
  }

  listen(): void {
    setHandler(fleetProgressQuery, () => this.progress());
    setHandler(reviewOpenedSignal, (raw: unknown) => {
      // any client may signal: only a child of this run that is still counted as running is moved
      const agent = typeof raw === 'object' && raw !== null ? (raw as { agent?: unknown }).agent : undefined;
      const lane = typeof agent === 'string' ? this.lanes.get(agent) : undefined;
      if (lane) lane.review = true;
    });
    this.show();
  }

  /** Dreams up to `limit` more agents, then waits until each is counted and its outcome written. */
  async dream(limit: number): Promise<void> {
    let end = Math.min(this.opening.agents, this.carry.offset + limit);
    const width = this.opening.concurrency;
    const room = () => this.lanes.size < width && this.next < end && !this.full();
    try {
      for (;;) {
        while (room()) {
          const agent = await this.take(end);
          if (agent === undefined)
            end = this.next; // the pinned configuration has no more (never expected)
          else void this.lane(agent);
        }
        if (this.lanes.size === 0) break;
        await condition(() => room() || this.lanes.size === 0);
      }
    } catch (err) {
      // cancelled: the cycles under way are cancelled with the run; what was counted is still written
      if (isCancellation(err)) await CancellationScope.nonCancellable(() => this.flush());
      throw err;
    }
    this.carry.offset = this.next;
    await this.flush();
  }

  /** The team store's cycle, after every agent: counted apart, as the result's `team`. */
  async dreamTeam(teamId: string): Promise<Omit<FleetOutcome, 'agent'>> {
    this.team = 'running';
    this.lanes.set(teamId, { review: false });
    this.show();
    const { agent: _, ...outcome } = await this.cycleOf(teamId);
    this.lanes.delete(teamId);
    this.team = outcome.outcome;
    this.show();
    return outcome;
  }

  private full(): boolean {
    const info = workflowInfo();
    return info.continueAsNewSuggested || info.historyLength >= drainAtEvents;
  }

  private async take(end: number): Promise<string | undefined> {
    if (this.queue.length === 0) {
      const limit = Math.min(pageSize, end - this.next);
      const { fleet } = this;
      this.queue = await steps.fleetAgents({ fleet, configHash: this.carry.configHash, offset: this.next, limit });
      if (this.queue.length === 0) return undefined;
    }
    this.next++;
    const agent = this.queue.shift()!;
    this.lanes.set(agent, { review: false });
    return agent;
  }

  private async lane(agent: string): Promise<void> {
    const outcome = await this.cycleOf(agent);
    this.lanes.delete(agent);
    this.count(outcome);
  }

  /** One agent's cycle until it ends or waits for review; never throws (a failure is an outcome). */
  private async cycleOf(agent: string): Promise<FleetOutcome> {
    const workflowId = cycleWorkflowId({ fleet: this.fleet, id: agent });
    try {
      const child = await startChild(dreamCycle, {
        workflowId,
        args: [
          { fleet: this.fleet, agent, configHash: this.carry.configHash, trigger: `fleet run ${this.workflowId}` },
        ],
        // a cycle waiting for review outlives the run that started it (continue-as-new, or the night's end)
        parentClosePolicy: ParentClosePolicy.ABANDON,
        staticSummary: `Dream cycle of ${this.fleet}/${agent} (fleet run)`,
      });
      let ended: { result: Awaited<ReturnType<typeof child.result>> } | { error: unknown } | undefined;
      child.result().then(
        (result) => void (ended = { result }),
        (error: unknown) => void (ended = { error }),
      );
      await condition(() => ended !== undefined || this.lanes.get(agent)?.review === true);
      if (!ended) return { agent, workflowId, outcome: 'in_review', reason: 'waits for a reviewer' };
      if ('error' in ended) throw ended.error;
      const r = ended.result;
      return { agent, workflowId, outcome: r.outcome, ...(r.reason ? { reason: r.reason } : {}) };
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError)
        return {
          agent,
          workflowId,
          outcome: 'skipped',
          reason: `a cycle of ${agent} is already running (${workflowId})`,
        };
      // the child's own failure, not "Child Workflow execution failed"
      const cause = err instanceof ChildWorkflowFailure && err.cause ? err.cause : err;
      return {
        agent,
        workflowId,
        outcome: 'failed',
        reason: isCancellation(cause) ? 'cancelled' : failureMessage(cause),
      };
    }
  }

  private count(o: FleetOutcome): void {
    const { counts, notable } = this.carry;
    counts[o.outcome] = (counts[o.outcome] ?? 0) + 1;
    if (!['kept', 'skipped', 'in_review'].includes(o.outcome) && notable.length < maxNotable) notable.push(o);
    this.unwritten.push(o);
    if (this.unwritten.length >= pageSize) this.flush().catch(() => undefined); // thrown again at the run's end
    this.show();
  }

  /** Writes the outcomes not yet written as one page, after the pages before it; a write that failed throws here. */
  private async flush(): Promise<void> {
    const page = this.unwritten.splice(0);
    if (page.length > 0) {
      const offset = this.written;
      this.written += page.length;
      const { fleet } = this;
      this.writing = this.writing
        .then(() => steps.recordFleetOutcomes({ fleet, offset, outcomes: page }))
        .catch((err: unknown) => void (this.writeFailed ??= err));
    }
    await this.writing;
    if (this.writeFailed) throw this.writeFailed;
  }

  progress(): FleetProgress {
    const { counts } = this.carry;
    const counted = Object.values(counts).reduce((a, b) => a + b, 0);
    const waitingForReview = counts.in_review ?? 0;
    const failed = counts.failed ?? 0;
    return {
      fleet: this.fleet,
      agents: this.opening.agents,
      done: counted - waitingForReview - failed,
      running: this.lanes.size,
      waitingForReview,
      failed,
      notStarted: this.opening.agents - this.next,
      counts: { ...counts },
      run: this.carry.runs!,
      since: this.since,
      ...(this.team ? { team: this.team } : {}),
    };
  }

  /** The run's progress in the Temporal UI (the workflow's current details), as on-call reads it. */
  private show(): void {
    setCurrentDetails(fleetDetails(this.progress(), this.reportKey));
  }
}
