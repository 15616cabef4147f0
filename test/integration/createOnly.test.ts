import { GetObjectCommand, GetObjectRetentionCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { putIfAbsent } from '../../src/s3/createOnly.js';
import { testStorage, unique, type TestStorage } from './helpers.js';

let t: TestStorage;
beforeAll(async () => {
  t = await testStorage();
});
afterAll(() => t?.s3.destroy());

const text = async (bucket: string, key: string) =>
  (await t.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();

describe('a create-only write (real S3 server)', () => {
  it('creates once; a second write to the key is `exists` and leaves the first bytes', async () => {
    const key = `create-only/${unique('obj')}.txt`;
    const put = (Body: string) => putIfAbsent(t.s3, { Bucket: t.storage.snapshotsBucket, Key: key, Body });
    expect(await put('first')).toBe('created');
    expect(await put('second')).toBe('exists');
    expect(await text(t.storage.snapshotsBucket, key)).toBe('first');
  });

  it('with lockDays, writes under COMPLIANCE retention that long (Content-MD5 sent, as Object Lock requires)', async () => {
    const key = `create-only/${unique('locked')}.json`;
    const before = Date.now();
    const body = Buffer.from('{"locked":true}', 'utf8');
    const put = () => putIfAbsent(t.s3, { Bucket: t.storage.auditBucket, Key: key, Body: body }, { lockDays: 2 });
    expect(await put()).toBe('created');
    const { Retention } = await t.s3.send(new GetObjectRetentionCommand({ Bucket: t.storage.auditBucket, Key: key }));
    expect(Retention?.Mode).toBe('COMPLIANCE');
    const until = Retention!.RetainUntilDate!.getTime();
    expect(until).toBeGreaterThanOrEqual(before + 2 * 86_400_000 - 1_000);
    expect(until).toBeLessThanOrEqual(Date.now() + 2 * 86_400_000 + 1_000);
    expect(await put()).toBe('exists');
  });

  it('any failure but 412 is thrown, not taken for `exists`', async () => {
    await expect(
      putIfAbsent(t.s3, { Bucket: `no-such-bucket-${process.pid}`, Key: 'x', Body: 'x' }),
    ).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
  });
});
