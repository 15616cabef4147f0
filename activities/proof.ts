import { createHash } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { proofKey } from '../src/names/keys.js';

export interface ProofInput {
  /** Kept for histories written before the key was composed here; not read. */
  key?: string;
  text: string;
}

export interface ProofObject {
  bucket: string;
  key: string;
  versionId: string;
  sha256: string;
}

/**
 * Wiring check: writes one object to the versioned snapshots bucket and returns its VersionId; under the
 * calling workflow's own id (`proof/<workflow id>.txt`), a short text, never over anything else.
 */
export function proofActivities(s3: S3Client, bucket: string) {
  return {
    async writeProofObject({ text }: ProofInput): Promise<ProofObject> {
      if (typeof text !== 'string' || text.length > 4_096)
        throw ApplicationFailure.nonRetryable('proof text: at most 4,096 characters', 'InvalidInput');
      const key = proofKey(Context.current().info.workflowExecution?.workflowId ?? '');
      const body = Buffer.from(text, 'utf8');
      const sha256 = createHash('sha256').update(body).digest('hex');
      const out = await s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'text/plain; charset=utf-8' }),
      );
      if (!out.VersionId) {
        throw ApplicationFailure.nonRetryable(
          `bucket ${bucket} returned no VersionId: is versioning on?`,
          'BucketNotVersioned',
        );
      }
      return { bucket, key, versionId: out.VersionId, sha256 };
    },
  };
}

/** Reads one version of an object back (used by clients to check a proof). */
export async function readObjectVersion(s3: S3Client, bucket: string, key: string, versionId: string): Promise<Buffer> {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
  return Buffer.from(await out.Body!.transformToByteArray());
}
