import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DreamgateClient } from '../app/client.js';
import { createWorker } from '../app/worker.js';
import { progress } from '../app/output.js';
import { FleetRegistry } from '../src/config/registry.js';
import type { StackConfig } from '../src/config/stack.js';
import { defaultLimits } from '../src/memory/limits.js';
import { createS3Client, type S3RequestCount } from '../src/s3/client.js';
import { storageSettings } from '../src/config/storage.js';
import { projectRoot } from '../src/util/paths.js';
import { localDream } from './localDream.js';
import { memoryPeak } from './memory.js';
import { qualityBenchmark } from './quality.js';
import {
  fleetTable,
  localDreamTable,
  machineInfo,
  machineLine,
  memoryTable,
  overheadTable,
  qualityTable,
  rewriteReadmeBlock,
  screeningTable,
  snapshotTable,
} from './report.js';
import { screeningThroughput } from './screening.js';
import { cycleOverhead, fleetThroughput, snapshotCost, warmUp, type StoreShape } from './servers.js';

/** Cycles measured against their floor: the store's files, and its shape when it is past the defaults. */
interface Sized extends StoreShape {
  files: number;
}

/** 5,000 files of about 1 KB (5 MB), an agent whose fleet file allows them (`maxFiles: 5000`). */
const large: Sized = { files: 5_000, details: 15, limits: { ...defaultLimits, maxFiles: 5_000 } };

/** The size of the real stores that dreamed slowest (70–720 KB): issue 22 asks for under 2 s here. */
const realShapedKb = 700;

export const plans = {
  quick: {
    agents: 2,
    nights: 10,
    sizes: [{ files: 10 }, { files: 200 }],
    snapshotFiles: 200,
    fleets: [10],
    sessions: 10,
  },
  full: {
    agents: 5,
    nights: 30,
    sizes: [{ files: 10 }, { files: 200 }, { files: 2000 }, large] as Sized[],
    snapshotFiles: 2000,
    fleets: [50, 500],
    sessions: 100,
  },
};

/**
 * `npm run bench [-- --quick]`: quality over synthetic nights, screening, then on the local stack (a worker
 * in this process) each cycle against its floor, snapshot cost, fleet throughput, and memory while dreaming.
 * Prints one table and writes bench/results(.quick).json; a full run rewrites the README's table.
 */
export async function syntheticSuite(cfg: StackConfig, c0: DreamgateClient, quick: boolean): Promise<void> {
  const started = Date.now();
  const plan = quick ? plans.quick : plans.full;
  const machine = machineInfo();
  progress(`quality: ${plan.agents} synthetic agents × ${plan.nights} nights, three strategies…`);
  const quality = await qualityBenchmark({ agents: plan.agents, nights: plan.nights });
  progress('screening throughput: ordinary and adversarial inputs of 1 MB…');
  const screening = await screeningThroughput();
  const localRuns = quick ? 1 : 3;
  progress(`a real-shaped store of ${realShapedKb} KB dreamed locally (${localRuns} run(s))…`);
  const local = await localDream(realShapedKb, localRuns);

  const storage = storageSettings(cfg);
  const s3 = createS3Client(storage);
  const bucket = storage.snapshotsBucket;
  const taskQueue = `bench-${process.pid}`;
  const s3Requests: S3RequestCount = new Map();
  // the benchmark's fleets are written as files and served by this worker as they are made
  const w = await createWorker(
    cfg,
    { taskQueue, maxConcurrentActivityTaskExecutions: 20, maxConcurrentWorkflowTaskExecutions: 20 },
    { fleets: new FleetRegistry(), s3Requests },
  );
  const running = w.worker.run();
  const client = { ...c0, temporal: { ...c0.temporal, taskQueue, sharedQueue: true } };
  try {
    await warmUp(client, w.fleets, s3, bucket);
    const overhead = [];
    for (const { files, ...shape } of plan.sizes) {
      progress(`cycle overhead: ${files} files…`);
      overhead.push(await cycleOverhead(client, w.fleets, s3, bucket, files, quick ? 1 : 3, shape, s3Requests));
    }
    progress(`snapshot cost: ${plan.snapshotFiles} files…`);
    const snapshots = await snapshotCost(s3, bucket, plan.snapshotFiles);
    const fleets = [];
    for (const n of plan.fleets) {
      progress(`fleet throughput: ${n} agents…`);
      fleets.push(await fleetThroughput(client, w.fleets, n, 20));
    }
    progress(`memory: dreaming ${plan.sessions} sessions of ~1 MB…`);
    const memory = await memoryPeak(plan.sessions);

    const table = [
      ...qualityTable(quality),
      '',
      ...overheadTable(overhead, !quick),
      '',
      ...snapshotTable(plan.snapshotFiles, snapshots),
      '',
      ...fleetTable(fleets),
      '',
      ...screeningTable(screening),
      '',
      ...localDreamTable(local, localRuns),
      '',
      ...memoryTable(plan.sessions, memory),
    ].join('\n');
    const seconds = Math.round((Date.now() - started) / 1000);
    process.stdout.write(
      `\n${table}\n\nmachine: ${machineLine(machine)}; ${quick ? 'quick run' : 'full run'} in ${seconds} s\n`,
    );
    const results = { quick, machine, seconds, quality, screening, local, overhead, snapshots, fleets, memory };
    await mkdir(join(projectRoot, 'bench'), { recursive: true });
    await writeFile(
      join(projectRoot, 'bench', quick ? 'results.quick.json' : 'results.json'),
      JSON.stringify(results, null, 2) + '\n',
    );
    // the README's table is a full run's output, with the machine it came from
    if (!quick)
      await rewriteReadmeBlock(
        'bench',
        `${table}\n\nMeasured ${machine.date.slice(0, 10)} on ${machineLine(machine)} (\`npm run bench\`, ${seconds} s).`,
      );
  } finally {
    w.worker.shutdown();
    await running;
    await w.close();
    s3.destroy();
  }
}
