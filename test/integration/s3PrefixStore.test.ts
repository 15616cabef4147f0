import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiveStoreChanged } from '../../src/memory/apply.js';
import { diffStores } from '../../src/memory/diff.js';
import { S3PrefixStore } from '../../src/memory/s3Prefix.js';
import { MemoryStore } from '../../src/memory/store.js';
import { testStorage, unique, type TestStorage } from './helpers.js';

let t: TestStorage;
beforeAll(async () => {
  t = await testStorage();
});
afterAll(() => t?.s3.destroy());

describe('S3 prefix store (real S3 server)', () => {
  it('writes, reads back and applies a change set with conditional writes', async () => {
    const live = new S3PrefixStore(t.s3, t.storage.snapshotsBucket, `live/${unique('agent')}/`);
    const before = MemoryStore.from({ '/a.md': '- one\n', '/b/c.md': '- two\n', '/gone.md': '- three\n' });
    await live.replaceAll(before);
    expect((await live.read()).hash()).toBe(before.hash());

    const after = MemoryStore.from({ '/a.md': '- one, edited\n', '/b/c.md': '- two\n', '/new.md': '- four\n' });
    await live.apply(diffStores(before, after));
    expect((await live.read()).toObject()).toEqual(after.toObject());
  });

  it('detects a write by the agent since the snapshot and writes nothing', async () => {
    const prefix = `live/${unique('agent')}/`;
    const live = new S3PrefixStore(t.s3, t.storage.snapshotsBucket, prefix);
    const before = MemoryStore.from({ '/a.md': '- one\n', '/b.md': '- two\n' });
    await live.replaceAll(before);
    const changes = diffStores(before, MemoryStore.from({ '/a.md': '- one!\n', '/b.md': '- two!\n' }));
    await t.s3.send(
      new PutObjectCommand({
        Bucket: t.storage.snapshotsBucket,
        Key: `${prefix}b.md`,
        Body: '- the agent wrote this\n',
      }),
    );
    const err = await live.apply(changes).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LiveStoreChanged);
    expect((err as LiveStoreChanged).paths).toEqual(['/b.md']);
    expect((await live.read()).toObject()).toEqual({ '/a.md': '- one\n', '/b.md': '- the agent wrote this\n' });
  });

  it('refuses an object whose key is not a valid memory path, naming it', async () => {
    const prefix = `live/${unique('agent')}/`;
    await t.s3.send(
      new PutObjectCommand({ Bucket: t.storage.snapshotsBucket, Key: `${prefix}cafe\u0301.md`, Body: 'x' }),
    );
    await expect(new S3PrefixStore(t.s3, t.storage.snapshotsBucket, prefix).read()).rejects.toThrow(
      /memory path "\/cafe\u0301.md" is not Unicode NFC/,
    );
  });
});
