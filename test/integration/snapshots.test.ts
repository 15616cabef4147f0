import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type AgentScope } from '../../src/names/scope.js';
import { MemoryStore } from '../../src/memory/store.js';
import { join } from 'node:path';
import { ensureWorkerKey } from '../../src/cycle/workerKey.js';
import { AuditConflict, AuditLog, type AuditRecord } from '../../src/audit/audit.js';
import { signed } from '../../src/audit/signatures.js';
import { tempDir } from '../support/sessions.js';
import { clearRestoreCache, SnapshotStore } from '../../src/snapshots/snapshots.js';
import { keyVersions, objectVersionPages } from '../../src/s3/versions.js';
import { testStorage, unique, type TestStorage } from './helpers.js';
import { scopePrefix } from '../../src/names/keys.js';

let t: TestStorage;
beforeAll(async () => {
  t = await testStorage();
});
afterAll(() => t?.s3.destroy());

function storeOf(n: number, tweak = ''): MemoryStore {
  const files: Record<string, string> = {};
  // ~2 KB a file, like real notes, so blob bytes dominate the manifest's
  for (let i = 0; i < n; i++)
    files[`/notes/n${String(i).padStart(3, '0')}.md`] =
      `# Note ${i}\n\n- fact ${i} ✓${i === 0 ? tweak : ''}\n${`- detail line for note ${i}\n`.repeat(80)}`;
  return MemoryStore.from(files);
}

describe('snapshots in the versioned bucket (real S3 server)', () => {
  it('identifies each snapshot by an S3 VersionId and restores any of them byte-identically', async () => {
    const snaps = new SnapshotStore(t.s3, t.storage.snapshotsBucket);
    const agent = { fleet: 'tests', id: unique('snap') };
    const v1 = storeOf(20);
    const v2 = storeOf(20, ' (changed)');
    const s1 = await snaps.take(agent, v1, 'cycle-1/snapshot');
    const s2 = await snaps.take(agent, v2, 'cycle-2/snapshot');
    expect(s1.id).not.toBe(s2.id);

    const listed = await snaps.list(agent);
    expect(listed.map((s) => s.id).sort()).toEqual([s1.id, s2.id].sort());
    expect(listed.find((s) => s.id === s1.id)).toMatchObject({
      sha256: v1.hash(),
      label: 'cycle-1/snapshot',
      files: 20,
    });

    const r1 = await snaps.restore(agent, s1.id);
    const r2 = await snaps.restore(agent, s2.id);
    expect(r1.hash()).toBe(v1.hash());
    expect(r2.hash()).toBe(v2.hash());
    expect(r1.toObject()).toEqual(v1.toObject());
  });

  it('writes only what changed: nothing but a manifest for an unchanged store, one blob for one changed file', async () => {
    const snaps = new SnapshotStore(t.s3, t.storage.snapshotsBucket);
    const agent = { fleet: 'tests', id: unique('cost') };
    const first = await snaps.take(agent, storeOf(50), 'c1');
    expect(first.cost.putRequests).toBe(51); // 50 blobs + the manifest
    const unchanged = await snaps.take(agent, storeOf(50), 'c2');
    expect(unchanged.cost.putRequests).toBe(1);
    const oneChanged = await snaps.take(agent, storeOf(50, '!'), 'c3');
    expect(oneChanged.cost.putRequests).toBe(2);
    expect(oneChanged.cost.bytesWritten).toBeLessThan(first.cost.bytesWritten / 5);
  });

  it('is idempotent for a retried step: same label and hash returns the same snapshot', async () => {
    const snaps = new SnapshotStore(t.s3, t.storage.snapshotsBucket);
    const agent = { fleet: 'tests', id: unique('retry') };
    const a = await snaps.take(agent, storeOf(3), 'wf-1/snapshot');
    const b = await snaps.take(agent, storeOf(3), 'wf-1/snapshot');
    expect(b.id).toBe(a.id);
    expect(b.cost.putRequests).toBe(0);
    expect(await snaps.list(agent)).toHaveLength(1);
  });

  it('refuses a corrupted blob on restore instead of returning wrong memory', async () => {
    const snaps = new SnapshotStore(t.s3, t.storage.snapshotsBucket);
    const agent = { fleet: 'tests', id: unique('corrupt') };
    const store = storeOf(2);
    const s = await snaps.take(agent, store, 'c1');
    const hash = store.fileHash('/notes/n001.md')!;
    await t.s3.send(
      new PutObjectCommand({
        Bucket: t.storage.snapshotsBucket,
        Key: `${scopePrefix(agent)}blobs/${hash.slice(0, 2)}/${hash}`,
        Body: 'tampered',
      }),
    );
    clearRestoreCache(); // another worker, which has only S3 to go by
    await expect(snaps.restore(agent, s.id)).rejects.toThrow(/does not match its sha256/);
  });

  it('reads a blob once per worker: a restore pushed out by other agents GETs none of its blobs again', async () => {
    const snaps = new SnapshotStore(t.s3, t.storage.snapshotsBucket);
    const agent = { fleet: 'tests', id: unique('once') };
    const store = storeOf(20);
    const s = await snaps.take(agent, store, 'c1');
    // a fleet worker's other agents: more restored stores than it keeps, each with a blob of its own
    for (let i = 0; i < 20; i++)
      await snaps.take({ fleet: 'tests', id: unique(`other${i}`) }, storeOf(1, `${i}`), 'c1');
    const send = vi.spyOn(t.s3, 'send');
    const blobGets = () =>
      send.mock.calls.filter(([c]) => c instanceof GetObjectCommand && String(c.input.Key).includes('/blobs/')).length;
    try {
      expect((await snaps.restore(agent, s.id)).toObject()).toEqual(store.toObject());
      expect(blobGets()).toBe(0);
      clearRestoreCache(); // another worker, which has only S3 to go by
      expect((await snaps.restore(agent, s.id)).toObject()).toEqual(store.toObject());
      expect(blobGets()).toBe(20);
    } finally {
      send.mockRestore();
    }
  });

  it('names a snapshot that does not exist', async () => {
    const snaps = new SnapshotStore(t.s3, t.storage.snapshotsBucket);
    const agent = { fleet: 'tests', id: unique('none') };
    await snaps.take(agent, storeOf(1), 'c1');
    await expect(snaps.restore(agent, 'no-such-version')).rejects.toThrow(
      /snapshot no-such-version of agent .* does not exist/,
    );
  });
});

