import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, platform, release, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { connectClient } from '../app/client.js';
import { createWorker } from '../app/worker.js';
import { FleetRegistry } from '../src/config/registry.js';
import { loadStackConfig, localStackVariable } from '../src/config/stack.js';
import { progress } from '../src/cli/output.js';
import { createS3Client } from '../src/s3/client.js';
import { storageSettings } from '../src/s3/settings.js';
import { stackDown, stackUp } from '../app/stack/servers.js';
import { projectRoot } from '../src/util/paths.js';
import { qualityBenchmark, type QualityFigures } from './quality.js';
import { realworldBenchmark } from './realworld.js';
import { realworldTable } from './realworldTable.js';
import { InvalidInput } from '../src/util/errors.js';
import { screeningThroughput } from './screening.js';
import { cycleOverhead, fleetThroughput, snapshotCost, warmUp } from './servers.js';

const quick = process.argv.includes('--quick');
const plan = quick
  ? { agents: 2, nights: 10, sizes: [10, 200], snapshotFiles: 200, fleets: [5, 20], sessions: 20 }
  : { agents: 5, nights: 30, sizes: [10, 200, 2000], snapshotFiles: 2000, fleets: [50, 500], sessions: 100 };

async function memoryPeak(sessions: number): Promise<{ dreamMb: number; idleMb: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'dg-bench-mem-'));
  const agent = 'mem-agent';
  await mkdir(join(dir, agent));
  const filler = 'x'.repeat(900);
  for (let s = 0; s < sessions; s++) {
    const out = createWriteStream(join(dir, agent, `sess_${s}.jsonl`));
    const t0 = Date.parse('2026-11-01T00:00:00Z') + s * 3_600_000;
    for (let i = 0; i < 1000; i++) {
      out.write(
        JSON.stringify({
          id: `tu${i}`,
          type: 'agent.tool_use',
          processed_at: new Date(t0 + i * 10).toISOString(),
          name: 'bash',
          input: { command: `make step-${i % 7}` },
        }) + '\n',
      );
      out.write(
        JSON.stringify({
          id: `r${i}`,
          type: 'agent.tool_result',
          processed_at: new Date(t0 + i * 10 + 5).toISOString(),
          tool_use_id: `tu${i}`,
          content: filler,
          is_error: i % 97 === 0,
        }) + '\n',
      );
    }
    await new Promise((r) => out.end(r));
  }
  const probe = (mode: string) =>
    new Promise<number>((resolve, reject) => {
      const child = spawn(process.execPath, [join(__dirname, 'memoryProbe.js'), dir, agent, mode, String(sessions)], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.on('close', (code) =>
        code === 0
          ? resolve((JSON.parse(out) as { maxRssMb: number }).maxRssMb)
          : reject(new Error(`memory probe exited ${code}`)),
      );
    });
  try {
    return { dreamMb: await probe('dream'), idleMb: await probe('idle') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(1)} %`);
const f1 = (x: number) => x.toFixed(1);

function qualityTable(q: QualityFigures[]): string[] {
  const rows = [
    ['current-fact recall', (r: QualityFigures) => pct(r.currentFactRecall)],
    ['stale-fact residue', (r: QualityFigures) => pct(r.staleFactResidue)],
    ['rare facts lost (must be 0)', (r: QualityFigures) => String(r.rareFactLoss)],
    [
      'rare facts held in quarantine (a flagged session wrote them)',
      (r: QualityFigures) => String(r.rareFactsQuarantined),
    ],
    ['dedup precision', (r: QualityFigures) => pct(r.dedupPrecision)],
    ['dedup recall', (r: QualityFigures) => pct(r.dedupRecall)],
    ['lessons precision', (r: QualityFigures) => pct(r.lessonPrecision)],
    ['lessons recall', (r: QualityFigures) => pct(r.lessonRecall)],
    ['injections persisted (must be 0)', (r: QualityFigures) => String(r.injectionsPersisted)],
    ['secrets leaked (must be 0)', (r: QualityFigures) => String(r.secretsLeaked)],
    ['store size per agent (bytes)', (r: QualityFigures) => String(r.storeBytes)],
  ] as const;
  return [
    `| quality: ${q[0]!.agents} agents × ${q[0]!.cycles} nightly cycles | ${q.map((r) => r.strategy).join(' | ')} |`,
    `| --- | ${q.map(() => '---').join(' | ')} |`,
    ...rows.map(([name, fn]) => `| ${name} | ${q.map(fn).join(' | ')} |`),
  ];
}

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

async function main(): Promise<void> {
  if (process.argv.includes('--realworld')) return realworld(process.argv.slice(2));
  const started = Date.now();
  // benchmarks measure the local stack, whatever Temporal or AWS this machine is set up for
  process.env[localStackVariable] = '1';
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const machine = {
    date: new Date().toISOString(),
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${platform()} ${release()}`,
    node: process.version,
  };

  progress(`quality: ${plan.agents} synthetic agents × ${plan.nights} nights, three strategies…`);
  const quality = await qualityBenchmark({ agents: plan.agents, nights: plan.nights });
  progress('screening throughput: ordinary and adversarial inputs of 1 MB…');
  const screening = await screeningThroughput();

  const cfg = await loadStackConfig();
  const { started: startedServers } = await stackUp(cfg, progress);
  const storage = storageSettings(cfg);
  const s3 = createS3Client(storage);
  const taskQueue = `bench-${process.pid}`;
  // the benchmark's fleets are written as files and served by this worker as they are made
  const w = await createWorker(
    cfg,
    { taskQueue, maxConcurrentActivityTaskExecutions: 20, maxConcurrentWorkflowTaskExecutions: 20 },
    { fleets: new FleetRegistry() },
  );
  const running = w.worker.run();
  const c0 = await connectClient(cfg);
  const client = { ...c0, temporal: { ...c0.temporal, taskQueue } };
  try {
    await warmUp(client, w.fleets, s3, storage.snapshotsBucket);
    const overhead = [];
    for (const files of plan.sizes) {
      progress(`cycle overhead: ${files} files…`);
      overhead.push(await cycleOverhead(client, w.fleets, s3, storage.snapshotsBucket, files, quick ? 1 : 3));
    }
    progress(`snapshot cost: ${plan.snapshotFiles} files…`);
    const snapshots = await snapshotCost(s3, storage.snapshotsBucket, plan.snapshotFiles);
    const fleets = [];
    for (const n of plan.fleets) {
      progress(`fleet throughput: ${n} agents…`);
      fleets.push(await fleetThroughput(client, w.fleets, n, 20));
    }
    progress(`memory: dreaming ${plan.sessions} sessions of ~1 MB…`);
    const memory = await memoryPeak(plan.sessions);

    const lines = [
      ...qualityTable(quality),
      '',
      `| cycle overhead (heuristic, end to end${quick ? '' : ', median of 3'}) | cycle | floor (no-op activities + raw upload/download) | ratio | activities | history events |`,
      '| --- | --- | --- | --- | --- | --- |',
      ...overhead.map(
        (o) =>
          `| ${o.files} files | ${f1(o.cycleMs)} ms | ${f1(o.floorMs)} ms | ${o.ratio.toFixed(2)}× | ${o.activities} | ${o.historyEvents} |`,
      ),
      '',
      `| snapshot of ${plan.snapshotFiles} files, after … changed | PUT requests | bytes written | store bytes | written / store |`,
      '| --- | --- | --- | --- | --- |',
      ...snapshots.rows.map(
        (r) => `| ${r.changed} | ${r.putRequests} | ${r.bytesWritten} | ${r.storeBytes} | ${r.bytesRatio.toFixed(3)} |`,
      ),
      `| restore vs raw parallel download | ${f1(snapshots.restoreMs)} ms | ${f1(snapshots.rawDownloadMs)} ms | | ${snapshots.restoreRatio.toFixed(2)}× |`,
      '',
      '| fleet run (one worker, 20 at a time) | seconds | cycles / minute | history events / cycle | outcomes |',
      '| --- | --- | --- | --- | --- |',
      ...fleets.map(
        (f) =>
          `| ${f.agents} agents | ${f1(f.seconds)} | ${f1(f.cyclesPerMinute)} | ${f1(f.historyEventsPerCycle)} | ${Object.entries(
            f.outcomes,
          )
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')} |`,
      ),
      '',
      '| screening (injection detectors + secret redaction), 1 MB | ms | MB/s | × ordinary |',
      '| --- | --- | --- | --- |',
      ...screening.map((r) => `| ${r.input} | ${f1(r.ms)} | ${f1(r.mbPerSecond)} | ${r.ratio.toFixed(2)}× |`),
      '',
      `| memory | peak RSS |`,
      '| --- | --- |',
      `| dreaming ${plan.sessions} sessions of ~1 MB | ${f1(memory.dreamMb)} MB |`,
      `| the same process, idle (baseline) | ${f1(memory.idleMb)} MB |`,
    ];
    const table = lines.join('\n');
    process.stdout.write(
      `\n${table}\n\nmachine: ${machine.cores} × ${machine.cpu}, ${machine.memoryGiB} GiB, ${machine.os}, Node ${machine.node}; ${quick ? 'quick run' : 'full run'} in ${Math.round((Date.now() - started) / 1000)} s\n`,
    );

    const results = {
      quick,
      machine,
      seconds: Math.round((Date.now() - started) / 1000),
      quality,
      screening,
      overhead,
      snapshots,
      fleets,
      memory,
    };
    await mkdir(join(projectRoot, 'bench'), { recursive: true });
    await writeFile(
      join(projectRoot, 'bench', quick ? 'results.quick.json' : 'results.json'),
      JSON.stringify(results, null, 2) + '\n',
    );
    if (!quick) {
      // the README's table is this run's output, with the machine it came from
      const readme = join(projectRoot, 'README.md');
      const text = await readFile(readme, 'utf8');
      const block = `<!-- bench:start -->\n${table}\n\nMeasured ${machine.date.slice(0, 10)} on ${machine.cores} × ${machine.cpu}, ${machine.memoryGiB} GiB, ${machine.os}, Node ${machine.node} (\`npm run bench\`, ${results.seconds} s).\n<!-- bench:end -->`;
      const prettier = await import('prettier');
      const formatted = await prettier.format(text.replace(/<!-- bench:start -->[\s\S]*<!-- bench:end -->/, block), {
        ...((await prettier.resolveConfig(readme)) ?? {}),
        filepath: readme,
      });
      await writeFile(readme, formatted);
    }
  } finally {
    w.worker.shutdown();
    await running;
    await w.close();
    await c0.close();
    s3.destroy();
    if (startedServers.length > 0) await stackDown(cfg, startedServers, progress);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
