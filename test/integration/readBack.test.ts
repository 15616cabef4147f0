import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog, type AuditRecord } from '../../src/audit/audit.js';
import { CycleObjects } from '../../src/cycle/objects.js';
import { createS3Client, type S3RequestCount } from '../../src/s3/client.js';
import { createOnly } from '../../src/s3/createOnly.js';
import { MemoryStore } from '../../src/memory/store.js';
import { RedactionIndex } from '../../src/snapshots/redact.js';
import { clearRestoreCache, SnapshotStore } from '../../src/snapshots/snapshots.js';
import { testStorage, unique, type TestStorage } from './helpers.js';

// What a worker reads back of what it wrote, and what it still asks S3 (real S3 server): each saving stands on
// evidence S3 gives (a version id, an ETag, a create-only claim), and every check runs on the bytes it guards.

let t: TestStorage;
const sent: S3RequestCount = new Map();
let counted: ReturnType<typeof createS3Client>;
beforeAll(async () => {
  t = await testStorage();
  counted = createS3Client(t.storage, sent);
});
afterAll(() => {
  t?.s3.destroy();
  counted?.destroy();
});

const requests = (command: string) => sent.get(command) ?? 0;

describe('reading back what this worker wrote', () => {
  it('a create-only write names the version it created', async () => {
    const key = `read-back/${unique('obj')}.txt`;
    const first = await createOnly(t.s3, { Bucket: t.storage.snapshotsBucket, Key: key, Body: 'one' });
    expect(first.put).toBe('created');
    const again = await createOnly(t.s3, { Bucket: t.storage.snapshotsBucket, Key: key, Body: 'two' });
    expect(again).toEqual({ put: 'exists' });
    const out = await t.s3.send(new GetObjectCommand({ Bucket: t.storage.snapshotsBucket, Key: key }));
    expect(first.put === 'created' && first.versionId).toBe(out.VersionId);
  });

  it('a JSON object is downloaded again only when S3 holds another version than the ETag names', async () => {
    const objects = new CycleObjects(counted, t.storage.snapshotsBucket);
    const key = `read-back/${unique('suite')}.json`;
    const { etag } = await objects.putJsonTagged(key, { cases: [1, 2, 3] });
    expect(etag).toBeTruthy();
    expect(await objects.getJsonUnless(key, etag)).toBe('unchanged');
    // anyone with write access replaces it: the new bytes are read, whatever the worker held
    await t.s3.send(
      new PutObjectCommand({ Bucket: t.storage.snapshotsBucket, Key: key, Body: JSON.stringify({ cases: [9] }) }),
    );
    const changed = await objects.getJsonUnless<{ cases: number[] }>(key, etag);
    expect(changed).toMatchObject({ value: { cases: [9] } });
    expect(changed !== 'unchanged' && changed?.etag).not.toBe(etag);
    expect(await objects.getJsonUnless(`read-back/${unique('none')}.json`, etag)).toBeUndefined();
  });

  it("a run's signed records are read from memory when this worker wrote those very versions", async () => {
    const log = new AuditLog(counted, t.storage.auditBucket, 1);
    const place = {
      fleet: 'rb',
      agent_id: unique('agent'),
      cycle_id: unique('run'),
      cycle_started_at: new Date().toISOString(),
    };
    let prev: string | null = null;
    for (let seq = 0; seq < 3; seq++) {
      const record: AuditRecord = { ...place, seq, event: `e${seq}`, at: new Date().toISOString(), prev };
      prev = (await log.append(record)).sha256;
    }
    sent.clear();
    const read = await log.signedIn(log.runPrefix(place), []);
    // unsigned records are not taken (no key given), but each was read and checked: from memory, not S3
    expect(read).toEqual([]);
    expect(requests('GetObject')).toBe(0);
    expect(requests('ListObjectVersions')).toBeGreaterThan(0);
    // the whole chain verifies on the same bytes
    const chain = await new AuditLog(t.s3, t.storage.auditBucket, 1).verify({ fleet: 'rb', id: place.agent_id });
    expect(chain.keys.map((k) => k.record?.event)).toEqual(['e0', 'e1', 'e2']);
  });

  it('a snapshot written after a restore lists no redaction markers; each restore lists them', async () => {
    const markers = new RedactionIndex(counted, t.storage.auditBucket, () => []);
    const snaps = new SnapshotStore(counted, t.storage.snapshotsBucket, 'snapshot', markers);
    const scope = { fleet: 'rb', id: unique('agent') };
    clearRestoreCache();
    const first = await snaps.take(scope, MemoryStore.from({ '/a.md': '- one\n' }), 'first');
    sent.clear();
    await snaps.restore(scope, first.id);
    const listedByRestore = requests('ListObjectVersions');
    expect(listedByRestore).toBeGreaterThan(0); // a restore never reuses a store read before a redaction
    sent.clear();
    await snaps.take(scope, MemoryStore.from({ '/a.md': '- one\n- two\n' }), 'second');
    expect(requests('ListObjectVersions')).toBe(0);
    sent.clear();
    await snaps.restore(scope, first.id);
    expect(requests('ListObjectVersions')).toBe(listedByRestore);
  });
});
