import { GetObjectCommand, ListObjectVersionsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readObjectVersion } from '../../activities/proof.js';
import { connectClient, runProof, type DreamgateClient } from '../../app/client.js';
import { createWorker } from '../../app/worker.js';
import { loadStackConfig, type StackConfig } from '../../src/config/stack.js';
import { createS3Client } from '../../src/s3/client.js';
import { storageSettings } from '../../src/config/storage.js';
import { bundled } from './helpers.js';

describe('proof workflow on the real Temporal and S3 servers', () => {
  let cfg: StackConfig;
  let client: DreamgateClient;
  const taskQueue = `proof-test-${process.pid}-${Date.now()}`;

  beforeAll(async () => {
    cfg = await loadStackConfig();
    const c = await connectClient(cfg);
    client = { ...c, temporal: { ...c.temporal, taskQueue, sharedQueue: true } };
  });
  afterAll(async () => client?.close());

  it('writes an object through an activity and returns its VersionId, readable by that version', async () => {
    const storage = storageSettings(cfg);
    const s3 = createS3Client(storage);
    const w = await createWorker(cfg, { taskQueue, ...bundled() });
    try {
      const message = `proof ${Date.now()} ✓`;
      const run = await w.worker.runUntil(runProof(client, message, `proof-test-${Date.now()}`));
      expect(run.object.versionId).toMatch(/\S{8,}/);
      expect(run.url).toContain(`/workflows/${run.workflowId}/${run.runId}/history`);

      // a second write makes a newer version; the first stays readable by its id
      await s3.send(new PutObjectCommand({ Bucket: run.object.bucket, Key: run.object.key, Body: 'overwritten' }));
      const first = await readObjectVersion(s3, run.object.bucket, run.object.key, run.object.versionId);
      expect(first.toString('utf8')).toBe(message);
      const latest = await s3.send(new GetObjectCommand({ Bucket: run.object.bucket, Key: run.object.key }));
      expect(await latest.Body!.transformToString()).toBe('overwritten');
      const versions = await s3.send(
        new ListObjectVersionsCommand({ Bucket: run.object.bucket, Prefix: run.object.key }),
      );
      expect(versions.Versions?.map((v) => v.VersionId)).toContain(run.object.versionId);
      expect(versions.Versions?.length).toBe(2);

      // the workflow's history on the server carries the same version id
      const handle = client.client.workflow.getHandle(run.workflowId, run.runId);
      expect((await handle.describe()).status.name).toBe('COMPLETED');
      expect((await handle.result()).versionId).toBe(run.object.versionId);
    } finally {
      await w.close();
      s3.destroy();
    }
  });
});
