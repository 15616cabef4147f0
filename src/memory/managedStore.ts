import type Anthropic from '@anthropic-ai/sdk';
import { ClaudeApiError, callClaude } from '../anthropic/errors.js';
import { mapLimit } from '../util/concurrency.js';
import { InvalidInput } from '../util/errors.js';
import type { StoreAdapter } from './adapter.js';
import { LiveStoreChanged, assertApplicable } from './apply.js';
import { appliedChanges, type Change } from './changeSet.js';
import { diffStores } from './diff.js';
import { defaultLimits, type StoreLimits } from './limits.js';
import { assertPath } from './paths.js';
import { MemoryStore, sha256 } from './store.js';

interface Entry {
  id: string;
  sha: string;
}

/**
 * A Claude Managed Agents memory store, `anthropic:<memory_store_id>`, through `beta.memoryStores.memories`.
 * Every update and delete carries the `content_sha256` the change was made from, so a write by the agent
 * during a dream fails the precondition and surfaces as LiveStoreChanged instead of being overwritten.
 */
export class ManagedStore implements StoreAdapter {
  constructor(
    private readonly client: Anthropic,
    readonly storeId: string,
    private readonly limits: StoreLimits = defaultLimits,
  ) {
    if (!/^[A-Za-z0-9_-]{1,128}$/.test(storeId))
      throw new InvalidInput(
        `store anthropic:${storeId}: not a memory store id (expected e.g. anthropic:memstore_01…)`,
      );
  }

  get location(): string {
    return `anthropic:${this.storeId}`;
  }

  private async readWithIds(): Promise<{ store: MemoryStore; ids: Map<string, Entry> }> {
    const ids = new Map<string, Entry>();
    const files = new Map<string, string>();
    const missing: string[] = [];
    await callClaude(`list ${this.location}`, async () => {
      for await (const item of this.client.beta.memoryStores.memories.list(this.storeId, {
        view: 'full',
        limit: 100,
      })) {
        if (item.type !== 'memory') continue;
        assertPath(item.path, this.location);
        if (item.content_size_bytes > this.limits.maxFileBytes)
          throw new InvalidInput(
            `memory ${item.path} is ${item.content_size_bytes} bytes, more than the limit of ${this.limits.maxFileBytes} (${this.location})`,
          );
        ids.set(item.path, { id: item.id, sha: item.content_sha256 });
        if (typeof item.content === 'string') files.set(item.path, item.content);
        else missing.push(item.path);
      }
    });
    await mapLimit(missing, 8, async (path) => {
      const m = await callClaude(`read ${this.location}${path}`, () =>
        this.client.beta.memoryStores.memories.retrieve(ids.get(path)!.id, {
          memory_store_id: this.storeId,
          view: 'full',
        }),
      );
      files.set(path, m.content ?? '');
    });
    for (const [path, content] of files)
      if (sha256(content) !== ids.get(path)!.sha)
        throw new Error(`${this.location}${path}: content does not match its content_sha256 (read again)`);
    return { store: MemoryStore.from(files, this.limits, this.location), ids };
  }

  async read(): Promise<MemoryStore> {
    return (await this.readWithIds()).store;
  }

  async apply(changes: readonly Change[]): Promise<void> {
    const { store: live, ids } = await this.readWithIds();
    // refuses a stale or invalid change set before anything is written
    assertApplicable(live, changes, this.limits);
    const memories = this.client.beta.memoryStores.memories;
    for (const c of appliedChanges(changes)) {
      const entry = ids.get(c.path);
      try {
        await callClaude(`${c.op} ${this.location}${c.path}`, async () => {
          if (c.op === 'create') await memories.create(this.storeId, { path: c.path, content: c.after! });
          else if (c.op === 'delete')
            await memories.delete(entry!.id, {
              memory_store_id: this.storeId,
              expected_content_sha256: c.before_sha256!,
            });
          else
            await memories.update(entry!.id, {
              memory_store_id: this.storeId,
              ...(c.op === 'rename' ? { path: c.new_path! } : {}),
              ...(c.after !== undefined ? { content: c.after } : {}),
              precondition: { type: 'content_sha256', content_sha256: c.before_sha256! },
            });
        });
      } catch (err) {
        // a failed precondition, or a path the agent created meanwhile: the live store moved under us
        if (err instanceof ClaudeApiError && (err.status === 409 || err.status === 412))
          throw new LiveStoreChanged([c.op === 'rename' ? c.new_path! : c.path]);
        throw err;
      }
    }
  }

  async replaceAll(store: MemoryStore): Promise<void> {
    const live = await this.read();
    const changes = diffStores(live, store, () => ({ reason: 'reorganize', detail: 'restore', evidence: [] }));
    await this.apply(changes);
  }

  /** Archives this store (a dream's output store, once copied into a candidate). */
  async archive(): Promise<void> {
    await callClaude(`archive ${this.location}`, () => this.client.beta.memoryStores.archive(this.storeId));
  }
}
