import {
  CreateBucketCommand,
  HeadBucketCommand,
  PutBucketVersioningCommand,
  PutObjectLockConfigurationCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { StackConfig } from '../../src/config/stack.js';
import { localS3Settings } from '../../src/config/storage.js';
import { createS3Client } from '../../src/s3/client.js';
import { httpStatus } from '../../src/s3/errors.js';

async function exists(s3: S3Client, Bucket: string): Promise<boolean> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket }));
    return true;
  } catch (err) {
    if (httpStatus(err) === 404) return false;
    throw err;
  }
}

/** Creates the snapshots bucket (versioning on) and the audit bucket (Object Lock on). Idempotent. */
export async function ensureBuckets(cfg: StackConfig): Promise<void> {
  const s3 = createS3Client(localS3Settings(cfg));
  const { snapshots, audit } = cfg.s3.buckets;
  try {
    if (!(await exists(s3, snapshots.name))) await s3.send(new CreateBucketCommand({ Bucket: snapshots.name }));
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: snapshots.name, VersioningConfiguration: { Status: 'Enabled' } }),
    );
    if (!(await exists(s3, audit.name))) {
      await s3.send(new CreateBucketCommand({ Bucket: audit.name, ObjectLockEnabledForBucket: true }));
    }
    await s3.send(
      new PutObjectLockConfigurationCommand({
        Bucket: audit.name,
        ObjectLockConfiguration: {
          ObjectLockEnabled: 'Enabled',
          Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: audit.retentionDays } },
        },
      }),
    );
  } finally {
    s3.destroy();
  }
}
