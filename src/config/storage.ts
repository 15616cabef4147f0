import { isLocalStackForced, s3Endpoint, type StackConfig } from './stack.js';
import { InvalidInput } from '../util/errors.js';
import type { S3Encryption, S3Settings } from '../s3/client.js';

/** Where dreamgate keeps snapshots and the audit log. */
export interface StorageSettings extends S3Settings {
  snapshotsBucket: string;
  auditBucket: string;
  /**
   * COMPLIANCE retention of each audit record. Set for the local stack (temporal-dev.yml) and by
   * DREAMGATE_AUDIT_RETENTION_DAYS; otherwise the audit bucket's default retention, read at start.
   */
  auditRetentionDays?: number;
  /** True for the local stack's gateway. */
  local: boolean;
}

export function localS3Settings(cfg: StackConfig): S3Settings {
  return {
    endpoint: s3Endpoint(cfg),
    region: cfg.s3.region,
    credentials: { accessKeyId: cfg.s3.accessKeyId, secretAccessKey: cfg.s3.secretAccessKey },
  };
}

const sseModes: Record<string, S3Encryption['mode']> = {
  AES256: 'AES256',
  'sse-s3': 'AES256',
  'aws:kms': 'aws:kms',
  'sse-kms': 'aws:kms',
};

/** DREAMGATE_S3_SSE (AES256 / sse-s3, aws:kms / sse-kms) and DREAMGATE_S3_KMS_KEY_ID. */
export function encryptionSettings(env: NodeJS.ProcessEnv): S3Encryption | undefined {
  const raw = env.DREAMGATE_S3_SSE || undefined;
  const keyId = env.DREAMGATE_S3_KMS_KEY_ID || undefined;
  if (raw === undefined) {
    if (keyId) throw new InvalidInput('DREAMGATE_S3_KMS_KEY_ID is set but DREAMGATE_S3_SSE is not: set it to aws:kms');
    return undefined;
  }
  const mode = sseModes[raw] ?? sseModes[raw.toLowerCase()];
  if (!mode)
    throw new InvalidInput(
      `DREAMGATE_S3_SSE: "${raw}" is not a server-side encryption mode; expected AES256 (SSE-S3) or aws:kms (SSE-KMS)`,
    );
  if (mode === 'AES256' && keyId)
    throw new InvalidInput('DREAMGATE_S3_KMS_KEY_ID is set but DREAMGATE_S3_SSE=AES256 does not use a KMS key');
  return mode === 'aws:kms' ? { mode, ...(keyId ? { kmsKeyId: keyId } : {}) } : { mode };
}

function retentionDays(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env.DREAMGATE_AUDIT_RETENTION_DAYS || undefined;
  if (raw === undefined) return undefined;
  const days = Number(raw);
  if (!Number.isInteger(days) || days < 1 || days > 36500)
    throw new InvalidInput(`DREAMGATE_AUDIT_RETENTION_DAYS: "${raw}" is not a whole number of days from 1 to 36500`);
  return days;
}

/**
 * The storage the worker and the CLI use: the local stack's gateway by default (and always under
 * DREAMGATE_LOCAL_STACK=1); with DREAMGATE_S3_ENDPOINT=aws, AWS S3 through the SDK's default credential
 * chain (AWS_PROFILE names a profile of the shared config files, AWS_REGION the region); with another URL, that
 * S3-compatible server. Server-side encryption (DREAMGATE_S3_SSE, DREAMGATE_S3_KMS_KEY_ID) applies to every
 * object dreamgate writes.
 */
export function storageSettings(cfg: StackConfig, env: NodeJS.ProcessEnv = process.env): StorageSettings {
  const local = isLocalStackForced(env) || !env.DREAMGATE_S3_ENDPOINT;
  const buckets = {
    snapshotsBucket: cfg.s3.buckets.snapshots.name,
    auditBucket: cfg.s3.buckets.audit.name,
  };
  if (local) {
    return {
      ...localS3Settings(cfg),
      ...buckets,
      auditRetentionDays: cfg.s3.buckets.audit.retentionDays,
      local: true,
    };
  }
  const endpoint = env.DREAMGATE_S3_ENDPOINT!;
  if (endpoint !== 'aws' && !/^https?:\/\/[^/]+/.test(endpoint))
    throw new InvalidInput(`DREAMGATE_S3_ENDPOINT: "${endpoint}" is neither "aws" nor an http(s) URL`);
  const encryption = encryptionSettings(env);
  const days = retentionDays(env);
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined;
  return {
    ...(endpoint === 'aws' ? {} : { endpoint }),
    // AWS S3 takes the region from the profile when AWS_REGION is unset; a self-hosted server needs one
    ...(region ? { region } : endpoint === 'aws' ? {} : { region: cfg.s3.region }),
    ...(env.AWS_PROFILE ? { profile: env.AWS_PROFILE } : {}),
    ...(encryption ? { encryption } : {}),
    snapshotsBucket: env.DREAMGATE_SNAPSHOTS_BUCKET || buckets.snapshotsBucket,
    auditBucket: env.DREAMGATE_AUDIT_BUCKET || buckets.auditBucket,
    ...(days ? { auditRetentionDays: days } : {}),
    local: false,
  };
}
