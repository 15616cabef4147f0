import type { S3Client } from '@aws-sdk/client-s3';
import { resolve } from 'node:path';
import { InvalidInput } from '../util/errors.js';
import type { StoreAdapter } from './adapter.js';
import { defaultLimits, type StoreLimits } from './limits.js';
import { LocalDirStore } from './localDir.js';
import { S3PrefixStore } from './s3Prefix.js';

/** Opens a store by its location: a directory path, or `s3://bucket/prefix/`. */
export function openStore(location: string, deps: { s3?: S3Client; limits?: StoreLimits } = {}): StoreAdapter {
  const limits = deps.limits ?? defaultLimits;
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(location);
  if (m) {
    if (!deps.s3) throw new InvalidInput(`store ${location}: an S3 store needs S3 settings`);
    return new S3PrefixStore(deps.s3, m[1]!, m[2]!, limits);
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(location))
    throw new InvalidInput(
      `store ${JSON.stringify(location)}: unknown kind (expected a directory or s3://bucket/prefix/)`,
    );
  return new LocalDirStore(resolve(location), limits);
}
