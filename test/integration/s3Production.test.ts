import {
  CreateBucketCommand,
  DeleteBucketCommand,
  GetObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient } from '../../app/client.js';
import { startCycle } from '../../app/cycleClient.js';
import { createWorker } from '../../app/worker.js';
import { loadStackConfig, s3Endpoint, type StackConfig } from '../../src/config/stack.js';
import { checkAuditLock, checkStorage } from '../../src/s3/checks.js';
import { createS3Client, type S3RequestCount } from '../../src/s3/client.js';
import { storageSettings, type StorageSettings } from '../../src/config/storage.js';
import { runCli } from '../support/cli.js';
import { startS3Recorder, type S3Recorder } from '../support/s3Recorder.js';
import { tempDir } from '../support/sessions.js';
import { FleetRegistry } from '../../src/config/registry.js';
import { exampleAgent, serveFleet } from './cycleHarness.js';
import { bundled, unique } from './helpers.js';

/**
 * The S3 settings of a production worker, against the real local gateway: server-side encryption on every
 * write, credentials from a named AWS profile, and the checks a worker makes before it takes work. The
 * gateway accepts the encryption headers but does not encrypt or echo them (see the README), so what is
 * checked here is what the SDK really sends, recorded on the wire.
 */
let cfg: StackConfig;
let local: StorageSettings;
let admin: S3Client;
let recorder: S3Recorder;
const buckets: string[] = [];

async function bucket(prefix: string, opts: { lock?: boolean } = {}): Promise<string> {
  const name = unique(prefix).toLowerCase().slice(0, 60);
  await admin.send(
    new CreateBucketCommand({ Bucket: name, ...(opts.lock ? { ObjectLockEnabledForBucket: true } : {}) }),
  );
  buckets.push(name);
  return name;
}

beforeAll(async () => {
  cfg = await loadStackConfig();
  local = storageSettings(cfg, {});
  admin = createS3Client(local);
  recorder = await startS3Recorder(s3Endpoint(cfg));
});
afterAll(async () => {
  for (const b of buckets) await admin.send(new DeleteBucketCommand({ Bucket: b })).catch(() => undefined);
  admin?.destroy();
  await recorder?.close();
});

