import { InvalidInput } from '../util/errors.js';
import { appliedChanges, type Change } from './changeSet.js';
import type { StoreLimits } from './limits.js';
import { describeConflict, type MergeConflict } from './merge.js';
import { MemoryStore } from './store.js';

/** The live store no longer matches what a change set was made from (where known, the lines both edited). */
export class LiveStoreChanged extends Error {
  override readonly name = 'LiveStoreChanged';
  readonly paths: string[];
  readonly conflicts: MergeConflict[];
  constructor(at: readonly (string | MergeConflict)[]) {
    const where = at.map((x) => (typeof x === 'string' ? JSON.stringify(x) : describeConflict(x)));
    super(`the live store changed since the snapshot at ${where.join(', ')}`);
    this.paths = at.map((x) => (typeof x === 'string' ? x : x.path));
    this.conflicts = at.map((x) => (typeof x === 'string' ? { path: x, lines: [] } : x));
  }
}

/** Paths whose current content does not match the change's `before_sha256` (or that exist for a create). */
export function staleChanges(store: MemoryStore, changes: readonly Change[]): string[] {
  const stale: string[] = [];
  for (const c of appliedChanges(changes)) {
    const current = store.fileHash(c.path);
    if (c.op === 'create' ? current !== undefined : current !== c.before_sha256) stale.push(c.path);
    if (c.op === 'rename' && c.new_path && store.get(c.new_path) !== undefined) stale.push(c.new_path);
  }
  return stale;
}

/**
 * Applies a change set's applied tier to a store in memory, after the before_sha256 checks. Pure: no I/O.
 * A suggested change applies only once accepted (`acceptSuggestions` makes it part of the applied tier).
 */
export function applyChanges(
  store: MemoryStore,
  cs: { changes: readonly Change[] },
  limits: StoreLimits = store.limits,
): MemoryStore {
  const changes = appliedChanges(cs.changes);
  for (const c of changes)
    for (const p of [c.path, c.new_path].filter((x): x is string => x !== undefined))
      if (store.skipped.has(p))
        throw new InvalidInput(
          `change set writes ${JSON.stringify(p)}, a file the dream skipped (${store.skipped.get(p)!.reason})`,
        );
  const stale = staleChanges(store, changes);
  if (stale.length > 0) throw new LiveStoreChanged(stale);
  const files = new Map(store.files);
  for (const c of changes) {
    switch (c.op) {
      case 'create':
      case 'update':
        files.set(c.path, c.after!);
        break;
      case 'delete':
        files.delete(c.path);
        break;
      case 'rename': {
        const content = files.get(c.path)!;
        files.delete(c.path);
        files.set(c.new_path!, c.after ?? content);
        break;
      }
    }
  }
  return MemoryStore.from(files, limits, 'result of the change set', store.skipped);
}

/** Refuses a change set that touches a path twice: each change is checked against the same base. */
export function assertDistinctPaths(changes: readonly Change[]): void {
  const seen = new Set<string>();
  for (const c of appliedChanges(changes)) {
    for (const p of [c.path, c.new_path].filter((x): x is string => Boolean(x))) {
      if (seen.has(p)) throw new InvalidInput(`change set touches ${JSON.stringify(p)} more than once`);
      seen.add(p);
    }
  }
}

/**
 * What every adapter checks before it writes anything: one change per path, each `before_sha256` still
 * true of the live store, and a result that keeps SPEC §1. Throws LiveStoreChanged or InvalidInput.
 */
export function assertApplicable(live: MemoryStore, changes: readonly Change[], limits: StoreLimits): void {
  assertDistinctPaths(changes);
  const stale = staleChanges(live, changes);
  if (stale.length > 0) throw new LiveStoreChanged(stale);
  applyChanges(live, { changes }, limits);
}
