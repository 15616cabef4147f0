import { beforeAll, describe, expect, it } from 'vitest';
import { defaultStackFile, loadStackConfig, type StackConfig } from '../../../src/config/stack.js';
import { storageSettings } from '../../../src/config/storage.js';
import { InvalidInput } from '../../../src/util/errors.js';

let cfg: StackConfig;
beforeAll(async () => {
  cfg = await loadStackConfig(defaultStackFile);
});

describe('S3 settings', () => {
  it('the local gateway by default, and always under DREAMGATE_LOCAL_STACK=1', () => {
    expect(storageSettings(cfg, {})).toMatchObject({
      endpoint: 'http://127.0.0.1:7070',
      local: true,
      auditRetentionDays: 1,
    });
    const forced = storageSettings(cfg, {
      DREAMGATE_LOCAL_STACK: '1',
      DREAMGATE_S3_ENDPOINT: 'aws',
      AWS_PROFILE: 'prod',
      DREAMGATE_S3_SSE: 'aws:kms',
    });
    expect(forced).toMatchObject({ endpoint: 'http://127.0.0.1:7070', local: true });
    expect(forced.encryption).toBeUndefined();
  });

  it('AWS S3: region and credentials from the profile unless set; encryption, buckets and retention from the environment', () => {
    const aws = storageSettings(cfg, {
      DREAMGATE_S3_ENDPOINT: 'aws',
      AWS_PROFILE: 'dreamgate-prod',
      DREAMGATE_S3_SSE: 'sse-kms',
      DREAMGATE_S3_KMS_KEY_ID: 'alias/dreamgate',
      DREAMGATE_SNAPSHOTS_BUCKET: 'acme-dreamgate-snapshots',
      DREAMGATE_AUDIT_BUCKET: 'acme-dreamgate-audit',
      DREAMGATE_AUDIT_RETENTION_DAYS: '2555',
    });
    expect(aws).toEqual({
      profile: 'dreamgate-prod',
      encryption: { mode: 'aws:kms', kmsKeyId: 'alias/dreamgate' },
      snapshotsBucket: 'acme-dreamgate-snapshots',
      auditBucket: 'acme-dreamgate-audit',
      auditRetentionDays: 2555,
      local: false,
    });
    expect(storageSettings(cfg, { DREAMGATE_S3_ENDPOINT: 'aws', AWS_REGION: 'eu-west-1' })).toMatchObject({
      region: 'eu-west-1',
    });
    expect(storageSettings(cfg, { DREAMGATE_S3_ENDPOINT: 'aws', DREAMGATE_S3_SSE: 'AES256' }).encryption).toEqual({
      mode: 'AES256',
    });
  });

  it('refuses bad S3 settings naming the variable', () => {
    const refused = (env: NodeJS.ProcessEnv) => {
      try {
        storageSettings(cfg, { DREAMGATE_S3_ENDPOINT: 'aws', ...env });
      } catch (err) {
        expect(err).toBeInstanceOf(InvalidInput);
        return (err as Error).message;
      }
      throw new Error('accepted');
    };
    expect(refused({ DREAMGATE_S3_SSE: 'rot13' })).toBe(
      'DREAMGATE_S3_SSE: "rot13" is not a server-side encryption mode; expected AES256 (SSE-S3) or aws:kms (SSE-KMS)',
    );
    expect(refused({ DREAMGATE_S3_KMS_KEY_ID: 'k' })).toMatch(
      /^DREAMGATE_S3_KMS_KEY_ID is set but DREAMGATE_S3_SSE is not/,
    );
    expect(refused({ DREAMGATE_S3_SSE: 'AES256', DREAMGATE_S3_KMS_KEY_ID: 'k' })).toMatch(/does not use a KMS key/);
    expect(refused({ DREAMGATE_AUDIT_RETENTION_DAYS: '7.5' })).toMatch(
      /^DREAMGATE_AUDIT_RETENTION_DAYS: "7\.5" is not/,
    );
    expect(refused({ DREAMGATE_S3_ENDPOINT: 's3.example.com' })).toBe(
      'DREAMGATE_S3_ENDPOINT: "s3.example.com" is neither "aws" nor an http(s) URL',
    );
  });
});
