import { s3Endpoint, type StackConfig } from '../config/stack.js';
import type { S3Settings } from './client.js';

/** Where dreamgate keeps snapshots and the audit log. */
export interface StorageSettings extends S3Settings {
  snapshotsBucket: string;
  auditBucket: string;
}

export function localS3Settings(cfg: StackConfig): S3Settings {
  return {
    endpoint: s3Endpoint(cfg),
    region: cfg.s3.region,
    credentials: { accessKeyId: cfg.s3.accessKeyId, secretAccessKey: cfg.s3.secretAccessKey },
  };
}

/**
 * The storage the worker and the CLI use: the local stack by default; with DREAMGATE_S3_ENDPOINT=aws
 * (or another endpoint URL), AWS S3 or that server with the default credential chain.
 */
export function storageSettings(cfg: StackConfig, env: NodeJS.ProcessEnv = process.env): StorageSettings {
  const endpoint = env.DREAMGATE_S3_ENDPOINT;
  const base: S3Settings =
    endpoint === undefined || endpoint === ''
      ? localS3Settings(cfg)
      : endpoint === 'aws'
        ? { region: env.AWS_REGION ?? cfg.s3.region }
        : { endpoint, region: env.AWS_REGION ?? cfg.s3.region };
  return {
    ...base,
    snapshotsBucket: env.DREAMGATE_SNAPSHOTS_BUCKET ?? cfg.s3.buckets.snapshots.name,
    auditBucket: env.DREAMGATE_AUDIT_BUCKET ?? cfg.s3.buckets.audit.name,
  };
}
