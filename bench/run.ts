import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { connectClient } from '../app/client.js';
import { stackDown, stackStatus, stackUp } from '../app/stack/servers.js';
import { progress } from '../app/output.js';
import { loadStackConfig, localStackVariable, type StackConfig } from '../src/config/stack.js';
import { InvalidInput } from '../src/util/errors.js';
import { projectRoot } from '../src/util/paths.js';
import { fleetScale, fleetScaleTable, type FleetScaleRow } from './fleetScale.js';
import { overheadOnly } from './overhead.js';
import { realworldBenchmark } from './realworld.js';
import { realworldTable } from './realworldTable.js';
import { machineInfo, machineLine, rewriteReadmeBlock, type Machine } from './report.js';
import { syntheticSuite } from './suite.js';

const usage = `usage: npm run bench [-- --quick]
       npm run bench -- --fleet <agents> [--workers <n>] [--concurrency <n>] [--agents-per-run <n>]
                        [--max-activities <n>] [--max-workflow-tasks <n>] [--target-cpu <fraction>]
       npm run bench -- --realworld <dir> [--json]
       npm run bench -- --overhead <files>[,<files>…] [--runs <n>]

  (no option)   quality, screening, cycles against their floors, snapshots, fleet throughput and memory;
                rewrites the README's table (about ten minutes; --quick: a small version, under a minute)
  --fleet       a fleet of that many small agents dreamt by --workers worker processes (default 1) on the
                local stack, --concurrency cycles at a time (default 20 a worker, at most 100); the worker
                tuning flags go to each worker. Fleets of 200 agents or more go into the README's fleet table
  --realworld   the offline dreamer over real agents' memory (below)
  --overhead    only the cycle-overhead rows, for stores of that many files (e.g. 200,2000), each the median of
                --runs measurements (default 1), with where each cycle's time and S3 requests go, activity by
                activity; nothing is written (the full run's 200- and 2,000-file rows, in minutes, not ten)
`;

const realworldUsage = `usage: npm run bench -- --realworld <dir> [--json]

  <dir> holds one folder per store: <store>/memory/ (the store), <store>/sessions/<agent>/*.jsonl (its
  sessions) and, optionally, <store>/expect.json (what the sessions planted). Each store is dreamed with no
  sessions, with its sessions, and with --accept suggested; the figures are printed per store and in total.
  --json   print the figures as JSON instead of the tables
`;

