import { existsSync } from 'node:fs';
import { extname, join } from 'node:path';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { bundleWorkflowCode, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities/index.js';
import type { Reserved } from '../src/config/fleetPlaces.js';
import { FleetRegistry } from '../src/config/registry.js';
import type { StackConfig } from '../src/config/stack.js';
import type { Tuning } from '../src/config/tuning.js';
import { checkStorage } from '../src/s3/checks.js';
import { createS3Client, type S3RequestCount } from '../src/s3/client.js';
import { storageSettings, type StorageSettings } from '../src/config/storage.js';
import { InvalidInput } from '../src/util/errors.js';
import { projectRoot } from '../src/util/paths.js';
import { workerKey } from './keys.js';
import type { Tracing } from './observability.js';
import { connectNative } from './temporal/connect.js';
import { queueOf, temporalSettings, warnOnce, workflowUrl, type TemporalSettings } from './temporal/settings.js';
import { WorkerGroup } from './workerGroup.js';

/** The Temporal OpenTelemetry workflow interceptors, bundled into the tracing variant of the workflow code. */
export const otelWorkflowInterceptors =
  require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors');

/**
 * Compiled workers load a prebuilt workflow bundle (with the tracing interceptors when tracing is on); from
 * source (tests) the worker bundles on start.
 */
function workflowSource(tracing: boolean): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  const bundle = join(projectRoot, 'dist', tracing ? 'workflow-bundle-otel.js' : 'workflow-bundle.js');
  if (__filename.endsWith('.js') && existsSync(bundle)) return { workflowBundle: { codePath: bundle } };
  return { workflowsPath: join(__dirname, '..', 'workflows', `index${extname(__filename)}`) };
}

export interface DreamgateWorker {
  /** One Temporal worker per task queue: the deployment's, and each served fleet's. */
  worker: WorkerGroup;
  /** The fleets this worker serves: its own copy, the only source of what a cycle does. */
  fleets: FleetRegistry;
  close(): Promise<void>;
}

/**
 * The fleets a worker serves, from sources it trusts: `--fleet` files (read again when they change) or S3
 * objects pinned by sha256. Without any, `$DREAMGATE_FLEET` or `./dreamgate.yml`.
 */
export async function loadFleets(
  s3: S3Client,
  sources: string[],
  sha256?: string,
  reserved: Reserved = {},
  fallback = process.env.DREAMGATE_FLEET ?? 'dreamgate.yml',
): Promise<FleetRegistry> {
  const registry = new FleetRegistry(async (bucket, key) => {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return Buffer.from(await out.Body!.transformToByteArray());
  }, reserved);
  const list = sources.length > 0 ? sources : existsSync(fallback) ? [fallback] : [];
  if (list.length === 0)
    throw new InvalidInput(
      `a worker runs only the fleets it is configured with: pass --fleet <file> (or s3://bucket/key#sha256=…), set DREAMGATE_FLEET, or put a dreamgate.yml here`,
    );
  for (const s of list) await registry.load(FleetRegistry.parseSource(s, sha256));
  return registry;
}

export interface WorkerSetup {
  /** The Temporal to poll; by default what the environment names (the local stack without settings). */
  temporal?: TemporalSettings;
  /** Where snapshots and the audit log go; by default what the environment names (the local gateway). */
  storage?: StorageSettings;
  tracing?: Tracing;
  /**
   * The fleets it serves: a registry (tests, benchmarks) or sources to load (`--fleet`); none, a worker that
   * serves no fleet (the wiring proof only).
   */
  fleets?: FleetRegistry | { sources: string[]; sha256?: string };
  /** How much it takes on at once (`dreamgate worker --max-activities …`); Temporal's defaults without. */
  tuning?: Tuning;
  /** How long a promotion waits for a store's consolidation lock (tests shorten it). */
  lockWaitMs?: number;
  /** Counts the worker's S3 requests by command (the benchmark's requests per cycle). */
  s3Requests?: S3RequestCount;
}

/**
 * What the workers run: the prebuilt bundle, or (from source) the workflows bundled once for every queue. A
 * traced worker from source bundles per queue, so the tracing plugin's interceptors go in.
 */
async function sharedWorkflowSource(
  tracing: boolean,
): Promise<Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'>> {
  const source = workflowSource(tracing);
  if (!source.workflowsPath || tracing) return source;
  const { code } = await bundleWorkflowCode({ workflowsPath: source.workflowsPath });
  return { workflowBundle: { code } };
}

/**
 * The task queues a worker polls: the one it is given (tests, benchmarks), or the deployment's queue (the
 * proof, cycles started before fleets had queues of their own) and each served fleet's.
 */
