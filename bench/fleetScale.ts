import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { DreamgateClient } from '../app/client.js';
import { fleetOutcomes, startFleetRun } from '../app/schedules.js';
import { loadFleetConfig } from '../src/config/fleet.js';
import { progressLine } from '../src/cycle/fleetInput.js';
import { projectRoot } from '../src/util/paths.js';
import { fleetProgressQuery } from '../workflows/definitions.js';
import { smallFleetOnDisk } from './agents.js';

export interface FleetScaleOptions {
  agents: number;
  workers: number;
  /** Cycles of the fleet at a time (the fleet file's `concurrency`). */
  concurrency: number;
  agentsPerRun?: number;
  /** Passed to each `dreamgate worker` (its tuning flags). */
  workerArgs: string[];
  /** The local stack's server processes, when this machine runs them: their CPU is part of a cycle's cost. */
  serverPids?: Partial<Record<'temporal' | 's3', number>>;
}

export interface FleetScaleRow {
  agents: number;
  workers: number;
  concurrency: number;
  seconds: number;
  cyclesPerMinute: number;
  counts: Record<string, number>;
  /** Every agent's outcome in the run's report exactly once, and no other. */
  countedOnce: boolean;
  /** History events of the agents' cycles. */
  eventsPerCycle: { mean: number; min: number; max: number };
  /** The fleet run's own runs (continue-as-new) and the largest one's history. */
  fleetRuns: number;
  fleetRunEvents: { max: number; mean: number };
  fleetRunBytes: { max: number };
  /** Each worker process's peak resident memory (VmHWM), and when it had started. */
  peakRssMb: number[];
  startRssMb: number[];
  /** The machine's 1-minute load average when the workers started and when the run ended (all its users). */
  load?: { start: number; end: number };
  /** CPU seconds per cycle spent by all the workers, by Temporal's server and by the S3 gateway. */
  cpuPerCycle?: { workers: number; temporal?: number; s3?: number };
}

/** A `dreamgate worker` process on the benchmark's task queue. */
interface Proc {
  child: ChildProcess;
  ready: Promise<void>;
  stderr: () => string;
}

function startWorker(file: string, taskQueue: string, args: string[]): Proc {
  const child = spawn(
    process.execPath,
    [join(projectRoot, 'bin', 'dreamgate.js'), 'worker', '--fleet', file, ...args],
    {
      env: { ...process.env, DREAMGATE_TASK_QUEUE: taskQueue, NO_COLOR: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let err = '';
  const ready = new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      err = (err + d.toString()).slice(-8_000);
      if (err.includes('worker polling task queue')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`worker exited ${code} before polling: ${err.slice(-2_000)}`)));
  });
  return { child, ready, stderr: () => err };
}

async function rssMb(pid: number, field: 'VmHWM' | 'VmRSS'): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(status);
  return m ? Number(m[1]) / 1024 : NaN;
}

/** User + system CPU seconds a process has used so far (Linux `/proc/<pid>/stat`, in clock ticks of 1/100 s). */
export async function cpuSeconds(pid: number | undefined): Promise<number | undefined> {
  if (!pid) return undefined;
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  // the fields after the command name, which is in parentheses and may hold spaces
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime: fields 14 and 15 of the whole line
  return Number.isFinite(ticks) ? ticks / 100 : undefined;
}

/** CPU seconds of the workers (summed) and of each server, now. */
async function cpuNow(procs: Proc[], servers: FleetScaleOptions['serverPids'] = {}) {
  const workers = await Promise.all(procs.map((p) => cpuSeconds(p.child.pid)));
  return {
    workers: workers.reduce<number>((a, b) => a + (b ?? 0), 0),
    temporal: await cpuSeconds(servers.temporal),
    s3: await cpuSeconds(servers.s3),
  };
}

/** The CPU the run used per cycle: the difference of two readings, over the cycles it ran. */
function perCycle(start: Awaited<ReturnType<typeof cpuNow>>, end: typeof start, cycles: number) {
  const per = (a: number | undefined, b: number | undefined) =>
    a === undefined || b === undefined ? undefined : (b - a) / cycles;
  const temporal = per(start.temporal, end.temporal);
  const s3 = per(start.s3, end.s3);
  return {
    workers: (end.workers - start.workers) / cycles,
    ...(temporal === undefined ? {} : { temporal }),
    ...(s3 === undefined ? {} : { s3 }),
  };
}

async function stop(p: Proc): Promise<void> {
  if (p.child.exitCode !== null) return;
  const exited = new Promise((r) => p.child.once('exit', r));
  p.child.kill('SIGTERM');
  const timer = setTimeout(() => p.child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}

const stats = (xs: number[]) => ({
  mean: xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length),
  min: Math.min(...xs),
  max: Math.max(...xs),
});

/**
 * `npm run bench -- --fleet <agents> --workers <n>`: a fleet of small agents dreamt by `n` worker
 * processes on one task queue of the local stack, from the fleet run's start to its result.
 */
