import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { AgentScope } from '../names/scope.js';
import { changeSetSchema, type ChangeSet } from '../memory/changeSet.js';
import { putIfAbsent } from '../s3/createOnly.js';
import { httpStatus } from '../s3/errors.js';
import { changeSetKey } from '../names/keys.js';
import { shortId } from '../names/ids.js';

/** A change set whose stored bytes no longer hash to its id: swapped or tampered with in S3. */
export class ChangeSetTampered extends Error {
  override readonly name = 'ChangeSetTampered';
  constructor(
    message: string,
    /** No object at all under the change set's key (rather than other bytes). */
    readonly missing = false,
  ) {
    super(message);
  }
}

const sha256 = (body: string | Buffer) => createHash('sha256').update(body).digest('hex');

/**
 * Claims this worker created, by bucket and key: a claim is create-only, so the value a worker created is the
 * value its run claimed there (a chain check that reads it back asks only where another worker claimed).
 */
const created = new LRUCache<string, string>({ max: 20_000 });

/** JSON artefacts of cycles (change sets, eval reports, agent state) in the snapshots bucket. */
export class CycleObjects {
  constructor(
    readonly s3: S3Client,
    readonly bucket: string,
  ) {}

  /** Stores a change set under its own hash and returns that hash: its id. */
  async putChangeSet(scope: AgentScope, cs: ChangeSet): Promise<{ id: string; key: string }> {
    const body = JSON.stringify(cs, null, 1);
    const id = sha256(body);
    const key = changeSetKey(scope, id);
    // already there: the same bytes (a retry), or a swap that loading will catch
    await putIfAbsent(this.s3, { Bucket: this.bucket, Key: key, Body: body, ContentType: 'application/json' });
    return { id, key };
  }

  /**
   * The one loader of change sets: by id, checking that the stored bytes still hash to it. A missing,
   * swapped or tampered object is a ChangeSetTampered failure, which retrying cannot fix.
   */
  async loadChangeSet(scope: AgentScope, id: string): Promise<ChangeSet> {
    const key = changeSetKey(scope, id);
    const text = await this.getText(key);
    if (text === undefined) throw new ChangeSetTampered(`change set ${shortId(id)} is missing from ${key}`, true);
    const actual = sha256(text);
    if (actual !== id)
      throw new ChangeSetTampered(
        `change set ${shortId(id)} at ${key} hashes to ${shortId(actual)}: the object was replaced after it was approved`,
      );
    return changeSetSchema.parse(JSON.parse(text));
  }

  async putJson(key: string, value: unknown): Promise<{ key: string; sha256: string }> {
    const body = JSON.stringify(value, null, 1);
    await this.s3.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: 'application/json' }),
    );
    return { key, sha256: sha256(body) };
  }

  /** As `putJson`, with the ETag S3 gave the object written (what `getJsonUnless` names it by). */
  async putJsonTagged(key: string, value: unknown): Promise<{ key: string; sha256: string; etag?: string }> {
    const body = JSON.stringify(value, null, 1);
    const out = await this.s3.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: 'application/json' }),
    );
    return { key, sha256: sha256(body), ...(out.ETag ? { etag: out.ETag } : {}) };
  }

  /**
   * A JSON object unless S3 still holds the version whose ETag is `etag` (a conditional GET, If-None-Match:
   * S3 answers 304 without the body): `unchanged`, the object and its ETag, or undefined when there is none.
   */
  async getJsonUnless<T>(
    key: string,
    etag: string | undefined,
  ): Promise<'unchanged' | { value: T; etag?: string } | undefined> {
    try {
      const out = await this.s3.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: key, ...(etag ? { IfNoneMatch: etag } : {}) }),
      );
      const value = JSON.parse(await out.Body!.transformToString('utf-8')) as T;
      return { value, ...(out.ETag ? { etag: out.ETag } : {}) };
    } catch (err) {
      if (etag && httpStatus(err) === 304) return 'unchanged';
      if (httpStatus(err) === 404) return undefined;
      throw err;
    }
  }

  async getText(key: string): Promise<string | undefined> {
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return await out.Body!.transformToString('utf-8');
    } catch (err) {
      if (httpStatus(err) === 404) return undefined;
      throw err;
    }
  }

  async getJson<T>(key: string): Promise<T | undefined> {
    const text = await this.getText(key);
    return text === undefined ? undefined : (JSON.parse(text) as T);
  }

  /** Creates a marker once; false when it already existed (the side effect it guards already happened). */
  async markOnce(key: string): Promise<boolean> {
    const put = await putIfAbsent(this.s3, { Bucket: this.bucket, Key: key, Body: new Date().toISOString() });
    return put === 'created';
  }

  /**
   * Claims a key for one value, create-only: `mine` when this call (or an earlier one with the same value)
   * holds it, `taken` when another value does. What a worker does once per cycle (a record at a sequence
   * number, the one promotion) is claimed first, so a second, different one is refused.
   */
  async claim(key: string, value: string): Promise<'mine' | 'taken'> {
    const put = await putIfAbsent(this.s3, { Bucket: this.bucket, Key: key, Body: value, ContentType: 'text/plain' });
    if (put === 'created') {
      created.set(`${this.bucket}\0${key}`, value);
      return 'mine';
    }
    return (await this.getText(key)) === value ? 'mine' : 'taken';
  }

  /** The value claimed at `key`: the one this worker created there, or else as S3 holds it now. */
  async claimed(key: string): Promise<string | undefined> {
    return created.get(`${this.bucket}\0${key}`) ?? (await this.getText(key));
  }

  /** Keys under a prefix, in order. */
  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.s3.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) keys.push(o.Key!);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys.sort();
  }

  async exists(key: string): Promise<boolean> {
    return (await this.getText(key)) !== undefined;
  }
}
