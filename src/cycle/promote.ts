import { applyChanges, LiveStoreChanged } from '../memory/apply.js';
import type { Change } from '../memory/changeSet.js';
import { diffStores } from '../memory/diff.js';
import type { MemoryStore } from '../memory/store.js';

export interface PromotionPlan {
  /** The live store after promotion. */
  target: MemoryStore;
  rebased: boolean;
  agentWrites: string[];
  /** True when the live store already is the target (a retried promotion). */
  alreadyApplied: boolean;
}

/**
 * Plans the promotion of a change set made from `snapshot` onto `live`. The agent's writes since the
 * snapshot are never lost: disjoint ones are kept (a rebase); overlapping ones make it a conflict.
 */
export function planPromotion(snapshot: MemoryStore, live: MemoryStore, changes: readonly Change[]): PromotionPlan {
  const agentWrites = diffStores(snapshot, live).map((c) => c.path);
  const touched = new Set(changes.flatMap((c) => [c.path, ...(c.new_path ? [c.new_path] : [])]));
  const target = applyChanges(snapshot, { changes });
  // a retry after a promotion that went through: every touched path already holds its target content
  const alreadyApplied = [...touched].every((p) => live.get(p) === target.get(p));
  if (alreadyApplied) {
    const rebasedTarget = applyChanges(live, { changes: [] });
    return {
      target: rebasedTarget,
      rebased: agentWrites.some((p) => !touched.has(p)),
      agentWrites: agentWrites.filter((p) => !touched.has(p)),
      alreadyApplied: true,
    };
  }
  const overlap = agentWrites.filter((p) => touched.has(p));
  if (overlap.length > 0) throw new LiveStoreChanged(overlap);
  return {
    target: applyChanges(live, { changes }),
    rebased: agentWrites.length > 0,
    agentWrites,
    alreadyApplied: false,
  };
}
