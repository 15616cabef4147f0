import {
  ApplicationFailure,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
  WorkflowUpdateFailedError,
  type WorkflowHandle,
  type WorkflowHandleWithFirstExecutionRunId,
} from '@temporalio/client';
import type { AgentConfig, FleetConfig } from '../src/config/fleet.js';
import { cycleWorkflowId, cyclesQuery, scopedName, teamId, type AgentScope } from '../src/names/scope.js';
import type { Decision, Verdict } from '../src/cycle/decision.js';
import type { CycleResult, CycleState, DecisionResult } from '../src/cycle/types.js';
import { InvalidInput } from '../src/util/errors.js';
import { approveUpdate, rejectUpdate, searchAttributes, stateQuery } from '../workflows/definitions.js';
import { agentRecord, agentRollback, dreamCycle } from '../workflows/index.js';
import type { RollbackResult } from '../workflows/rollback.js';
import type { DreamgateClient } from './client.js';
import { assertWorker } from './pollers.js';
import { queueOf } from './temporal/settings.js';

export type CycleHandle = WorkflowHandle<typeof dreamCycle>;
/** A cycle this client started: its handle knows the run (the cycle's own id). */
export type StartedCycle = WorkflowHandleWithFirstExecutionRunId<typeof dreamCycle>;

/** A cycle of an agent is already running: a second one (or a rollback) is refused, naming it. */
export class CycleRunning extends InvalidInput {}

/** Whose cycles: an agent of a fleet, or the fleet's team store. */
export function scopeOf(fleet: Pick<FleetConfig, 'fleet' | 'team'>, agent: AgentConfig): AgentScope {
  return { fleet: fleet.fleet, id: fleet.team && agent === fleet.team ? teamId : agent.id };
}

/** The one cycle id an agent has: a second start while it runs is refused, and the refusal names it. */
const exclusive = {
  workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
  workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
} as const;

async function refusedBecauseRunning(c: DreamgateClient, scope: AgentScope, what: string): Promise<CycleRunning> {
  const handle = c.client.workflow.getHandle<typeof dreamCycle>(cycleWorkflowId(scope));
  const desc = await handle.describe().catch(() => undefined);
  const state = desc ? await handle.query(stateQuery).catch(() => undefined) : undefined;
  const started = desc ? `, started ${desc.startTime.toISOString().replace('T', ' ').slice(0, 19)}` : '';
  const stage = state?.stage ? `, stage ${state.stage}` : '';
  return new CycleRunning(
    `${what} refused: a cycle of ${scopedName(scope)} is already running: ${handle.workflowId} (run ${desc?.runId ?? '?'}${started}${stage}); follow it with \`dreamgate status ${scope.id}\``,
  );
}

/**
 * Starts a cycle now under the agent's one workflow id. Its input names the fleet, the agent and the hash of
 * this command's fleet config; the worker refuses the hash if its own copy differs.
 */
