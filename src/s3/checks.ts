import { GetBucketVersioningCommand, GetObjectLockConfigurationCommand, type S3Client } from '@aws-sdk/client-s3';
import { errorMessage } from '../util/errors.js';
import { httpStatus } from './errors.js';

/** A bucket is not set up as dreamgate needs it; the message names the bucket and the fix. */
export class StorageMisconfigured extends Error {
  override readonly name = 'StorageMisconfigured';
}

export interface AuditLockStatus {
  bucket: string;
  /** The bucket's default retention, when it has one. */
  defaultMode?: 'COMPLIANCE' | 'GOVERNANCE';
  defaultDays?: number;
  /** What an operator should know but that does not stop the worker. */
  warnings: string[];
}

const errorName = (err: unknown) => (err as { name?: string; Code?: string }).name ?? '';

function unreadable(what: string, bucket: string, err: unknown, permission: string): StorageMisconfigured {
  if (httpStatus(err) === 403)
    return new StorageMisconfigured(
      `cannot read the ${what} of bucket "${bucket}": access denied (needs ${permission})`,
    );
  return new StorageMisconfigured(`cannot read the ${what} of bucket "${bucket}": ${errorMessage(err)}`);
}

/**
 * The audit bucket's Object Lock: it must be enabled, since every audit record is written under COMPLIANCE
 * retention so that no one (not even the account's root user) can rewrite or delete it while it is retained.
 * The one place that reads the lock configuration (src/audit/audit.ts re-exports it): the worker checks
 * it at start.
 */
export async function checkAuditLock(s3: S3Client, bucket: string): Promise<AuditLockStatus> {
  let config;
  try {
    config = (await s3.send(new GetObjectLockConfigurationCommand({ Bucket: bucket }))).ObjectLockConfiguration;
  } catch (err) {
    if (errorName(err) === 'NoSuchBucket')
      throw new StorageMisconfigured(`audit bucket "${bucket}" does not exist: create it with Object Lock enabled`);
    if (errorName(err) === 'ObjectLockConfigurationNotFoundError' || httpStatus(err) === 404)
      throw new StorageMisconfigured(
        `audit bucket "${bucket}" has no Object Lock, so its records could be overwritten or deleted: create it with Object Lock enabled (aws s3api create-bucket --object-lock-enabled-for-bucket) and a default retention in COMPLIANCE mode`,
      );
    throw unreadable('Object Lock configuration', bucket, err, 's3:GetBucketObjectLockConfiguration');
  }
  if (config?.ObjectLockEnabled !== 'Enabled')
    throw new StorageMisconfigured(
      `audit bucket "${bucket}" has no Object Lock, so its records could be overwritten or deleted: create it with Object Lock enabled (aws s3api create-bucket --object-lock-enabled-for-bucket) and a default retention in COMPLIANCE mode`,
    );
  const rule = config.Rule?.DefaultRetention;
  const days = rule?.Days ?? (rule?.Years !== undefined ? rule.Years * 365 : undefined);
  const warnings: string[] = [];
  if (!rule || days === undefined)
    warnings.push(
      `audit bucket "${bucket}" has Object Lock but no default retention: objects written by anything but dreamgate are not protected`,
    );
  else if (rule.Mode === 'GOVERNANCE')
    warnings.push(
      `audit bucket "${bucket}" retains in GOVERNANCE mode by default, which s3:BypassGovernanceRetention can lift; production should use COMPLIANCE`,
    );
  return {
    bucket,
    ...(rule?.Mode ? { defaultMode: rule.Mode } : {}),
    ...(days !== undefined ? { defaultDays: days } : {}),
    warnings,
  };
}

/** The snapshots bucket must keep versions: a snapshot is a version of the agent's manifest. */
export async function checkVersioning(s3: S3Client, bucket: string): Promise<void> {
  let status: string | undefined;
  try {
    status = (await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status;
  } catch (err) {
    if (errorName(err) === 'NoSuchBucket' || httpStatus(err) === 404)
      throw new StorageMisconfigured(`snapshots bucket "${bucket}" does not exist: create it with versioning enabled`);
    throw unreadable('versioning', bucket, err, 's3:GetBucketVersioning');
  }
  if (status !== 'Enabled')
    throw new StorageMisconfigured(
      `snapshots bucket "${bucket}" does not keep versions (versioning ${status ? status.toLowerCase() : 'never enabled'}): enable versioning, since every snapshot is an object version`,
    );
}

export interface StorageCheck {
  /** The COMPLIANCE retention each audit record gets: the setting, else the bucket's default. */
  auditRetentionDays: number;
  warnings: string[];
}

/** What a worker checks before it takes work: both buckets exist, keep versions, and lock audit records. */
/** The buckets a worker uses, and the audit records' retention when it is set (`StorageSettings` has them). */
export interface StorageBuckets {
  snapshotsBucket: string;
  auditBucket: string;
  auditRetentionDays?: number;
}

export async function checkStorage(s3: S3Client, storage: StorageBuckets): Promise<StorageCheck> {
  const [, lock] = await Promise.all([
    checkVersioning(s3, storage.snapshotsBucket),
    checkAuditLock(s3, storage.auditBucket),
  ]);
  const auditRetentionDays = storage.auditRetentionDays ?? lock.defaultDays;
  if (auditRetentionDays === undefined)
    throw new StorageMisconfigured(
      `audit bucket "${storage.auditBucket}" has no default retention: set one (COMPLIANCE mode) or DREAMGATE_AUDIT_RETENTION_DAYS`,
    );
  return { auditRetentionDays, warnings: lock.warnings };
}
