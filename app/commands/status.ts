import { ScheduleNotFoundError } from '@temporalio/client';
import type { AgentConfig } from '../../src/config/fleet.js';
import { scheduleName } from '../../src/config/scope.js';
import type { CycleState } from '../../src/cycle/types.js';
import { safeName } from '../../src/util/display.js';
import { colours, printJson } from '../output.js';
import type { DreamgateClient } from '../client.js';
import { cycleEnd } from '../cycleEnd.js';
import { listCycles, scopeOf, type CycleRow } from '../cycleClient.js';
import { withContext, type CommonOptions, type Context } from '../context.js';
import { livePollers, noWorkerMessage } from '../pollers.js';
import { queueOf } from '../temporal/settings.js';
import { stateOf } from './run.js';

/** One line of `status`: a cycle, how it ended and why, or where a running one is and what it waits for. */
export interface StatusRow {
  agent: string;
  mode: string;
  status: string;
  workflowId?: string;
  runId?: string;
  type?: string;
  startTime?: Date;
  outcome?: string;
  delta?: number;
  /** Why it ended as it did: the cycle's reason, its failure's cause, who cancelled or terminated it. */
  reason?: string;
  stage?: string;
  waitingFor?: string;
  changeSetId?: string;
  ignoredDecisions?: number;
  /** A running cycle whose task queue no worker polls: it waits until one does. */
  noWorker?: string;
}

/** What a row of a cycle says: its end from Temporal, or (running) its state from its worker, if one polls. */
async function describeRow(
  c: DreamgateClient,
  agent: AgentConfig,
  scope: { id: string },
  cy: CycleRow,
  polled: (queue: string) => Promise<boolean>,
): Promise<StatusRow> {
  const row: StatusRow = { agent: scope.id, mode: agent.mode, ...cy };
  if (cy.type !== 'dreamCycle') row.mode = cy.type === 'agentRollback' ? 'rollback' : 'record';
  if (cy.status !== 'RUNNING') {
    const end = await cycleEnd(c, cy.workflowId, cy.runId).catch(() => undefined);
    // a cancelled cycle records the outcome `failed`; what Temporal says of how it ended is the plainer word
    return end
      ? { ...row, outcome: end.status === 'COMPLETED' ? (cy.outcome ?? end.outcome) : end.outcome, reason: end.reason }
      : row;
  }
  if (!(await polled(cy.taskQueue))) return { ...row, noWorker: cy.taskQueue };
  const state: CycleState | undefined = await stateOf(c, c.client.workflow.getHandle(cy.workflowId, cy.runId));
  if (!state) return { ...row, stage: 'not answering' };
  return {
    ...row,
    stage: state.stage,
    ...(state.waitingFor ? { waitingFor: state.waitingFor } : {}),
    ...(state.changeSetId ? { changeSetId: state.changeSetId } : {}),
    ...(state.ignored?.count ? { ignoredDecisions: state.ignored.count } : {}),
  };
}

async function rowsOf(ctx: Context, c: DreamgateClient, agents: AgentConfig[], limit: number) {
  const queues = new Map<string, Promise<boolean>>();
  // unknown (Temporal would not say) counts as polled: a query then answers or times out, as before
  const polled = (q: string) =>
    queues.get(q) ??
    queues
      .set(
        q,
        livePollers(c, q).then((p) => p === undefined || p.length > 0),
      )
      .get(q)!;
  const rows: StatusRow[] = [];
  for (const agent of agents) {
    const scope = scopeOf(ctx.fleet, agent);
    const cycles = await listCycles(c, scope, { limit });
    for (const cy of cycles) rows.push(await describeRow(c, agent, scope, cy, polled));
    if (cycles.length === 0) rows.push({ agent: scope.id, mode: agent.mode, status: 'no cycles yet' });
  }
  const fleetQueue = queueOf(c.temporal, ctx.fleet);
  return { rows, fleetQueue, fleetPolled: await polled(fleetQueue) };
}

