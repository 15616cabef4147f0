import { spawn } from 'node:child_process';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { loadFleetConfig } from '../src/config/fleet.js';
import { agentSearchAttribute, scopedName } from '../src/names/scope.js';
import { loadStackConfig, localStackVariable } from '../src/config/stack.js';
import { colours, progress } from './output.js';
import { stackUp } from './stack/servers.js';
import { workflowUrl } from './temporal/settings.js';
import { projectRoot } from '../src/util/paths.js';
import { connectClient, type DreamgateClient } from './client.js';
import type { CycleState } from '../src/cycle/types.js';
import { cycleState, startCycle, type CycleResult, type StartedCycle } from './cycleClient.js';
import type { Command } from 'commander';
import { stackOption } from './commands/options.js';
import { shortId } from '../src/names/ids.js';

type Page = { path: string; body: { summary?: string; payload?: { summary?: string } } };
type DemoResult = { agent: string; workflowId: string; runId: string; result: CycleResult };

/** A local stand-in for PagerDuty, so the page the gate sends can be shown. */
async function startPager() {
  const pages: Page[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      pages.push({ path: req.url ?? '', body: JSON.parse(body || '{}') });
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;

  return { server, pages, port };
}

/** The example fleet copied to a fleet of its own, paging the local stand-in. */
async function copyDemoFleet(pagerPort: number): Promise<{ dir: string; fleetFile: string }> {
  const stamp = new Date().toISOString().replace(/[-:.]/g, '').slice(0, 15);
  const dir = join(projectRoot, '.dreamgate', 'demo', stamp);
  progress(`copying the example fleet to ${dir}`);
  await cp(join(projectRoot, 'examples', 'fleet'), dir, { recursive: true });
  await cp(
    join(projectRoot, 'examples', 'demo', 'doc-review-pinned-suite.yml'),
    join(dir, 'doc-review-pinned-suite.yml'),
  );
  await mkdir(join(dir, 'team', 'memory'), { recursive: true });
  const fleetFile = join(dir, 'dreamgate.yml');
  // each demo is a fleet of its own (its own cycles, state and audit log), so a demo never meets an earlier one
  await writeFile(
    fleetFile,
    (await readFile(join(projectRoot, 'examples', 'demo', 'dreamgate.yml'), 'utf8'))
      .replaceAll('${PAGER_PORT}', String(pagerPort))
      .replace(/^fleet: demo$/m, `fleet: demo-${stamp}`),
  );
  return { dir, fleetFile };
}

/** Waits for the reviewed agent's change set and approves it with `dreamgate approve`, as a reviewer would. */
async function approveFromCommandLine(review: StartedCycle, fleetFile: string): Promise<void> {
  const c = colours();
  let pending: CycleState | undefined;
  // a busy machine may take a while to dream three agents at once: wait up to five minutes, then say so
  for (let i = 0; i < 3_000 && (pending = await cycleState(review).catch(() => undefined))?.stage !== 'review'; i++)
    await new Promise((r) => setTimeout(r, 100));
  if (pending?.stage !== 'review' || !pending.changeSetId)
    throw new Error(
      `support-agent did not reach review within five minutes (stage: ${pending?.stage ?? 'unknown'}); see ${review.workflowId} in the Temporal UI`,
    );
  const id = shortId(pending.changeSetId);
  progress(`support-agent waits for review of change set ${id}; approving it from the command line:`);
  const cmd = [
    'approve',
    'support-agent',
    id,
    '--fleet',
    fleetFile,
    '--as',
    'demo-reviewer',
    '--comment',
    'demo approval',
  ];
  process.stderr.write(c.dim(`  $ dreamgate ${cmd.join(' ')}\n`));
  // asynchronously: this process hosts the worker that answers the command's update
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, [join(projectRoot, 'bin', 'dreamgate.js'), ...cmd], {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: process.env,
    });
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0) throw new Error(`dreamgate approve exited ${code}`);
}