function queuesFor(t: TemporalSettings, fleets: FleetRegistry, given?: string): string[] {
  if (given) return [given];
  return [...new Set([t.taskQueue, ...fleets.fleets().map((f) => queueOf(t, fleets.current(f)))])];
}

/**
 * Slots from the tuning: fixed counts, or with a CPU target Temporal's resource-based slots for activities
 * (a new one only while the machine's CPU is under the target; up to `maxActivities`), workflow tasks fixed.
 */
export function tuningOptions(t: Tuning = {}): Partial<WorkerOptions> {
  if (t.targetCpu === undefined)
    return {
      ...(t.maxActivities ? { maxConcurrentActivityTaskExecutions: t.maxActivities } : {}),
      ...(t.maxWorkflowTasks ? { maxConcurrentWorkflowTaskExecutions: t.maxWorkflowTasks } : {}),
    };
  return {
    tuner: {
      workflowTaskSlotSupplier: { type: 'fixed-size', numSlots: t.maxWorkflowTasks ?? 40 },
      activityTaskSlotSupplier: {
        type: 'resource-based',
        // memory is a guard only: dreams are CPU work, their memory is bounded by the store and session limits
        tunerOptions: { targetCpuUsage: t.targetCpu, targetMemoryUsage: 0.9 },
        minimumSlots: 1,
        maximumSlots: t.maxActivities ?? 100,
        rampThrottle: '50 ms',
      },
      localActivityTaskSlotSupplier: { type: 'fixed-size', numSlots: 100 },
      nexusTaskSlotSupplier: { type: 'fixed-size', numSlots: 1 },
    },
  };
}

/**
 * A dreamgate worker: a Temporal worker on each task queue it serves. Before it takes work it checks the
 * buckets (versioning on the snapshots bucket, Object Lock on the audit bucket) and connects to Temporal;
 * either failure is one line.
 */
export async function createWorker(
  cfg: StackConfig,
  overrides: Partial<WorkerOptions> = {},
  setup: WorkerSetup = {},
): Promise<DreamgateWorker> {
  const t = setup.temporal ?? temporalSettings(cfg);
  t.warnings.forEach(warnOnce);
  const storage = setup.storage ?? storageSettings(cfg);
  const s3 = createS3Client(storage, setup.s3Requests);
  let connection;
  try {
    const storageCheck = await checkStorage(s3, storage);
    const key = await workerKey(cfg, storage);
    storageCheck.warnings.forEach(warnOnce);
    // no store may lie in dreamgate's own buckets, nor where the local gateway keeps them
    const reserved = { buckets: [storage.snapshotsBucket, storage.auditBucket], dirs: [cfg.stateDir] };
    const given = setup.fleets ?? new FleetRegistry();
    const fleets = given instanceof FleetRegistry ? given : await loadFleets(s3, given.sources, given.sha256, reserved);
    connection = await connectNative(t);
    const open = connection;
    const activities = createActivities({
      s3,
      snapshotsBucket: storage.snapshotsBucket,
      auditBucket: storage.auditBucket,
      auditRetentionDays: storageCheck.auditRetentionDays,
      fleets,
      uiUrl: (workflowId, runId) => workflowUrl(t, workflowId, runId),
      ...(setup.lockWaitMs ? { lockWaitMs: setup.lockWaitMs } : {}),
      key,
    });
    const source = overrides.workflowBundle ? {} : await sharedWorkflowSource(Boolean(setup.tracing));
    const worker = await WorkerGroup.create(queuesFor(t, fleets, overrides.taskQueue), (taskQueue) =>
      Worker.create({
        connection: open,
        namespace: t.namespace,
        activities,
        ...source,
        ...(setup.tracing ? { plugins: [setup.tracing.plugin] } : {}),
        // heartbeats reach the server (and cancellations reach activities) within 2 s, not 80% of the timeout
        maxHeartbeatThrottleInterval: '2 seconds',
        defaultHeartbeatThrottleInterval: '2 seconds',
        ...tuningOptions(setup.tuning),
        ...overrides,
        taskQueue,
      }),
    );
    // a fleet file that now names another queue (or a fleet served later) is polled at once
    if (!overrides.taskQueue)
      fleets.onHeld((f) =>
        worker.add(queueOf(t, f)).catch((err: unknown) => warnOnce(`cannot poll ${queueOf(t, f)}: ${String(err)}`)),
      );
    return {
      worker,
      fleets,
      async close() {
        await open.close();
        s3.destroy();
        await setup.tracing?.shutdown();
      },
    };
  } catch (err) {
    await connection?.close().catch(() => undefined);
    s3.destroy();
    throw err;
  }
}
