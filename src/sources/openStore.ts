import type Anthropic from '@anthropic-ai/sdk';
import type { S3Client } from '@aws-sdk/client-s3';
import { resolve } from 'node:path';
import { InvalidInput } from '../util/errors.js';
import type { StoreAdapter } from '../memory/adapter.js';
import { ClaudeCodeStore } from '../claudeCode/store.js';
import { defaultLimits, type StoreLimits } from '../memory/limits.js';
import { LocalDirStore } from '../memory/localDir.js';
import { ManagedStore } from '../memory/managedStore.js';
import { S3PrefixStore } from '../memory/s3Prefix.js';

/**
 * Opens a store by its location: a directory path, `s3://bucket/prefix/`, `anthropic:<memory_store_id>` or
 * `claude-code:<project dir>` (a Claude Code project's auto memory; or the memory directory itself).
 */
export function openStore(
  location: string,
  deps: { s3?: S3Client; claude?: () => Anthropic; limits?: StoreLimits } = {},
): StoreAdapter {
  const limits = deps.limits ?? defaultLimits;
  if (location.startsWith('anthropic:')) {
    if (!deps.claude) throw new InvalidInput(`store ${location}: a Managed Agents store needs ANTHROPIC_API_KEY`);
    return new ManagedStore(deps.claude(), location.slice('anthropic:'.length), limits);
  }
  if (location.startsWith('claude-code:')) {
    const dir = location.slice('claude-code:'.length);
    if (dir === '') throw new InvalidInput(`store ${location}: nothing after "claude-code:"`);
    return new ClaudeCodeStore(dir, limits);
  }
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(location);
  if (m) {
    if (!deps.s3) throw new InvalidInput(`store ${location}: an S3 store needs S3 settings`);
    return new S3PrefixStore(deps.s3, m[1]!, m[2]!, limits);
  }
  if (/^[a-z][a-z0-9+.-]+:/i.test(location))
    throw new InvalidInput(
      `store ${JSON.stringify(location)}: unknown kind (expected a directory, s3://bucket/prefix/, anthropic:<memory_store_id> or claude-code:<project dir>)`,
    );
  return new LocalDirStore(resolve(location), limits);
}
