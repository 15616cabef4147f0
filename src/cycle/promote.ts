import { applyChanges, LiveStoreChanged } from '../memory/apply.js';
import { appliedChanges, changeSetSchema, type Change, type ChangeSet } from '../memory/changeSet.js';
import { diffStores } from '../memory/diff.js';
import { mergeChanges } from '../memory/merge.js';
import { MemoryStore } from '../memory/store.js';

export interface PromotionPlan {
  /** The live store after promotion. */
  target: MemoryStore;
  /** The changes still to write, each checked against the live store as it is now. */
  remaining: Change[];
  rebased: boolean;
  agentWrites: string[];
  /** Files the agent and the dream both edited, merged three-way: both edits land. */
  merged: string[];
  /** True when the live store already is the target (a retried promotion that went through). */
  alreadyApplied: boolean;
}

/** What a store's kind keeps in step: its index, recomputed from the topic files (see `StoreAdapter.reconcile`). */
export interface StoreKind {
  index?: string;
  reconcile?(base: MemoryStore, changeSet: ChangeSet): ChangeSet;
}

const pathsOf = (c: Change) => [c.path, ...(c.new_path ? [c.new_path] : [])];

/**
 * Plans the promotion of a change set made from `snapshot` onto `live`. The agent's writes since the
 * snapshot are never lost: other files are kept as the agent left them, a file both edited is merged
 * three-way, the store's index is recomputed from the merged topic files, and only edits of the same lines
 * are a conflict (`LiveStoreChanged`, naming them). A path that already holds its target content was written
 * by an earlier attempt of this promotion (a worker or the store died half-way): the promotion resumes.
 */
export function planPromotion(
  snapshot: MemoryStore,
  live: MemoryStore,
  changes: readonly Change[],
  kind: StoreKind = {},
): PromotionPlan {
  const target = applyChanges(snapshot, { changes });
  // a suggestion is promoted only once accepted (then it is part of the applied tier)
  const applied = appliedChanges(changes);
  const touched = new Set(applied.flatMap(pathsOf));
  const done = (p: string) => live.get(p) === target.get(p);
  const agentWrites = diffStores(snapshot, live)
    .map((c) => c.path)
    .filter((p) => !(touched.has(p) && done(p)));
  const pending = applied.filter((c) => !pathsOf(c).every(done));
  const m = mergeChanges(snapshot, live, pending, kind.index);
  if (m.conflicts.length > 0) throw new LiveStoreChanged(m.conflicts);
  let remaining = m.changes;
  if (kind.reconcile && agentWrites.length > 0 && remaining.length > 0) {
    const rebased = {
      agent_id: 'live',
      dreamer: 'merge',
      base: { snapshot: null, sha256: live.hash() },
      changes: remaining,
    };
    remaining = kind.reconcile(live, changeSetSchema.parse(rebased)).changes;
  }
  return {
    target: applyChanges(live, { changes: remaining }),
    remaining,
    rebased: agentWrites.length > 0,
    agentWrites,
    merged: m.merged.filter((p) => agentWrites.includes(p)),
    alreadyApplied: remaining.length === 0,
  };
}

/**
 * A promotion as written, kept beside the cycle before it writes: a retried attempt writes the same merge, and
 * verification and rollback compare with what was written (merged files differ from the change set's).
 */
export interface WrittenPromotion {
  changeSetId: string;
  changes: Change[];
  /** What each path the changes touch held before, in the live store (absent: no such file). */
  before: Record<string, string>;
  agentWrites: string[];
  merged: string[];
  expectedSha256: string;
}

export function writtenPromotion(changeSetId: string, live: MemoryStore, plan: PromotionPlan): WrittenPromotion {
  const before: Record<string, string> = {};
  for (const p of plan.remaining.flatMap(pathsOf)) {
    const text = live.get(p);
    if (text !== undefined) before[p] = text;
  }
  return {
    changeSetId,
    changes: plan.remaining,
    before,
    agentWrites: plan.agentWrites,
    merged: plan.merged,
    expectedSha256: plan.target.hash(),
  };
}

/** The paths a written promotion touched, as they were before it and as it wrote them. */
export function promotionSides(w: WrittenPromotion): { before: MemoryStore; after: MemoryStore; paths: string[] } {
  const before = MemoryStore.from(w.before);
  return { before, after: applyChanges(before, w), paths: [...new Set(w.changes.flatMap(pathsOf))] };
}
