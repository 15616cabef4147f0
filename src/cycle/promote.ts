import { applyChanges, LiveStoreChanged } from '../memory/apply.js';
import { appliedChanges, type Change } from '../memory/changeSet.js';
import { diffStores } from '../memory/diff.js';
import type { MemoryStore } from '../memory/store.js';

export interface PromotionPlan {
  /** The live store after promotion. */
  target: MemoryStore;
  /** The changes still to write: those an earlier, interrupted attempt did not already write. */
  remaining: Change[];
  rebased: boolean;
  agentWrites: string[];
  /** True when the live store already is the target (a retried promotion that went through). */
  alreadyApplied: boolean;
}

/**
 * Plans the promotion of a change set made from `snapshot` onto `live`. The agent's writes since the
 * snapshot are never lost: disjoint ones are kept (a rebase); overlapping ones make it a conflict. A path
 * that already holds its target content was written by an earlier attempt of this promotion (a worker or
 * the store died half-way), not by the agent: the promotion resumes with the rest.
 */
export function planPromotion(snapshot: MemoryStore, live: MemoryStore, changes: readonly Change[]): PromotionPlan {
  const target = applyChanges(snapshot, { changes });
  const pathsOf = (c: Change) => [c.path, ...(c.new_path ? [c.new_path] : [])];
  const touched = new Set(appliedChanges(changes).flatMap(pathsOf));
  const done = (p: string) => live.get(p) === target.get(p);
  const agentWrites = diffStores(snapshot, live)
    .map((c) => c.path)
    .filter((p) => !(touched.has(p) && done(p)));
  const overlap = agentWrites.filter((p) => touched.has(p));
  if (overlap.length > 0) throw new LiveStoreChanged(overlap);
  // a suggestion is promoted only once accepted (then it is part of the applied tier)
  const remaining = appliedChanges(changes).filter((c) => !pathsOf(c).every(done));
  return {
    target: applyChanges(live, { changes: remaining }),
    remaining,
    rebased: agentWrites.length > 0,
    agentWrites,
    alreadyApplied: remaining.length === 0,
  };
}