/** `--realworld <dir>`: the offline dreamer over real agents' memory, no servers needed. */
async function realworld(args: string[]): Promise<void> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(realworldUsage);
    return;
  }
  const dir = args[args.indexOf('--realworld') + 1];
  const unknown = args.filter((a) => a.startsWith('-') && !['--realworld', '--json'].includes(a));
  if (!dir || dir.startsWith('-') || unknown.length > 0) {
    process.stderr.write(
      `${unknown.length ? `unknown option ${unknown[0]}` : '--realworld needs a directory'}\n${realworldUsage}`,
    );
    process.exit(2);
  }
  try {
    const rows = await realworldBenchmark(dir, progress);
    if (args.includes('--json')) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    else process.stdout.write(`\n${realworldTable(rows)}\n`);
  } catch (err) {
    if (!(err instanceof InvalidInput)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
}

/** A whole number from `min` to `max` given after `flag`, or its default when the flag is absent. */
function count(args: string[], flag: string, min: number, max: number, fallback?: number): number | undefined {
  const at = args.indexOf(flag);
  if (at === -1) return fallback;
  const raw = args[at + 1] ?? '';
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max)
    throw new InvalidInput(`${flag}: expected a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  return Number(raw);
}

/** The smallest fleet the README's table keeps: below it, start-up and the team cycle are most of the time. */
const minKeptFleet = 200;

interface RecordedRow extends FleetScaleRow {
  machine: Machine;
}

/** `--fleet <agents> --workers <n>`: the fleet run on worker processes, and the README's fleet table. */
async function fleet(args: string[], cfg: StackConfig): Promise<void> {
  const agents = count(args, '--fleet', 1, 100_000)!;
  const workers = count(args, '--workers', 1, 32, 1)!;
  const concurrency = count(args, '--concurrency', 1, 100, Math.min(100, 20 * workers))!;
  const agentsPerRun = count(args, '--agents-per-run', 1, 1_000);
  const workerArgs = ['--max-activities', '--max-workflow-tasks', '--target-cpu'].flatMap((f) =>
    args.includes(f) ? [f, args[args.indexOf(f) + 1] ?? ''] : [],
  );
  const serverPids = Object.fromEntries((await stackStatus(cfg)).flatMap((s) => (s.pid ? [[s.server, s.pid]] : [])));
  const c = await connectClient(cfg);
  try {
    const row = await fleetScale(
      c,
      { agents, workers, concurrency, workerArgs, serverPids, ...(agentsPerRun ? { agentsPerRun } : {}) },
      progress,
    );
    const machine = machineInfo();
    process.stdout.write(`\n${fleetScaleTable([row])}\n\nmachine: ${machineLine(machine)}\n`);
    if (args.includes('--json')) process.stdout.write(`${JSON.stringify(row, null, 2)}\n`);
    await record({ ...row, machine });
  } finally {
    await c.close();
  }
}

/** Keeps a row of a fleet a platform team runs (one per size and worker count), and the README's table. */
async function record(row: RecordedRow): Promise<void> {
  if (row.agents < minKeptFleet) return; // a trial run: printed, not kept
  const file = join(projectRoot, 'bench', 'results.fleet.json');
  const rows = JSON.parse(await readFile(file, 'utf8').catch(() => '[]')) as RecordedRow[];
  const kept = [...rows.filter((r) => r.agents !== row.agents || r.workers !== row.workers), row].sort(
    (a, b) => a.agents - b.agents || a.workers - b.workers,
  );
  await mkdir(join(projectRoot, 'bench'), { recursive: true });
  await writeFile(file, `${JSON.stringify(kept, null, 2)}\n`);
  const machines = [...new Set(kept.map((r) => machineLine(r.machine)))];
  const dates = [...new Set(kept.map((r) => r.machine.date.slice(0, 10)))];
  await rewriteReadmeBlock(
    'bench-fleet',
    `${fleetScaleTable(kept)}\n\nMeasured ${dates.join(', ')} on ${machines.join('; ')} (\`npm run bench -- --fleet <agents> --workers <n>\`, the local stack on the same machine).`,
  );
}

/** `--overhead 200,2000 [--runs 3]`: the store sizes, each a whole number of files from 1 to 20,000. */
function overheadSizes(args: string[]): number[] {
  const raw = args[args.indexOf('--overhead') + 1] ?? '';
  const sizes = raw.split(',').map((x) => (/^\d+$/.test(x) ? Number(x) : NaN));
  if (sizes.some((n) => !(n >= 1 && n <= 20_000)))
    throw new InvalidInput(
      `--overhead: expected file counts from 1 to 20000 separated by commas, got ${JSON.stringify(raw)}`,
    );
  return sizes;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--realworld')) return realworld(args);
  if (args.includes('--help') || args.includes('-h')) return void process.stdout.write(usage);
  const known = [
    '--quick',
    '--fleet',
    '--workers',
    '--concurrency',
    '--agents-per-run',
    '--json',
    '--overhead',
    '--runs',
  ];
  const tuning = ['--max-activities', '--max-workflow-tasks', '--target-cpu'];
  const unknown = args.find((a) => a.startsWith('-') && ![...known, ...tuning].includes(a));
  if (unknown) throw new InvalidInput(`unknown option ${unknown}\n${usage}`);
  const sizes = args.includes('--overhead') ? overheadSizes(args) : undefined;
  const runs = count(args, '--runs', 1, 9, 1)!;
  // benchmarks measure the local stack, whatever Temporal or AWS this machine is set up for
  process.env[localStackVariable] = '1';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const cfg = await loadStackConfig();
  const { started } = await stackUp(cfg, progress);
  try {
    if (args.includes('--fleet')) return await fleet(args, cfg);
    const c = await connectClient(cfg);
    try {
      if (sizes) await overheadOnly(cfg, c, sizes, runs, (line) => process.stdout.write(`${line}\n`));
      else await syntheticSuite(cfg, c, args.includes('--quick'));
    } finally {
      await c.close();
    }
  } finally {
    if (started.length > 0) await stackDown(cfg, started, progress);
  }
}

main().catch((err: unknown) => {
  if (err instanceof InvalidInput) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
