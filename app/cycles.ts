import type { WorkflowHandle } from '@temporalio/client';
import type { AgentConfig, FleetConfig } from '../src/config/fleet.js';
import { cycleWorkflowId, cyclesQuery, scopedName, type AgentScope } from '../src/config/scope.js';
import type { ApproveSignal, CycleInput, CycleResult, CycleState, RejectSignal } from '../src/cycle/types.js';
import { workflowUrl } from './temporal/settings.js';
import { InvalidInput } from '../src/util/errors.js';
import { approveSignal, rejectSignal, stateQuery } from '../workflows/definitions.js';
import { dreamCycle } from '../workflows/index.js';
import type { DreamgateClient } from './client.js';

export type CycleHandle = WorkflowHandle<typeof dreamCycle>;

export function cycleInput(
  fleet: Pick<FleetConfig, 'paging' | 'notify'>,
  agent: AgentConfig,
  trigger: string,
  uiUrl?: string,
): CycleInput {
  return {
    agent,
    trigger,
    ...(fleet.paging ? { paging: fleet.paging } : {}),
    ...(fleet.notify ? { notify: fleet.notify } : {}),
    ...(uiUrl ? { uiUrl } : {}),
  };
}

/** Starts a cycle now; its id names the fleet, the agent and the minute, so a double start is refused by Temporal. */
export async function startCycle(
  c: DreamgateClient,
  fleet: Pick<FleetConfig, 'paging' | 'notify'>,
  agent: AgentConfig,
  trigger = 'manual',
  workflowId?: string,
): Promise<CycleHandle> {
  const id = workflowId ?? `${cycleWorkflowId(agent)}:${new Date().toISOString().replace(/[-:.]/g, '').slice(0, 15)}`;
  return c.client.workflow.start(dreamCycle, {
    taskQueue: c.temporal.taskQueue,
    workflowId: id,
    args: [cycleInput(fleet, agent, trigger, workflowUrl(c.temporal, id))],
    staticSummary: `Dream cycle of ${agent.id} (${agent.mode}, ${trigger})`,
    staticDetails: `snapshot → baseline eval → dream → post eval → ${agent.mode === 'automatic' ? '' : 'review → '}promote → verify. Reviewers: ${agent.reviewers.join(', ') || 'none'}.`,
  });
}

export interface CycleRow {
  workflowId: string;
  runId: string;
  status: string;
  startTime: Date;
  outcome?: string;
  delta?: number;
}

/** An agent's cycles, newest first, from Temporal's visibility (search attributes). */
export async function listCycles(
  c: DreamgateClient,
  agent: AgentScope,
  opts: { running?: boolean; limit?: number } = {},
): Promise<CycleRow[]> {
  const query = cyclesQuery(agent, opts);
  const rows: CycleRow[] = [];
  for await (const w of c.client.workflow.list({ query })) {
    const sa = w.searchAttributes as Record<string, unknown[] | undefined>;
    rows.push({
      workflowId: w.workflowId,
      runId: w.runId,
      status: w.status.name,
      startTime: w.startTime,
      ...(sa.DreamOutcome?.[0] !== undefined ? { outcome: String(sa.DreamOutcome[0]) } : {}),
      ...(sa.DreamScoreDelta?.[0] !== undefined ? { delta: Number(sa.DreamScoreDelta[0]) } : {}),
    });
    if (rows.length >= (opts.limit ?? 50)) break;
  }
  return rows.sort((a, b) => b.startTime.getTime() - a.startTime.getTime());
}

/** The running cycle of an agent that waits for review. */
export async function pendingReview(
  c: DreamgateClient,
  agent: AgentScope,
): Promise<{ handle: CycleHandle; state: CycleState }> {
  const agentId = scopedName(agent);
  const unanswered: string[] = [];
  for (const row of await listCycles(c, agent, { running: true })) {
    const handle = c.client.workflow.getHandle<typeof dreamCycle>(row.workflowId, row.runId);
    const state = await handle.query(stateQuery).catch(() => undefined);
    if (!state) unanswered.push(row.workflowId);
    else if (state.stage === 'review') return { handle, state };
  }
  if (unanswered.length > 0) {
    throw new Error(
      `running cycle(s) ${unanswered.join(', ')} of ${agentId} did not answer: is a worker running on task queue "${c.temporal.taskQueue}"? Start one with \`dreamgate worker\``,
    );
  }
  throw new InvalidInput(`agent ${agentId} has no cycle waiting for review (see \`dreamgate status ${agent.id}\`)`);
}

export async function approve(handle: CycleHandle, signal: ApproveSignal): Promise<void> {
  await handle.signal(approveSignal, signal);
}

export async function reject(handle: CycleHandle, signal: RejectSignal): Promise<void> {
  await handle.signal(rejectSignal, signal);
}

export async function cycleState(handle: CycleHandle): Promise<CycleState> {
  return handle.query(stateQuery);
}

export type { CycleResult };