export async function startCycle(
  c: DreamgateClient,
  fleet: Pick<FleetConfig, 'fleet' | 'sha256' | 'team' | 'taskQueue'>,
  agent: AgentConfig,
  trigger = 'manual',
  now = false,
): Promise<StartedCycle> {
  const scope = scopeOf(fleet, agent);
  try {
    return await c.client.workflow.start(dreamCycle, {
      taskQueue: queueOf(c.temporal, fleet),
      workflowId: cycleWorkflowId(scope),
      ...exclusive,
      args: [{ fleet: fleet.fleet, agent: scope.id, configHash: fleet.sha256, trigger, ...(now ? { now } : {}) }],
      // listed under its agent from the start: a cycle that fails before its first step still shows in `status`
      typedSearchAttributes: [{ key: searchAttributes.agent, value: scopedName(scope) }],
      staticSummary: `Dream cycle of ${scopedName(scope)} (${agent.mode}, ${trigger}${now ? ', now' : ''})`,
      staticDetails: `snapshot → baseline eval → dream → post eval → ${agent.mode === 'automatic' ? '' : 'review → '}promote → verify. Reviewers: ${agent.reviewers.join(', ') || 'none'}.`,
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) throw await refusedBecauseRunning(c, scope, 'run');
    throw err;
  }
}

/**
 * A manual rollback, run by the agent's own workflow (so it is refused while a cycle runs, and recorded in
 * the agent's audit chain); waits for it.
 */
export async function rollbackAgent(
  c: DreamgateClient,
  fleet: Pick<FleetConfig, 'fleet' | 'sha256' | 'team' | 'taskQueue'> & { file?: string },
  agent: AgentConfig,
  snapshotId: string,
  requestedBy: string,
): Promise<RollbackResult> {
  const scope = scopeOf(fleet, agent);
  await assertWorker(c, queueOf(c.temporal, fleet), fleet.file);
  try {
    const handle = await c.client.workflow.start(agentRollback, {
      taskQueue: queueOf(c.temporal, fleet),
      workflowId: cycleWorkflowId(scope),
      ...exclusive,
      args: [{ fleet: fleet.fleet, agent: scope.id, configHash: fleet.sha256, snapshotId, requestedBy }],
      staticSummary: `Manual rollback of ${scopedName(scope)} to snapshot ${snapshotId}`,
    });
    return await handle.result().catch((err: unknown) => {
      // what refused it (a snapshot that does not check, a step not allowed), not "Workflow execution failed"
      if (!(err instanceof WorkflowFailedError)) throw err;
      let cause: unknown = err.cause;
      while (cause instanceof Error && cause.cause && !(cause instanceof ApplicationFailure)) cause = cause.cause;
      const type = cause instanceof ApplicationFailure && cause.type ? `${cause.type}: ` : '';
      throw new Error(
        `rollback of ${scopedName(scope)} failed: ${type}${(cause as Error | undefined)?.message ?? err.message}`,
      );
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) throw await refusedBecauseRunning(c, scope, 'rollback');
    throw err;
  }
}

/** Refuses (naming it) when a cycle of the agent runs: an operator's change would race it. */
export async function assertNoCycleRunning(
  c: DreamgateClient,
  fleet: Pick<FleetConfig, 'fleet' | 'team'>,
  agent: AgentConfig,
  what: string,
): Promise<void> {
  const scope = scopeOf(fleet, agent);
  const desc = await c.client.workflow
    .getHandle(cycleWorkflowId(scope))
    .describe()
    .catch(() => undefined);
  if (desc?.status.name === 'RUNNING') throw await refusedBecauseRunning(c, scope, what);
}

/**
 * Appends a record an operator's command made (a redaction) through the agent's own workflow, so it joins
 * the audit chain from the head Temporal keeps. A cycle that started meanwhile is waited for (at most
 * `patienceMs`): the record then follows its records.
 */
export async function recordForAgent(
  c: DreamgateClient,
  fleet: Pick<FleetConfig, 'fleet' | 'sha256' | 'team' | 'taskQueue'>,
  agent: AgentConfig,
  record: { event: 'redacted' | 'agent-resumed'; actor: string; data: Record<string, unknown> },
  onWait: (line: string) => void = () => {},
  patienceMs = 30 * 60_000,
): Promise<{ key: string; auditHead: string | null }> {
  const scope = scopeOf(fleet, agent);
  const deadline = Date.now() + patienceMs;
  for (;;) {
    try {
      return await c.client.workflow.execute(agentRecord, {
        taskQueue: queueOf(c.temporal, fleet),
        workflowId: cycleWorkflowId(scope),
        ...exclusive,
        args: [{ fleet: fleet.fleet, agent: scope.id, configHash: fleet.sha256, record }],
        staticSummary: `${record.event} of ${scopedName(scope)}, recorded by ${record.actor}`,
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError) || Date.now() > deadline) throw err;
      onWait(`a cycle of ${scopedName(scope)} is running; the record follows it when it ends`);
      await new Promise((r) => setTimeout(r, 5_000));
    }
  }
}

export interface CycleRow {
  workflowId: string;
  runId: string;
  /** dreamCycle, or agentRollback / agentRecord for what an operator did through the agent's workflow. */
  type: string;
  status: string;
  taskQueue: string;
  startTime: Date;
  closeTime?: Date;
  outcome?: string;
  delta?: number;
}

/** An agent's cycles, newest first, from Temporal's visibility (search attributes). */
export async function listCycles(
  c: DreamgateClient,
  scope: AgentScope,
  opts: { running?: boolean; limit?: number } = {},
): Promise<CycleRow[]> {
  const rows: CycleRow[] = [];
  for await (const w of c.client.workflow.list({ query: cyclesQuery(scope, opts) })) {
    const outcome = w.typedSearchAttributes.get(searchAttributes.outcome);
    const delta = w.typedSearchAttributes.get(searchAttributes.scoreDelta);
    rows.push({
      workflowId: w.workflowId,
      runId: w.runId,
      type: w.type,
      status: w.status.name,
      taskQueue: w.taskQueue,
      startTime: w.startTime,
      ...(w.closeTime ? { closeTime: w.closeTime } : {}),
      ...(outcome !== undefined ? { outcome } : {}),
      ...(delta !== undefined ? { delta } : {}),
    });
    if (rows.length >= (opts.limit ?? 50)) break;
  }
  return rows.sort((a, b) => b.startTime.getTime() - a.startTime.getTime());
}

/** The cycle of an agent that waits for review, and what it shows. */
export interface Pending {
  handle: CycleHandle;
  state: CycleState;
}

export async function pendingReview(
  c: DreamgateClient,
  fleet: Pick<FleetConfig, 'fleet' | 'team'> & { file?: string },
  agent: AgentConfig,
): Promise<Pending> {
  const scope = scopeOf(fleet, agent);
  const handle = c.client.workflow.getHandle<typeof dreamCycle>(cycleWorkflowId(scope));
  const desc = await handle.describe().catch(() => undefined);
  if (desc?.status.name !== 'RUNNING')
    throw new InvalidInput(
      `${scopedName(scope)} has no cycle waiting for review (see \`dreamgate status ${scope.id}\`)`,
    );
  // only its worker can answer for it: none polling is said at once, not after a query's timeout
  await assertWorker(c, desc.taskQueue, fleet.file);
  const state = await queryOrHint(c, handle);
  if (state.stage !== 'review')
    throw new InvalidInput(
      `${scopedName(scope)} has no change set waiting for review: its cycle ${handle.workflowId} is at stage ${state.stage} (see \`dreamgate status ${scope.id}\`)`,
    );
  // by workflow id, not run: a review wait continues as new, and the decision names its cycle and change set
  return { handle, state };
}

async function queryOrHint(c: DreamgateClient, handle: CycleHandle): Promise<CycleState> {
  try {
    return await handle.query(stateQuery);
  } catch {
    throw new Error(
      `cycle ${handle.workflowId} did not answer: is its worker still running? Start one with \`dreamgate worker\``,
    );
  }
}

/** Sends a decision as an update, so the answer comes back: accepted, or refused and why. */
export async function decide(pending: Pending, verdict: Verdict, decision: Decision): Promise<DecisionResult> {
  try {
    return await pending.handle.executeUpdate(verdict === 'approve' ? approveUpdate : rejectUpdate, {
      args: [decision],
    });
  } catch (err) {
    // the validator refused it at once (not in review, not a reviewer, a stale id, unsigned, malformed)
    if (err instanceof WorkflowUpdateFailedError) return { accepted: false, why: err.cause?.message ?? err.message };
    throw err;
  }
}

export async function cycleState(handle: CycleHandle): Promise<CycleState> {
  return handle.query(stateQuery);
}

export type { CycleResult };
