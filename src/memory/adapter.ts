import { applyChanges } from './apply.js';
import type { Change, ChangeSet } from './changeSet.js';
import type { MemoryStore } from './store.js';

/** Where a live store lives. Every adapter enforces SPEC §1 when it reads and when it writes. */
export interface StoreAdapter {
  /** e.g. `/srv/agents/a/memory` or `s3://bucket/prefix/` */
  readonly location: string;
  read(): Promise<MemoryStore>;
  /**
   * Applies changes after checking each `before_sha256` against the live store; a mismatch throws
   * LiveStoreChanged and writes nothing. Each file is written atomically.
   */
  apply(changes: readonly Change[]): Promise<void>;
  /** Makes the live store equal to `store` (restore, rollback). */
  replaceAll(store: MemoryStore): Promise<void>;
  /**
   * What a store of this kind keeps in step whatever the dreamer did (Claude Code's `MEMORY.md` index), as
   * changes added to the change set, so a reviewer sees them and the gate scores them.
   */
  reconcile?(base: MemoryStore, changeSet: ChangeSet): ChangeSet;
  /** The file `reconcile` maintains (Claude Code's `/MEMORY.md`): merged as a list at promotion, never a conflict. */
  readonly index?: string;
}

/** A dream's result with what the store's kind keeps in step (see `reconcile`) added to change set and candidate. */
export function reconciled<R extends { store: MemoryStore; changeSet: ChangeSet }>(
  adapter: StoreAdapter,
  base: MemoryStore,
  result: R,
): R {
  if (!adapter.reconcile) return result;
  const changeSet = adapter.reconcile(base, result.changeSet);
  return changeSet === result.changeSet ? result : { ...result, changeSet, store: applyChanges(base, changeSet) };
}
