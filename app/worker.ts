import { existsSync } from 'node:fs';
import { extname, join } from 'node:path';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities/index.js';
import type { Reserved } from '../src/config/fleet.js';
import { FleetRegistry } from '../src/config/registry.js';
import type { StackConfig } from '../src/config/stack.js';
import { createS3Client } from '../src/s3/client.js';
import { checkAuditLock } from '../src/snapshots/audit.js';
import { storageSettings } from '../src/s3/settings.js';
import { temporalSettings, workflowUrl } from '../src/temporal/settings.js';
import { InvalidInput } from '../src/util/errors.js';
import { projectRoot } from '../src/util/paths.js';

/** Compiled workers load the prebuilt workflow bundle; from source (tests) the worker bundles on start. */
function workflowSource(): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  const bundle = join(projectRoot, 'dist', 'workflow-bundle.js');
  if (__filename.endsWith('.js') && existsSync(bundle)) return { workflowBundle: { codePath: bundle } };
  return { workflowsPath: join(__dirname, '..', 'workflows', `index${extname(__filename)}`) };
}

export interface DreamgateWorker {
  worker: Worker;
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

export async function createWorker(
  cfg: StackConfig,
  overrides: Partial<WorkerOptions> = {},
  /** A registry (tests, benchmarks) or sources to load; none: a worker that serves no fleet (the proof only). */
  fleets: FleetRegistry | { sources: string[]; sha256?: string } = new FleetRegistry(),
): Promise<DreamgateWorker> {
  const t = temporalSettings(cfg);
  const storage = storageSettings(cfg);
  const s3 = createS3Client(storage);
  // an audit bucket without Object Lock would let anyone with S3 access rewrite the log: refuse to start
  let registry: FleetRegistry;
  try {
    const lock = await checkAuditLock(s3, storage.auditBucket);
    for (const w of lock.warnings) process.stderr.write(`warning: ${w}\n`);
    // no store may lie in dreamgate's own buckets, nor where the local gateway keeps them
    const reserved = { buckets: [storage.snapshotsBucket, storage.auditBucket], dirs: [cfg.stateDir] };
    registry = fleets instanceof FleetRegistry ? fleets : await loadFleets(s3, fleets.sources, fleets.sha256, reserved);
  } catch (err) {
    s3.destroy();
    throw err;
  }
  const connection = await NativeConnection.connect({ address: t.address });
  const worker = await Worker.create({
    connection,
    namespace: t.namespace,
    taskQueue: t.taskQueue,
    activities: createActivities({
      s3,
      snapshotsBucket: storage.snapshotsBucket,
      auditBucket: storage.auditBucket,
      auditRetentionDays: cfg.s3.buckets.audit.retentionDays,
      fleets: registry,
      uiUrl: (workflowId, runId) => workflowUrl(t, workflowId, runId),
    }),
    ...workflowSource(),
    // heartbeats reach the server (and cancellations reach activities) within 2 s, not 80% of the timeout
    maxHeartbeatThrottleInterval: '2 seconds',
    defaultHeartbeatThrottleInterval: '2 seconds',
    ...overrides,
  });
  return {
    worker,
    fleets: registry,
    async close() {
      await connection.close();
      s3.destroy();
    },
  };
}
