import { stat } from 'node:fs/promises';
import type { StoreAdapter } from '../memory/adapter.js';
import type { Change, ChangeSet } from '../memory/changeSet.js';
import { resolveClaudeCode, type ClaudeCodeProject, type Env } from './paths.js';
import { indexPath, reconcileIndex } from './memoryIndex.js';
import { withConsolidationLock } from './lock.js';
import { defaultLimits, type StoreLimits } from '../memory/limits.js';
import { LocalDirStore } from '../memory/localDir.js';
import { MemoryStore } from '../memory/store.js';

/**
 * A Claude Code project's auto memory, `claude-code:<project dir>` (or the memory directory itself): the
 * files of its memory directory, with `MEMORY.md` kept in step with the topic files and every write made
 * holding Claude Code's consolidation lock, so dreamgate and Auto Dream never rewrite it at the same time.
 */
export class ClaudeCodeStore implements StoreAdapter {
  readonly index = indexPath;
  #project: Promise<ClaudeCodeProject> | undefined;

  constructor(
    /** The path after `claude-code:`, as configured. */
    readonly given: string,
    private readonly limits: StoreLimits = defaultLimits,
    private readonly env: Env = process.env,
  ) {}

  get location(): string {
    return `claude-code:${this.given}`;
  }

  /** Where the memory lives, resolved once (settings and environment as Claude Code reads them). */
  project(): Promise<ClaudeCodeProject> {
    return (this.#project ??= resolveClaudeCode(this.given, this.env));
  }

  private async dir(): Promise<LocalDirStore> {
    return new LocalDirStore((await this.project()).memoryDir, this.limits);
  }

  /** The memory; none yet (Claude Code makes the directory at its first memory) is an empty store. */
  async read(): Promise<MemoryStore> {
    const dir = await this.dir();
    if (!(await stat(dir.root).catch(() => undefined))) return MemoryStore.empty();
    return dir.read();
  }

  async apply(changes: readonly Change[]): Promise<void> {
    const store = await this.dir();
    await withConsolidationLock(store.root, () => store.apply(changes));
  }

  async replaceAll(store: MemoryStore): Promise<void> {
    const dir = await this.dir();
    await withConsolidationLock(dir.root, () => dir.replaceAll(store));
  }

  /** The index follows the dream: its lines for archived, merged or renamed topic files, and new ones. */
  reconcile(base: MemoryStore, changeSet: ChangeSet): ChangeSet {
    return reconcileIndex(base, changeSet).changeSet;
  }
}