/** Each cycle's outcome and where to look next. */
function printSummary(
  results: DemoResult[],
  fleetName: string,
  t: DreamgateClient['temporal'],
  pages: Page[],
  dir: string,
  fleetFile: string,
): void {
  const c = colours();
  const out: string[] = ['', c.bold('dreamgate demo: one cycle per example agent'), ''];
  for (const { agent, workflowId, runId, result } of results) {
    const paint = result.outcome === 'kept' ? c.green : c.red;
    const scores =
      result.baseline !== undefined
        ? `${result.baseline.toFixed(3)} → ${(result.post ?? result.baseline).toFixed(3)}`
        : '';
    out.push(
      `  ${agent.padEnd(18)} ${paint(result.outcome.padEnd(12))} ${scores.padEnd(15)} ${c.dim(result.reason ?? '')}`,
    );
    out.push(`  ${''.padEnd(18)} ${c.cyan(workflowUrl(t, workflowId, runId))}`);
  }
  const paged = pages.filter((p) => p.path === '/page');
  if (paged.length > 0)
    out.push(
      '',
      `on-call was paged ${paged.length} time(s): ${paged.map((p) => p.body.payload?.summary ?? p.body.summary).join(' | ')}`,
    );
  const query = encodeURIComponent(
    `${agentSearchAttribute} IN (${results.map((r) => `"${scopedName({ fleet: fleetName, id: r.agent })}"`).join(', ')})`,
  );
  out.push(
    '',
    `Temporal UI (these cycles): ${c.cyan(`${t.uiUrl}/namespaces/${t.namespace}/workflows?query=${query}`)}`,
    `  on-call filter: DreamOutcome IN ("discarded", "rolled_back")`,
    '',
    'Look further (the demo fleet is in ' + dir + '):',
    `  export DREAMGATE_FLEET=${fleetFile}`,
    '  npx --no-install dreamgate status',
    '  npx --no-install dreamgate history coding-agent',
    '  npx --no-install dreamgate blame coding-agent /project.md',
    '  npx --no-install dreamgate snapshots doc-review-agent',
    '  npx --no-install dreamgate worker            # serves $DREAMGATE_FLEET; then, in another terminal:',
    '  npx --no-install dreamgate run support-agent  # a new cycle; `dreamgate review support-agent` prints its change set id',
    '  npx --no-install dreamgate schedule apply && npx --no-install dreamgate schedule list',
    '',
  );
  process.stdout.write(out.join('\n'));
}

/**
 * The main job of `npm start`: the stack, a worker, and one cycle per example agent — one automatic and
 * kept, one reviewed and approved from the command line, one discarded by the gate — then where to look.
 */
export async function runDemo(opts: { stack?: string }): Promise<void> {
  // the demo is the local stack's, whatever Temporal or AWS this machine is set up for (its children inherit it)
  process.env[localStackVariable] = '1';
  const { DefaultLogger, Runtime } = await import('@temporalio/worker');
  const { createWorker } = await import('./worker.js');
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const stack = await loadStackConfig(opts.stack);
  progress('bringing the local stack up…');
  await stackUp(stack, progress);

  const pager = await startPager();
  const { dir, fleetFile } = await copyDemoFleet(pager.port);
  const fleet = await loadFleetConfig(fleetFile);

  // the worker serves this fleet from the file, as a production worker serves its own
  const w = await createWorker(stack, {}, { fleets: { sources: [fleetFile] } });
  const running = w.worker.run();
  const client = await connectClient(stack);
  const results: DemoResult[] = [];
  try {
    const handles = await Promise.all(fleet.agents.map((a) => startCycle(client, fleet, a, 'demo')));
    for (const h of handles) progress(`started ${h.workflowId}`);

    await approveFromCommandLine(handles[1]!, fleetFile);

    for (const [i, h] of handles.entries())
      results.push({
        agent: fleet.agents[i]!.id,
        workflowId: h.workflowId,
        runId: h.firstExecutionRunId,
        result: (await h.result()) as CycleResult,
      });
  } finally {
    w.worker.shutdown();
    await running;
    await w.close();
    await client.close();
    pager.server.close();
  }

  printSummary(results, fleet.fleet, client.temporal, pager.pages, dir, fleetFile);
  if (results.some((r) => r.result.outcome === 'failed')) process.exitCode = 1;
}

/** `dreamgate demo`: what `npm start` runs. */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('the main job of `npm start`: stack up, a worker, the proof workflow, and its Temporal UI link')
    .addOption(stackOption)
    .action(runDemo);
}
