import { setTimeout as sleep } from 'node:timers/promises';
import type { AgentConfig } from '../../src/config/fleet.js';
import type { CycleResult, CycleState } from '../../src/cycle/types.js';
import { safeText } from '../../src/util/display.js';
import { colours, printJson, progress } from '../output.js';
import type { DreamgateClient } from '../client.js';
import { cycleEnd, type CycleEnd } from '../cycleEnd.js';
import { startCycle, type StartedCycle } from '../cycleClient.js';
import { withContext, type CommonOptions } from '../context.js';
import { assertWorker, livePollers, NoWorker, startWorkerHint } from '../pollers.js';
import { queueOf, workflowUrl } from '../temporal/settings.js';
import { stateQuery } from '../../workflows/definitions.js';
import { formatScores } from '../../src/cycle/format.js';
import type { Command } from 'commander';
import { cancelCommand } from './cancel.js';
import { cycleCommand } from './options.js';
import { showCommand } from './show.js';
import { statusCommand } from './status.js';

/** A running cycle's state, or undefined when no worker answered within `ms` (a query needs one). */
export async function stateOf(
  c: DreamgateClient,
  handle: { query: StartedCycle['query'] },
  ms = 5_000,
): Promise<CycleState | undefined> {
  return c.client.withDeadline(Date.now() + ms, () => handle.query(stateQuery)).catch(() => undefined);
}

/** Follows a cycle stage by stage until it ends, or waits for review (unless `wait`). */
async function follow(
  c: DreamgateClient,
  handle: StartedCycle,
  agentId: string,
  fleetFile: string,
  wait: boolean,
): Promise<CycleState | undefined> {
  let last = '';
  let state: CycleState | undefined;
  for (;;) {
    const desc = await handle.describe();
    if (desc.status.name !== 'RUNNING') return state;
    const now = await stateOf(c, handle);
    // no answer: say so at once if its worker is gone (the cycle waits for one, durably), else ask again
    if (!now && (await livePollers(c, desc.taskQueue))?.length === 0)
      throw new NoWorker(
        `${handle.workflowId} is waiting at stage ${state?.stage ?? 'starting'}: no worker is polling task queue "${desc.taskQueue}" any more; it goes on when one does: ${startWorkerHint(fleetFile)}`,
        desc.taskQueue,
      );
    state = now ?? state;
    const line = state ? `${state.stage}${formatScores(state) ? `  ${formatScores(state)}` : ''}` : 'starting';
    if (line !== last) progress(state?.waitingFor ? `${line} (waiting for ${safeText(state.waitingFor)})` : line);
    last = line;
    if (state?.stage === 'review' && !wait) {
      const id = state.changeSetId!.slice(0, 12);
      progress(
        `waiting for review by ${state.reviewers.join(', ')}: \`dreamgate review ${agentId}\`, then \`dreamgate approve ${agentId} ${id}\` or \`dreamgate reject ${agentId} ${id} --reason …\``,
      );
      return state;
    }
    await sleep(500);
  }
}

/** The outcome line `run` prints: the outcome, and the cause the cycle recorded (never just "FAILED"). */
function printEnd(agentId: string, end: CycleEnd, url: string): void {
  const c = colours();
  const paint = end.outcome === 'kept' ? c.green : end.outcome === 'skipped' ? c.yellow : c.red;
  process.stdout.write(
    `${paint(end.outcome)} ${agentId}: ${safeText(end.reason || end.status)}\n${end.result ? `${formatScores(end.result)}\n` : ''}${url}\n`,
  );
}

export async function runCommand(
  agentId: string,
  opts: CommonOptions & { wait?: boolean; follow?: boolean; now?: boolean },
): Promise<void> {
  await withContext(opts, async (ctx) => {
    const agent = ctx.agentOrTeam(agentId);
    const client = await ctx.client();
    // nobody to run it: said now, and nothing started that would hold the agent's one workflow id
    await assertWorker(client, queueOf(client.temporal, ctx.fleet), ctx.fleet.file);
    const handle = await startCycle(client, ctx.fleet, agent, 'manual', opts.now === true);
    const ids = { workflowId: handle.workflowId, runId: handle.firstExecutionRunId };
    const url = workflowUrl(client.temporal, ids.workflowId, ids.runId);
    progress(`started ${handle.workflowId} (${agent.mode}) — ${url}`);
    if (opts.follow === false) return opts.json ? printJson({ ...ids, url }) : undefined;
    const state = await follow(client, handle, agentId, ctx.fleet.file, opts.wait === true);
    const end = await cycleEnd(client, ids.workflowId, ids.runId);
    if (!end) return opts.json ? printJson({ ...ids, url, state }) : undefined; // waits for review
    if (opts.json) printJson({ ...ids, url, status: end.status, result: end.result ?? { ...state, ...end } });
    else printEnd(agentId, end, url);
    if (!opts.json) skippedHint(agentId, agent, end.result);
    if (end.status !== 'COMPLETED') process.exitCode = 1;
  });
}

/** Skipped before the baseline eval for too few new sessions: how to get a dream anyway. */
function skippedHint(agentId: string, agent: AgentConfig, result: CycleResult | undefined): void {
  if (result?.outcome === 'skipped' && result.baseline === undefined && agent.minNewSessions > 0)
    progress(
      `nothing was dreamed: ${agentId} dreams once it has ${agent.minNewSessions} new session(s) (minNewSessions); ` +
        `to dream now anyway: \`dreamgate run ${agentId} --now\``,
    );
}

/** `dreamgate run`, `status`, `cancel` and `show`: starting, following and ending an agent's cycles. */
export function registerRun(program: Command): void {
  cycleCommand(program, 'run', 'start a dream cycle for an agent now and follow it')
    .argument('<agent>')
    .option('--wait', 'keep following while the cycle waits for review')
    .option('--no-follow', 'start it and return')
    .option('--now', 'consolidate now: dream even with fewer new sessions than minNewSessions')
    .action(runCommand);
  cycleCommand(
    program,
    'status',
    'latest cycles of every agent (or ten of one): how each ended and why, or where a running one is; exit 1 when no worker polls',
  )
    .argument('[agent]')
    .action(statusCommand);
  cycleCommand(
    program,
    'cancel',
    'end the agent’s running cycle cleanly: it rolls back what it promoted; with no worker, one that wrote nothing ends at once',
  )
    .argument('<agent>')
    .option('--reason <text>', 'why, for the record')
    .option('--as <name>', 'who (default $DREAMGATE_REVIEWER or your login)')
    .option('--no-wait', 'request it and return')
    .action(cancelCommand);
  cycleCommand(
    program,
    'show',
    'a past cycle (the latest by default): its outcome and why, its scores and its change set',
  )
    .argument('<agent>')
    .option('--cycle <run>', 'the cycle’s run id (or 8+ characters of it), as `dreamgate status <agent>` lists it')
    .action(showCommand);
}
