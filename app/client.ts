import { Client } from '@temporalio/client';
import type { S3Client } from '@aws-sdk/client-s3';
import type { ProofObject } from '../activities/proof.js';
import type { StackConfig } from '../src/config/stack.js';
import { CycleObjects } from '../src/cycle/objects.js';
import { createS3Client } from '../src/s3/client.js';
import { storageSettings } from '../src/config/storage.js';
import { connectTemporal } from './temporal/connect.js';
import { temporalSettings, warnOnce, workflowUrl, type TemporalSettings } from './temporal/settings.js';
import { proofWorkflow } from '../workflows/index.js';

export interface DreamgateClient {
  client: Client;
  temporal: TemporalSettings;
  /** The snapshots bucket, for what a workflow input must not carry (a fleet's agents, a reviewer's edit). */
  objects: CycleObjects;
  close(): Promise<void>;
}

/** A client of the Temporal the environment names (the local stack by default) and of dreamgate's S3. */
export async function connectClient(cfg: StackConfig, temporal = temporalSettings(cfg)): Promise<DreamgateClient> {
  temporal.warnings.forEach(warnOnce);
  const connection = await connectTemporal(temporal);
  const client = new Client({ connection, namespace: temporal.namespace });
  const storage = storageSettings(cfg);
  const s3: S3Client = createS3Client(storage);
  return {
    client,
    temporal,
    objects: new CycleObjects(s3, storage.snapshotsBucket),
    async close() {
      s3.destroy();
      await connection.close();
    },
  };
}

export interface ProofRun {
  workflowId: string;
  runId: string;
  url: string;
  object: ProofObject;
}

/**
 * Waits for a workflow's result; if no worker has picked up its first task after `hintAfterMs`, says how
 * to start one instead of waiting in silence.
 */
export async function resultWithHint<T>(
  c: DreamgateClient,
  handle: { result(): Promise<T>; fetchHistory(): Promise<{ events?: unknown[] | null }> },
  hint: (line: string) => void,
  hintAfterMs = 5000,
): Promise<T> {
  const timer = setTimeout(() => {
    void handle
      .fetchHistory()
      .then((h) => {
        // only "started" and "workflow task scheduled": nobody has polled it yet
        if ((h.events?.length ?? 0) <= 2) {
          hint(
            `waiting for a worker on task queue "${c.temporal.taskQueue}" (${c.temporal.address}); is \`dreamgate worker\` running?`,
          );
        }
      })
      .catch(() => undefined);
  }, hintAfterMs);
  try {
    return await handle.result();
  } finally {
    clearTimeout(timer);
  }
}

export async function runProof(
  c: DreamgateClient,
  message: string,
  workflowId = `proof-${Date.now()}`,
  hint: (line: string) => void = () => {},
): Promise<ProofRun> {
  const handle = await c.client.workflow.start(proofWorkflow, {
    taskQueue: c.temporal.taskQueue,
    workflowId,
    args: [{ message }],
  });
  const object = await resultWithHint(c, handle, hint);
  return {
    workflowId,
    runId: handle.firstExecutionRunId,
    url: workflowUrl(c.temporal, workflowId, handle.firstExecutionRunId),
    object,
  };
}
