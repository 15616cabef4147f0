import { inject } from 'vitest';
import type { S3Client } from '@aws-sdk/client-s3';
import { loadStackConfig, type StackConfig } from '../../src/config/stack.js';
import { createS3Client } from '../../src/s3/client.js';
import { storageSettings, type StorageSettings } from '../../src/config/storage.js';

export interface TestStorage {
  cfg: StackConfig;
  storage: StorageSettings;
  s3: S3Client;
}

/** The real local S3 server of the stack globalSetup brought up. */
export async function testStorage(): Promise<TestStorage> {
  const cfg = await loadStackConfig();
  const storage = storageSettings(cfg);
  return { cfg, storage, s3: createS3Client(storage) };
}

/** A name no earlier run used, so tests on the shared servers never see each other's objects. */
export const unique = (prefix: string) =>
  `${prefix}-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;

/** Worker options for tests: the workflow bundle globalSetup built once. */
export function bundled(): { workflowBundle: { codePath: string } } {
  return { workflowBundle: { codePath: inject('workflowBundle') } };
}

/** A history as searchable text: every payload's base64 data decoded, so content in it can be found. */
export function historyText(history: unknown): string {
  const parts: string[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (o.metadata && o.data !== undefined) {
        const data = o.data as Uint8Array | string;
        parts.push(
          typeof data === 'string' ? Buffer.from(data, 'base64').toString('utf8') : Buffer.from(data).toString('utf8'),
        );
      }
      Object.values(o).forEach(walk);
    }
  };
  walk(history);
  return parts.join('\n');
}
