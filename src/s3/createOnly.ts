import { createHash } from 'node:crypto';
import { PutObjectCommand, type PutObjectCommandInput, type S3Client } from '@aws-sdk/client-s3';
import { httpStatus } from './errors.js';

/** A create-only write: every field of a PutObject but the condition, which this module sets. */
export type CreateOnlyInput = Omit<PutObjectCommandInput, 'IfNoneMatch' | 'IfMatch' | 'Body'> & {
  Body: string | Uint8Array;
};

/**
 * Writes an object only where none is (`If-None-Match: *`): `created`, or `exists` when S3 answers 412
 * Precondition Failed (another writer, or an earlier try of this one, was first). Any other failure throws.
 * With `lockDays`, the object is written under Object Lock COMPLIANCE retention for that many days, with the
 * Content-MD5 S3 requires of a write that sets a lock.
 */
export async function putIfAbsent(
  s3: S3Client,
  input: CreateOnlyInput,
  opts: { lockDays?: number } = {},
): Promise<'created' | 'exists'> {
  return (await createOnly(s3, input, opts)).put;
}

/** As `putIfAbsent`, with the version id S3 gave the object it created (in a versioned bucket). */
export async function createOnly(
  s3: S3Client,
  input: CreateOnlyInput,
  opts: { lockDays?: number } = {},
): Promise<{ put: 'created'; versionId?: string } | { put: 'exists' }> {
  const lock =
    opts.lockDays === undefined
      ? {}
      : {
          ContentMD5: createHash('md5').update(input.Body).digest('base64'),
          ObjectLockMode: 'COMPLIANCE' as const,
          ObjectLockRetainUntilDate: new Date(Date.now() + opts.lockDays * 86_400_000),
        };
  try {
    const out = await s3.send(new PutObjectCommand({ ...input, ...lock, IfNoneMatch: '*' }));
    return { put: 'created', ...(out.VersionId ? { versionId: out.VersionId } : {}) };
  } catch (err) {
    if (httpStatus(err) === 412) return { put: 'exists' };
    throw err;
  }
}