export async function fleetScale(
  c: DreamgateClient,
  opts: FleetScaleOptions,
  say: (line: string) => void,
): Promise<FleetScaleRow> {
  const root = await mkdtemp(join(tmpdir(), 'dg-bench-scale-'));
  const procs: Proc[] = [];
  try {
    say(`writing ${opts.agents} agents (5 files, 3 sessions each) under ${root}…`);
    const made = await smallFleetOnDisk(root, opts.agents, { concurrency: opts.concurrency });
    const fleet = await loadFleetConfig(made.file);
    const taskQueue = `bench-scale-${process.pid}-${Date.now().toString(36)}`;
    say(`starting ${opts.workers} worker process(es) on task queue ${taskQueue}…`);
    for (let i = 0; i < opts.workers; i++) procs.push(startWorker(made.file, taskQueue, opts.workerArgs));
    await Promise.all(procs.map((p) => p.ready));
    const startRssMb = await Promise.all(procs.map((p) => rssMb(p.child.pid!, 'VmRSS')));
    const loadStart = loadavg()[0]!;
    const cpuStart = await cpuNow(procs, opts.serverPids);
    const client = { ...c, temporal: { ...c.temporal, taskQueue, sharedQueue: true } };

    const t0 = performance.now();
    const handle = await startFleetRun(client, fleet, {
      workflowId: `fleet-${fleet.fleet}-${new Date().toISOString()}`,
      ...(opts.agentsPerRun ? { agentsPerRun: opts.agentsPerRun } : {}),
    });
    const ticker = setInterval(() => {
      void handle
        .query(fleetProgressQuery)
        .then((p) => say(`${progressLine(p)} · run ${p.run} · ${Math.round((performance.now() - t0) / 1000)} s`))
        .catch(() => undefined);
    }, 15_000);
    const result = await handle.result().finally(() => clearInterval(ticker));
    const seconds = (performance.now() - t0) / 1000;
    const peakRssMb = await Promise.all(procs.map((p) => rssMb(p.child.pid!, 'VmHWM')));
    const cpuPerCycle = perCycle(cpuStart, await cpuNow(procs, opts.serverPids), opts.agents);
    const load = { start: loadStart, end: loadavg()[0]! };

    const outcomes = await fleetOutcomes(client, result);
    const ids = new Set(made.ids);
    const seen = new Set(outcomes.map((o) => o.agent));
    const countedOnce =
      outcomes.length === made.ids.length && seen.size === ids.size && [...seen].every((a) => ids.has(a));

    const cycles: number[] = [];
    const q = `WorkflowId STARTS_WITH 'dream:${fleet.fleet}:' AND WorkflowType = 'dreamCycle'`;
    for await (const w of c.client.workflow.list({ query: q })) cycles.push(w.historyLength);
    const runs: { events: number; bytes: number }[] = [];
    for await (const w of c.client.workflow.list({ query: `WorkflowId = '${handle.workflowId}'` }))
      runs.push({ events: w.historyLength, bytes: w.historySize ?? 0 });
    return {
      agents: opts.agents,
      workers: opts.workers,
      concurrency: opts.concurrency,
      seconds,
      cyclesPerMinute: opts.agents / (seconds / 60),
      counts: result.counts,
      countedOnce,
      eventsPerCycle: stats(cycles),
      fleetRuns: runs.length,
      fleetRunEvents: { max: Math.max(...runs.map((r) => r.events)), mean: stats(runs.map((r) => r.events)).mean },
      fleetRunBytes: { max: Math.max(...runs.map((r) => r.bytes)) },
      peakRssMb,
      startRssMb,
      load,
      cpuPerCycle,
    };
  } catch (err) {
    for (const p of procs) if (p.stderr()) say(`worker ${p.child.pid}: ${p.stderr().slice(-1_000)}`);
    throw err;
  } finally {
    await Promise.all(procs.map(stop));
    await rm(root, { recursive: true, force: true });
  }
}

const f1 = (x: number) => x.toFixed(1);
const f2 = (x: number | undefined) => (x === undefined ? '?' : x.toFixed(2));

/** The rows as the README's fleet table shows them. */
export function fleetScaleTable(rows: FleetScaleRow[]): string {
  return [
    '| fleet run | workers | at a time | minutes | cycles / minute | events / cycle | fleet run: runs, most events (bytes) in one | RSS per worker: ready → peak | machine load (1 min): start → end | CPU s / cycle: workers · Temporal · S3 | every outcome once |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${r.agents.toLocaleString('en-US')} agents | ${r.workers} | ${r.concurrency} | ${f1(r.seconds / 60)} | ${f1(r.cyclesPerMinute)} | ${f1(r.eventsPerCycle.mean)} | ${r.fleetRuns}, ${r.fleetRunEvents.max} (${Math.round(r.fleetRunBytes.max / 1024)} KB) | ${r.peakRssMb.map((m, i) => `${Math.round(r.startRssMb[i] ?? NaN)} → ${Math.round(m)} MB`).join(', ')} | ${r.load ? `${f1(r.load.start)} → ${f1(r.load.end)}` : 'n/a'} | ${r.cpuPerCycle ? `${f2(r.cpuPerCycle.workers)} · ${f2(r.cpuPerCycle.temporal)} · ${f2(r.cpuPerCycle.s3)}` : 'n/a'} | ${r.countedOnce ? 'yes' : 'NO'}: ${Object.entries(
          r.counts,
        )
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')} |`,
    ),
  ].join('\n');
}
