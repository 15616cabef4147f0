import { assertWorker } from '../pollers.js';
import { queueOf } from '../temporal/settings.js';
import type { WorkflowHandle } from '@temporalio/client';
import { progressLine } from '../../src/cycle/fleetInput.js';
import type { FleetOutcome, FleetProgress } from '../../src/cycle/types.js';
import { colours, printJson, progress } from '../output.js';
import { safeName, safeText } from '../../src/util/display.js';
import { InvalidInput } from '../../src/util/errors.js';
import { fleetProgressQuery } from '../../workflows/definitions.js';
import type { FleetResult } from '../../workflows/fleet.js';
import type { DreamgateClient } from '../client.js';
import { withContext, type CommonOptions } from '../context.js';
import { fleetOutcomes, startFleetRun } from '../schedules.js';
import { workflowUrl } from '../temporal/settings.js';
import type { Command } from 'commander';
import { fleetOption, stackOption } from './options.js';

/** Agents listed one by one in a finished run's summary; the rest are in `--json` and the S3 report. */
const listed = 50;

/**
 * `dreamgate fleet run`: starts the fleet run and follows it, its progress on stderr (in place on a
 * terminal, a line every 30 s in a pipe), then the outcomes: counts, and the agents that need someone.
 */
export async function fleetRunCommand(opts: CommonOptions & { follow?: boolean }): Promise<void> {
  await withContext(opts, async (ctx) => {
    const client = await ctx.client();
    await assertWorker(client, queueOf(client.temporal, ctx.fleet), ctx.fleet.file);
    const handle = await startFleetRun(client, ctx.fleet);
    const url = workflowUrl(client.temporal, handle.workflowId);
    progress(`started ${handle.workflowId} — ${url}`);
    if (opts.follow === false) return opts.json ? printJson({ workflowId: handle.workflowId, url }) : undefined;
    const result = await follow(handle);
    const outcomes = await fleetOutcomes(
      client,
      result,
      ctx.fleet.agents.map((a) => a.id),
    );
    if (opts.json) return printJson({ workflowId: handle.workflowId, url, ...result, outcomes });
    printSummary(result, outcomes);
  });
}

/** `dreamgate fleet status`: the newest fleet run of this fleet (running or not) and where it stands. */
export async function fleetStatusCommand(opts: CommonOptions): Promise<void> {
  await withContext(opts, async (ctx) => {
    const client = await ctx.client();
    const handle = await newestRun(client, ctx.fleet.fleet);
    const desc = await handle.describe();
    const p = await handle.query(fleetProgressQuery).catch(() => undefined);
    const url = workflowUrl(client.temporal, handle.workflowId, desc.runId);
    const status = desc.status.name.toLowerCase();
    if (opts.json) return printJson({ workflowId: handle.workflowId, runId: desc.runId, status, url, progress: p });
    process.stdout.write(`${handle.workflowId}  ${status}  started ${desc.startTime.toISOString()}\n`);
    if (p) process.stdout.write(`${progressLine(p)}${p.run > 1 ? `  (run ${p.run})` : ''}\n`);
    else process.stdout.write('no progress to show (a run of an earlier version, or one that has not started)\n');
    process.stdout.write(`${colours().dim(url)}\n`);
  });
}

async function newestRun(c: DreamgateClient, fleet: string): Promise<WorkflowHandle> {
  // runs started now are `fleet-<fleet>-<time>`, a schedule's `fleet-<fleet>-<time of the action>`; the
  // list comes running first, then the most recently closed
  const ours = new RegExp(`^fleet-${fleet.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-\\d{4}-\\d{2}-\\d{2}T`);
  let n = 0;
  const query = `WorkflowType = 'dreamFleet' AND WorkflowId STARTS_WITH 'fleet-${fleet}-'`;
  for await (const w of c.client.workflow.list({ query })) {
    if (ours.test(w.workflowId)) return c.client.workflow.getHandle(w.workflowId, w.runId);
    if (++n >= 1_000) break;
  }
  throw new InvalidInput(`fleet ${fleet} has no fleet run yet; start one with \`dreamgate fleet run\``);
}

/** Waits for the run's result (across continue-as-new), saying how far it got while it waits. */
async function follow(handle: WorkflowHandle): Promise<FleetResult> {
  const tty = Boolean(process.stderr.isTTY);
  let last = '';
  let shown = 0;
  const tick = async () => {
    const p: FleetProgress | undefined = await handle.query(fleetProgressQuery).catch(() => undefined);
    if (!p) return;
    const line = progressLine(p);
    if (tty) process.stderr.write(`\r\x1b[2K${colours(process.stderr).dim('›')} ${line}`);
    else if (line !== last && Date.now() - shown >= 30_000) {
      progress(line);
      shown = Date.now();
    }
    last = line;
  };
  const timer = setInterval(() => void tick(), 2_000);
  try {
    return (await handle.result()) as FleetResult;
  } finally {
    clearInterval(timer);
    if (tty && last) process.stderr.write('\n');
  }
}

function printSummary(result: FleetResult, outcomes: FleetOutcome[]): void {
  const c = colours();
  const counts = Object.entries(result.counts)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  process.stdout.write(
    `${result.agents} agent(s)${result.runs && result.runs > 1 ? ` in ${result.runs} runs` : ''}: ${counts}\n`,
  );
  // what needs someone first: failures, then the rest that was not kept or skipped
  const rank = (o: FleetOutcome) => (o.outcome === 'failed' ? 0 : o.outcome === 'in_review' ? 2 : 1);
  const attention = outcomes.filter((o) => o.outcome !== 'kept' && o.outcome !== 'skipped');
  const shown = outcomes.length <= listed ? outcomes : [...attention].sort((a, b) => rank(a) - rank(b));
  for (const o of [...shown.slice(0, listed), ...(result.team ? [{ agent: 'team', ...result.team }] : [])])
    process.stdout.write(
      `${safeName(o.agent).padEnd(24)} ${safeName(o.outcome).padEnd(12)} ${c.dim(safeText(o.reason ?? ''))}\n`,
    );
  if (shown.length > listed)
    process.stdout.write(`… and ${shown.length - listed} more (all of them with --json, or in ${result.reportKey}/)\n`);
}

/** `dreamgate fleet run|status`: the whole fleet's run. */
export function registerFleet(program: Command): void {
  const fleetCmd = program.command('fleet').description('the fleet run');
  fleetCmd
    .command('run')
    .description(
      'dream every agent now (child workflows, `concurrency` at a time), then the team store; shows its progress',
    )
    .addOption(fleetOption)
    .addOption(stackOption)
    .option('--json', 'print as JSON')
    .option('--no-follow', 'start it and return')
    .action(fleetRunCommand);
  fleetCmd
    .command('status')
    .description('the newest fleet run of the fleet: done, running, waiting for review, failed, not started')
    .addOption(fleetOption)
    .addOption(stackOption)
    .option('--json', 'print as JSON')
    .action(fleetStatusCommand);
}
