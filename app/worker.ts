import { existsSync } from 'node:fs';
import { extname, join } from 'node:path';
import { Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities/index.js';
import type { StackConfig } from '../src/config/stack.js';
import { checkStorage } from '../src/s3/checks.js';
import { createS3Client } from '../src/s3/client.js';
import { storageSettings, type StorageSettings } from '../src/s3/settings.js';
import { projectRoot } from '../src/util/paths.js';
import type { Tracing } from './observability.js';
import { connectNative } from './temporal/connect.js';
import { temporalSettings, warnOnce, type TemporalSettings } from './temporal/settings.js';

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
  worker: Worker;
  close(): Promise<void>;
}

export interface WorkerSetup {
  /** The Temporal to poll; by default what the environment names (the local stack without settings). */
  temporal?: TemporalSettings;
  /** Where snapshots and the audit log go; by default what the environment names (the local gateway). */
  storage?: StorageSettings;
  tracing?: Tracing;
}

/**
 * A worker on dreamgate's task queue. Before it takes work it checks the buckets (versioning on the
 * snapshots bucket, Object Lock on the audit bucket) and connects to Temporal; either failure is one line.
 */
export async function createWorker(
  cfg: StackConfig,
  overrides: Partial<WorkerOptions> = {},
  setup: WorkerSetup = {},
): Promise<DreamgateWorker> {
  const t = setup.temporal ?? temporalSettings(cfg);
  t.warnings.forEach(warnOnce);
  const storage = setup.storage ?? storageSettings(cfg);
  const s3 = createS3Client(storage);
  let connection;
  try {
    const storageCheck = await checkStorage(s3, storage);
    storageCheck.warnings.forEach(warnOnce);
    connection = await connectNative(t);
    const worker = await Worker.create({
      connection,
      namespace: t.namespace,
      taskQueue: t.taskQueue,
      activities: createActivities({
        s3,
        snapshotsBucket: storage.snapshotsBucket,
        auditBucket: storage.auditBucket,
        auditRetentionDays: storageCheck.auditRetentionDays,
      }),
      ...(overrides.workflowBundle ? {} : workflowSource(Boolean(setup.tracing))),
      ...(setup.tracing ? { plugins: [setup.tracing.plugin] } : {}),
      // heartbeats reach the server (and cancellations reach activities) within 2 s, not 80% of the timeout
      maxHeartbeatThrottleInterval: '2 seconds',
      defaultHeartbeatThrottleInterval: '2 seconds',
      ...overrides,
    });
    const open = connection;
    return {
      worker,
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