function printRows(rows: StatusRow[]): void {
  const c = colours();
  for (const r of rows) {
    const outcome = r.outcome ?? (r.stage ? `running: ${r.stage}` : r.noWorker ? 'running: no worker' : r.status);
    const delta = r.delta !== undefined ? ` Δ ${r.delta >= 0 ? '+' : ''}${r.delta.toFixed(3)}` : '';
    const when = r.startTime ? r.startTime.toISOString().replace('T', ' ').slice(0, 16) : '';
    const bad = ['failed', 'discarded', 'rolled_back', 'conflict', 'cancelled', 'terminated', 'timed out'];
    const paint = bad.includes(r.outcome ?? '') ? c.red : (s: string) => s;
    // what a cycle reports (its stage, its reason) is shown escaped, like every recorded text
    process.stdout.write(
      `${safeName(r.agent).padEnd(22)} ${r.mode.padEnd(9)} ${when.padEnd(16)} ${paint(safeName(outcome, 60).padEnd(22))}${delta}  ${r.workflowId ? c.dim(`${safeName(r.workflowId, 160)} ${safeName(r.runId ?? '', 40)}`) : ''}\n`,
    );
    if (r.reason && r.outcome !== 'kept') process.stdout.write(c.dim(`    ${safeName(r.reason, 300)}\n`));
    if (r.waitingFor) process.stdout.write(c.dim(`    waiting for ${safeName(r.waitingFor, 300)}\n`));
    if (r.noWorker) process.stdout.write(c.red(`    waiting: no worker is polling task queue "${r.noWorker}"\n`));
    if (r.ignoredDecisions) process.stdout.write(c.dim(`    ${r.ignoredDecisions} decision(s) refused or ignored\n`));
  }
}

/** The fleet's schedule: paused or not, and its note (why); undefined when the fleet has none. */
async function scheduleState(c: DreamgateClient, fleet: string) {
  const id = scheduleName(fleet);
  try {
    const d = await c.client.schedule.getHandle(id).describe();
    return { id, paused: d.state.paused, ...(d.state.note ? { note: d.state.note } : {}) };
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return undefined;
    throw err;
  }
}

/**
 * `dreamgate status [agent]`: the latest cycles (one per agent, or ten of one), each with how it ended and why
 * (failed, discarded and cancelled ones too, and cycles refused before their first step), or where a running
 * one is. No worker polling the fleet's queue is said, with how to start one, and exits 1.
 */
export async function statusCommand(agentId: string | undefined, opts: CommonOptions): Promise<void> {
  await withContext(opts, async (ctx) => {
    const client = await ctx.client();
    const agents = agentId ? [ctx.agentOrTeam(agentId)] : ctx.fleet.agents;
    const { rows, fleetQueue, fleetPolled } = await rowsOf(ctx, client, agents, agentId ? 10 : 1);
    const noWorker = !fleetPolled || rows.some((r) => r.noWorker);
    const hint = noWorkerMessage(client, rows.find((r) => r.noWorker)?.noWorker ?? fleetQueue, ctx.fleet.file);
    const schedule = await scheduleState(client, ctx.fleet.fleet);
    if (opts.json)
      printJson({
        cycles: rows,
        worker: { taskQueue: fleetQueue, polling: fleetPolled },
        ...(schedule ? { schedule } : {}),
      });
    else {
      printRows(rows);
      if (schedule?.paused)
        process.stdout.write(
          `${colours().yellow(`schedule ${schedule.id} paused`)}${schedule.note ? `: ${safeName(schedule.note, 400)}` : ''}\n    resume it with \`dreamgate schedule resume --fleet ${ctx.fleet.file}\`\n`,
        );
    }
    if (noWorker) {
      process.stderr.write(`${colours(process.stderr).red('error:')} ${hint}\n`);
      process.exitCode = 1;
    }
  });
}