describe('S3 in production', () => {
  it('SSE-KMS with a key id goes on every object a whole cycle writes, snapshots and audit records alike', async () => {
    const kmsKeyId = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const storage: StorageSettings = { ...local, endpoint: recorder.url, encryption: { mode: 'aws:kms', kmsKeyId } };
    const taskQueue = unique('sse');
    const fleets = new FleetRegistry();
    const s3Requests: S3RequestCount = new Map();
    const setup = { storage, fleets, s3Requests };
    const worker = await createWorker(cfg, { taskQueue, shutdownGraceTime: '1s', ...bundled() }, setup);
    // the worker's bucket checks are behind it: what follows is the cycle's
    const sum = () => [...s3Requests.values()].reduce((a, b) => a + b, 0);
    const [requestsBefore, connectionsBefore, countedBefore] = [
      recorder.requests.length,
      recorder.connections(),
      sum(),
    ];
    const running = worker.worker.run();
    const c = await connectClient(cfg);
    try {
      const fleet = await serveFleet(fleets, [await exampleAgent('coding-agent')]);
      const handle = await startCycle(
        { ...c, temporal: { ...c.temporal, taskQueue, sharedQueue: true } },
        fleet,
        fleet.agents[0]!,
      );
      expect((await handle.result()).outcome).toBe('kept');
      // one client per worker, its sockets kept open: the cycle's requests share a few connections
      const requests = recorder.requests.length - requestsBefore;
      expect(recorder.connections() - connectionsBefore).toBeLessThan(requests / 4);
      // the worker counts what it sent, by command (each retry of one is one more request on the wire)
      const counted = sum() - countedBefore;
      expect(counted).toBeGreaterThan(0);
      expect(counted).toBeLessThanOrEqual(requests);
      expect(s3Requests.get('PutObject')).toBeGreaterThan(3);
    } finally {
      worker.worker.shutdown();
      await running;
      await worker.close();
      await c.close();
    }
    // object writes: PUT /<bucket>/<key> (the SDK adds ?x-id=PutObject)
    const writes = recorder.requests.filter((r) => r.method === 'PUT' && /^\/[^/?]+\/[^?]/.test(r.path));
    const into = (b: string) => writes.filter((r) => r.path.startsWith(`/${b}/`));
    expect(into(local.snapshotsBucket).length).toBeGreaterThan(3);
    expect(into(local.auditBucket).length).toBeGreaterThan(3);
    for (const w of writes) {
      expect(w.headers['x-amz-server-side-encryption'], w.path).toBe('aws:kms');
      expect(w.headers['x-amz-server-side-encryption-aws-kms-key-id'], w.path).toBe(kmsKeyId);
    }
  });

  it('SSE-S3 from the environment (DREAMGATE_S3_SSE=AES256), and nothing when unset', async () => {
    const env = { DREAMGATE_S3_ENDPOINT: recorder.url, AWS_ACCESS_KEY_ID: cfg.s3.accessKeyId };
    const sse = storageSettings(cfg, { ...env, DREAMGATE_S3_SSE: 'AES256' });
    const plain = storageSettings(cfg, env);
    expect(sse.encryption).toEqual({ mode: 'AES256' });
    for (const [settings, expected] of [
      [sse, 'AES256'],
      [plain, undefined],
    ] as const) {
      const s3 = createS3Client({ ...settings, credentials: local.credentials! });
      const key = `scratch/${unique('sse-s3')}`;
      await s3.send(new PutObjectCommand({ Bucket: local.snapshotsBucket, Key: key, Body: 'x' }));
      s3.destroy();
      const put = recorder.requests.find((r) => r.method === 'PUT' && r.path.split('?')[0]!.endsWith(key))!;
      expect(put.headers['x-amz-server-side-encryption']).toBe(expected);
    }
  });

  it('a named AWS profile (AWS_PROFILE) supplies the credentials of every call', async () => {
    const dir = await tempDir('dg-aws-');
    const credentials = join(dir, 'credentials');
    await writeFile(
      credentials,
      [
        '[dg-test]',
        `aws_access_key_id = ${cfg.s3.accessKeyId}`,
        `aws_secret_access_key = ${cfg.s3.secretAccessKey}`,
        '[dg-wrong]',
        `aws_access_key_id = ${cfg.s3.accessKeyId}`,
        'aws_secret_access_key = not-the-secret-of-this-gateway',
        '',
      ].join('\n'),
    );
    await writeFile(
      join(dir, 'config'),
      '[profile dg-test]\nregion = us-east-1\n[profile dg-wrong]\nregion = us-east-1\n',
    );
    const saved = { ...process.env };
    // the SDK reads its shared files from the process environment; static keys there would win over nothing
    process.env.AWS_SHARED_CREDENTIALS_FILE = credentials;
    process.env.AWS_CONFIG_FILE = join(dir, 'config');
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    try {
      const settings = (profile: string) =>
        storageSettings(cfg, { DREAMGATE_S3_ENDPOINT: s3Endpoint(cfg), AWS_PROFILE: profile });
      expect(settings('dg-test')).toMatchObject({ profile: 'dg-test', local: false });
      expect(settings('dg-test').credentials).toBeUndefined();
      const key = `scratch/${unique('profile')}`;
      const s3 = createS3Client(settings('dg-test'));
      await s3.send(new PutObjectCommand({ Bucket: local.snapshotsBucket, Key: key, Body: 'from a profile' }));
      const body = await (await s3.send(new GetObjectCommand({ Bucket: local.snapshotsBucket, Key: key }))).Body!;
      expect(await body.transformToString()).toBe('from a profile');
      s3.destroy();
      const wrong = createS3Client(settings('dg-wrong'));
      const err = (await wrong
        .send(new GetObjectCommand({ Bucket: local.snapshotsBucket, Key: key }))
        .catch((e: unknown) => e)) as { $metadata?: { httpStatusCode?: number } };
      expect(err.$metadata?.httpStatusCode).toBe(403);
      wrong.destroy();
    } finally {
      process.env = saved;
    }
  });

  it('a worker checks the buckets before it takes work: Object Lock on the audit bucket, versions on the snapshots bucket', async () => {
    expect(await checkAuditLock(admin, local.auditBucket)).toEqual({
      bucket: local.auditBucket,
      defaultMode: 'COMPLIANCE',
      defaultDays: cfg.s3.buckets.audit.retentionDays,
      warnings: [],
    });
    expect(await checkStorage(admin, { ...local, auditRetentionDays: undefined })).toEqual({
      auditRetentionDays: cfg.s3.buckets.audit.retentionDays,
      warnings: [],
    });

    const unlocked = await bucket('dg-unlocked');
    const locked = await bucket('dg-locked', { lock: true });
    const missing = unique('dg-missing').toLowerCase();
    const cases: [Partial<StorageSettings>, string][] = [
      [
        { auditBucket: unlocked },
        `audit bucket "${unlocked}" has no Object Lock, so its records could be overwritten or deleted: create it with Object Lock enabled (aws s3api create-bucket --object-lock-enabled-for-bucket) and a default retention in COMPLIANCE mode`,
      ],
      [{ auditBucket: missing }, `audit bucket "${missing}" does not exist: create it with Object Lock enabled`],
      [
        { snapshotsBucket: unlocked },
        `snapshots bucket "${unlocked}" does not keep versions (versioning never enabled): enable versioning, since every snapshot is an object version`,
      ],
      [
        // Object Lock on, no default retention and no DREAMGATE_AUDIT_RETENTION_DAYS: how long would records be kept?
        { auditBucket: locked, auditRetentionDays: undefined },
        `audit bucket "${locked}" has no default retention: set one (COMPLIANCE mode) or DREAMGATE_AUDIT_RETENTION_DAYS`,
      ],
    ];
    for (const [change, message] of cases) {
      const err = (await createWorker(
        cfg,
        { taskQueue: unique('s3-check'), ...bundled() },
        {
          storage: { ...local, ...change },
        },
      ).then(
        () => new Error('started'),
        (e: unknown) => e,
      )) as Error;
      expect(err.name).toBe('StorageMisconfigured');
      expect(err.message).toBe(message);
    }

    // as an operator sees it: `dreamgate worker` stops with that one line, exit 1
    const cli = await runCli(['worker'], {
      DREAMGATE_LOCAL_STACK: '',
      DREAMGATE_S3_ENDPOINT: s3Endpoint(cfg),
      AWS_ACCESS_KEY_ID: cfg.s3.accessKeyId,
      AWS_SECRET_ACCESS_KEY: cfg.s3.secretAccessKey,
      AWS_REGION: cfg.s3.region,
      DREAMGATE_AUDIT_BUCKET: unlocked,
    });
    expect(cli.code).toBe(1);
    expect(cli.stderr).toBe(
      `error: audit bucket "${unlocked}" has no Object Lock, so its records could be overwritten or deleted: create it with Object Lock enabled (aws s3api create-bucket --object-lock-enabled-for-bucket) and a default retention in COMPLIANCE mode\n`,
    );
  });
});
