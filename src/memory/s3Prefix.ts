import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { InvalidInput } from '../util/errors.js';
import { httpStatus } from '../s3/errors.js';
import { mapLimit } from '../util/concurrency.js';
import type { StoreAdapter } from './adapter.js';
import { LiveStoreChanged, assertApplicable } from './apply.js';
import { appliedChanges, type Change } from './changeSet.js';
import { defaultLimits, type StoreLimits } from './limits.js';
import { assertPath } from './paths.js';
import { maxOpaqueBytes, MemoryStore, opaqueReason, type OpaqueFile } from './store.js';

/**
 * A store kept under an S3 prefix, one object per memory: what agents on many machines share. Every write
 * is conditional (If-None-Match for a create, If-Match on the ETag read for an update or delete), so a
 * write by an agent between our check and our write is detected, not overwritten.
 */
export class S3PrefixStore implements StoreAdapter {
  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
    readonly prefix: string,
    private readonly limits: StoreLimits = defaultLimits,
  ) {
    if (prefix !== '' && !prefix.endsWith('/')) this.prefix = `${prefix}/`;
  }

  get location(): string {
    return `s3://${this.bucket}/${this.prefix}`;
  }

  private key(path: string): string {
    assertPath(path);
    return this.prefix + path.slice(1);
  }

  private async readWithEtags(): Promise<{ store: MemoryStore; etags: Map<string, string> }> {
    const keys: { key: string; size: number }[] = [];
    let token: string | undefined;
    do {
      const page = await this.s3.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) keys.push({ key: o.Key!, size: o.Size ?? 0 });
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    const visible = keys.filter(
      (k) =>
        !k.key
          .slice(this.prefix.length)
          .split('/')
          .some((s) => s.startsWith('.')),
    );
    if (visible.length > this.limits.maxFiles)
      throw new InvalidInput(`${this.location}: ${visible.length} objects, more than ${this.limits.maxFiles}`);
    const etags = new Map<string, string>();
    const files = new Map<string, string>();
    const skipped = new Map<string, OpaqueFile>();
    await mapLimit(visible, 16, async ({ key, size }) => {
      const path = `/${key.slice(this.prefix.length)}`;
      assertPath(path, this.location);
      if (size > maxOpaqueBytes)
        throw new InvalidInput(
          `s3://${this.bucket}/${key}: ${size} bytes, too large to keep even as a file the dream skips`,
        );
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      etags.set(path, out.ETag!);
      const bytes = await out.Body!.transformToByteArray();
      // a file the dream cannot take (too large, not text) is kept byte for byte and reported, not refused
      const reason = opaqueReason(bytes, this.limits);
      if (reason) skipped.set(path, { bytes, reason });
      else files.set(path, Buffer.from(bytes).toString('utf8'));
    });
    return { store: MemoryStore.from(files, this.limits, this.location, skipped), etags };
  }

  async read(): Promise<MemoryStore> {
    return (await this.readWithEtags()).store;
  }

  async apply(changes: readonly Change[]): Promise<void> {
    const { store: live, etags } = await this.readWithEtags();
    // refuses a stale or invalid change set before anything is written
    assertApplicable(live, changes, this.limits);
    for (const c of appliedChanges(changes)) {
      try {
        if (c.op === 'create') await this.put(c.path, c.after!, { IfNoneMatch: '*' });
        else if (c.op === 'update') await this.put(c.path, c.after!, { IfMatch: etags.get(c.path)! });
        else if (c.op === 'delete')
          await this.s3.send(
            new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(c.path), IfMatch: etags.get(c.path)! }),
          );
        else {
          await this.put(c.new_path!, c.after ?? live.get(c.path)!, { IfNoneMatch: '*' });
          await this.s3.send(
            new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(c.path), IfMatch: etags.get(c.path)! }),
          );
        }
      } catch (err) {
        if (httpStatus(err) === 412) throw new LiveStoreChanged([c.path]);
        throw err;
      }
    }
  }

  private async put(
    path: string,
    content: string | Uint8Array,
    cond: { IfMatch?: string; IfNoneMatch?: string },
  ): Promise<void> {
    const text = typeof content === 'string';
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: this.key(path),
        Body: text ? Buffer.from(content, 'utf8') : content,
        ContentType: text ? 'text/markdown; charset=utf-8' : 'application/octet-stream',
        ...cond,
      }),
    );
  }

  async replaceAll(store: MemoryStore): Promise<void> {
    const live = await this.read();
    const all = [...store.files, ...[...store.skipped].map(([p, f]) => [p, f.bytes] as const)];
    await mapLimit(
      all.filter(([p]) => live.fileHash(p) !== store.fileHash(p)),
      16,
      ([p, c]) => this.put(p, c, {}),
    );
    await mapLimit(
      [...live.files.keys(), ...live.skipped.keys()].filter((p) => store.fileHash(p) === undefined),
      16,
      (p) => this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(p) })),
    );
  }
}
