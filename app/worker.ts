import { existsSync } from 'node:fs';
import { extname, join } from 'node:path';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities/index.js';
import type { StackConfig } from '../src/config/stack.js';
import { createS3Client } from '../src/s3/client.js';
import { checkAuditLock } from '../src/snapshots/audit.js';
import { storageSettings } from '../src/s3/settings.js';
import { temporalSettings } from '../src/temporal/settings.js';
import { projectRoot } from '../src/util/paths.js';

/** Compiled workers load the prebuilt workflow bundle; from source (tests) the worker bundles on start. */
function workflowSource(): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  const bundle = join(projectRoot, 'dist', 'workflow-bundle.js');
  if (__filename.endsWith('.js') && existsSync(bundle)) return { workflowBundle: { codePath: bundle } };
  return { workflowsPath: join(__dirname, '..', 'workflows', `index${extname(__filename)}`) };
}

export interface DreamgateWorker {
  worker: Worker;
  close(): Promise<void>;
}

export async function createWorker(cfg: StackConfig, overrides: Partial<WorkerOptions> = {}): Promise<DreamgateWorker> {
  const t = temporalSettings(cfg);
  const storage = storageSettings(cfg);
  const s3 = createS3Client(storage);
  // an audit bucket without Object Lock would let anyone with S3 access rewrite the log: refuse to start
  try {
    const lock = await checkAuditLock(s3, storage.auditBucket);
    for (const w of lock.warnings) process.stderr.write(`warning: ${w}\n`);
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
    }),
    ...workflowSource(),
    // heartbeats reach the server (and cancellations reach activities) within 2 s, not 80% of the timeout
    maxHeartbeatThrottleInterval: '2 seconds',
    defaultHeartbeatThrottleInterval: '2 seconds',
    ...overrides,
  });
  return {
    worker,
    async close() {
      await connection.close();
      s3.destroy();
    },
  };
}