describe('object versions across pages (real S3 server)', () => {
  it('follows both markers to the last page: every version of a key, newest first, and its delete markers', async () => {
    const bucket = t.storage.snapshotsBucket;
    const key = `${unique('paged')}/object`;
    const written: string[] = [];
    for (let i = 0; i < 5; i++) {
      const out = await t.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: `v${i}` }));
      written.push(out.VersionId!);
    }
    await t.s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${key}-sibling`, Body: 'other key' }));
    const marker = await t.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));

    let pages = 0;
    for await (const _ of objectVersionPages(t.s3, bucket, key, 2)) pages++;
    expect(pages).toBeGreaterThan(2);
    const listed = await keyVersions(t.s3, bucket, key, 2);
    expect(listed.versions).toEqual([...written].reverse());
    expect(listed.deleteMarkers).toEqual([marker.VersionId]);
  });
});

describe('audit log in the Object Lock bucket (real S3 server)', () => {
  const record = (agent: AgentScope, seq: number, event: string, data: Record<string, unknown> = {}): AuditRecord => ({
    fleet: agent.fleet,
    agent_id: agent.id,
    prev: null,
    cycle_id: 'dream-cycle-1',
    cycle_started_at: '2026-11-25T01:00:00.000Z',
    seq,
    event,
    at: `2026-11-25T01:00:0${seq}.000Z`,
    data,
  });

  it('appends create-only records and reads them back in order', async () => {
    const log = new AuditLog(t.s3, t.storage.auditBucket, 1);
    const agent = { fleet: 'tests', id: unique('audit') };
    for (const [i, e] of ['snapshot-taken', 'baseline-scored', 'change-set-stored', 'approved', 'promoted'].entries()) {
      await log.append(record(agent, i + 1, e, { i }));
    }
    const other = {
      ...record(agent, 1, 'snapshot-taken'),
      cycle_id: 'dream-cycle-0',
      cycle_started_at: '2026-11-24T01:00:00.000Z',
    };
    await log.append(other);
    const read = await log.read(agent);
    expect(read.map((r) => `${r.cycle_id}:${r.event}`)).toEqual([
      'dream-cycle-0:snapshot-taken',
      'dream-cycle-1:snapshot-taken',
      'dream-cycle-1:baseline-scored',
      'dream-cycle-1:change-set-stored',
      'dream-cycle-1:approved',
      'dream-cycle-1:promoted',
    ]);
  });

  it('treats a retried append as a no-op and refuses a different record under the same key', async () => {
    const log = new AuditLog(t.s3, t.storage.auditBucket, 1);
    const agent = { fleet: 'tests', id: unique('audit-retry') };
    expect((await log.append(record(agent, 1, 'approved', { by: 'alice' }))).created).toBe(true);
    expect((await log.append(record(agent, 1, 'approved', { by: 'alice' }))).created).toBe(false);
    await expect(log.append(record(agent, 1, 'approved', { by: 'mallory' }))).rejects.toBeInstanceOf(AuditConflict);
    expect((await log.read(agent)).map((r) => r.data)).toEqual([{ by: 'alice' }]);
  });

  it('takes the same record written again later (a step re-run with its workflow task) as the first one', async () => {
    const log = new AuditLog(t.s3, t.storage.auditBucket, 1);
    const agent = { fleet: 'tests', id: unique('audit-rerun') };
    const first = await log.append(record(agent, 1, 'cycle-kept', { reason: 'promoted' }));
    const again = await log.append({
      ...record(agent, 1, 'cycle-kept', { reason: 'promoted' }),
      at: '2026-11-25T01:05:00.000Z',
    });
    // the chain goes on from the record that is stored, not the one asked for
    expect(again).toEqual({ key: first.key, created: false, sha256: first.sha256 });
    await expect(
      log.append({ ...record(agent, 1, 'cycle-kept', { reason: 'other' }), at: '2026-11-25T01:05:00.000Z' }),
    ).rejects.toBeInstanceOf(AuditConflict);
    expect((await log.read(agent)).map((r) => r.at)).toEqual(['2026-11-25T01:00:01.000Z']);
  });

  it('finds a signed record stored again at a later time (its time and signature differ), and no other', async () => {
    const log = new AuditLog(t.s3, t.storage.auditBucket, 1);
    const agent = { fleet: 'tests', id: unique('audit-signed-rerun') };
    const key = await ensureWorkerKey(join(await tempDir('dg-audit-key-'), 'key.json'));
    const first = await log.append(signed(record(agent, 1, 'cycle-kept', { reason: 'promoted' }), key));
    const later = signed(
      { ...record(agent, 1, 'cycle-kept', { reason: 'promoted' }), at: '2026-11-25T01:05:00.000Z' },
      key,
    );
    expect(await log.storedAgain(later)).toEqual({ key: first.key, sha256: first.sha256 });
    const other = signed({ ...record(agent, 1, 'cycle-kept', { reason: 'other' }), at: later.at }, key);
    expect(await log.storedAgain(other)).toBeUndefined();
    expect(await log.storedAgain(signed(record(agent, 2, 'cycle-kept'), key))).toBeUndefined();
  });

  it('cannot be overwritten with If-None-Match or deleted within its retention', async () => {
    const log = new AuditLog(t.s3, t.storage.auditBucket, 1);
    const agent = { fleet: 'tests', id: unique('audit-lock') };
    const { key } = await log.append(record(agent, 1, 'rolled-back'));
    await expect(
      t.s3.send(new PutObjectCommand({ Bucket: t.storage.auditBucket, Key: key, Body: '{}', IfNoneMatch: '*' })),
    ).rejects.toMatchObject({
      $metadata: { httpStatusCode: 412 },
    });
    const versions = await t.s3.send(
      new (await import('@aws-sdk/client-s3')).ListObjectVersionsCommand({
        Bucket: t.storage.auditBucket,
        Prefix: key,
      }),
    );
    const versionId = versions.Versions![0]!.VersionId!;
    await expect(
      t.s3.send(new DeleteObjectCommand({ Bucket: t.storage.auditBucket, Key: key, VersionId: versionId })),
    ).rejects.toMatchObject({
      $metadata: { httpStatusCode: 403 },
    });
    expect((await log.read(agent))[0]!.event).toBe('rolled-back');
  });
});
