import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { agentById, loadFleetConfig, type AgentConfig, type FleetConfig } from '../src/config/fleet.js';
import { loadStackConfig, type StackConfig } from '../src/config/stack.js';
import { teamId } from '../src/config/scope.js';
import { createS3Client } from '../src/s3/client.js';
import { RedactionIndex } from '../src/snapshots/redact.js';
import { SnapshotStore } from '../src/snapshots/snapshots.js';
import { storageSettings, type StorageSettings } from '../src/config/storage.js';
import { InvalidInput } from '../src/util/errors.js';
import type { AuditKey } from '../src/cycle/workerKey.js';
import { connectClient, type DreamgateClient } from './client.js';
import { auditKeys } from './keys.js';

export interface CommonOptions {
  fleet?: string;
  stack?: string;
  json?: boolean;
}

export const defaultFleetFile = 'dreamgate.yml';

/** What a cycle command needs: the fleet, Temporal and S3. Opened lazily, closed once. */
export class Context {
  private clientP?: Promise<DreamgateClient>;
  private s3c?: S3Client;
  private keys?: AuditKey[];
  private constructor(
    readonly stack: StackConfig,
    readonly fleet: FleetConfig,
    readonly storage: StorageSettings,
  ) {}

  static async open(opts: CommonOptions): Promise<Context> {
    const stack = await loadStackConfig(opts.stack);
    const storage = storageSettings(stack);
    const named = opts.fleet ?? (process.env.DREAMGATE_FLEET || undefined);
    const file = resolve(named ?? defaultFleetFile);
    if (named === undefined && !existsSync(file)) {
      // nothing to read here: a Temporal that cannot be reached is the first thing to fix, so say that first
      await (await connectClient(stack)).close();
      throw new InvalidInput(`no fleet config: ${file} does not exist; pass --fleet <file> or set DREAMGATE_FLEET`);
    }
    // no store may lie in dreamgate's own buckets, nor where the local gateway keeps them
    const fleet = await loadFleetConfig(file, {
      buckets: [storage.snapshotsBucket, storage.auditBucket],
      dirs: [stack.stateDir],
    });
    return new Context(stack, fleet, storage);
  }

  agent(id: string): AgentConfig {
    return agentById(this.fleet, id);
  }

  /** An agent of the fleet, or its team store (`@team`). */
  agentOrTeam(id: string): AgentConfig {
    if (id !== teamId) return this.agent(id);
    if (!this.fleet.team) throw new InvalidInput(`fleet ${this.fleet.fleet} has no team store`);
    return this.fleet.team;
  }

  client(): Promise<DreamgateClient> {
    return (this.clientP ??= connectClient(this.stack));
  }

  get s3(): S3Client {
    return (this.s3c ??= createS3Client(this.storage));
  }

  /** The workers' public keys (DREAMGATE_AUDIT_KEY, or the local stack's): what audit signatures are checked with. */
  async auditKeys(): Promise<AuditKey[]> {
    return (this.keys ??= await auditKeys(this.stack, this.storage));
  }

  /**
   * An agent's snapshots (or candidates); a snapshot `dreamgate redact` rewrote is restored through its markers,
   * each signed by a worker.
   */
  async snapshotStore(series: 'snapshot' | 'candidate' = 'snapshot'): Promise<SnapshotStore> {
    const keys = await this.auditKeys().catch(() => []);
    return new SnapshotStore(
      this.s3,
      this.storage.snapshotsBucket,
      series,
      new RedactionIndex(this.s3, this.storage.auditBucket, () => keys),
    );
  }

  async close(): Promise<void> {
    if (this.clientP) await (await this.clientP).close();
    this.s3c?.destroy();
  }
}

export async function withContext<T>(opts: CommonOptions, fn: (ctx: Context) => Promise<T>): Promise<T> {
  const ctx = await Context.open(opts);
  try {
    return await fn(ctx);
  } finally {
    await ctx.close();
  }
}

/** Who is signing an approval: --as, $DREAMGATE_REVIEWER, or the login name. */
export function reviewerName(as?: string): string {
  return as ?? process.env.DREAMGATE_REVIEWER ?? userInfo().username;
}
