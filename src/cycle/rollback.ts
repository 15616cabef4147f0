import { applyChanges } from '../memory/apply.js';
import type { Change } from '../memory/changeSet.js';
import type { MemoryStore } from '../memory/store.js';

export interface RollbackPlan {
  /** The writes that put each touched path back to its snapshot content. */
  inverse: Change[];
  /** Paths the agent wrote since the promotion: left as the agent left them. */
  keptAgentWrites: string[];
}

/**
 * Undoes a promotion path by path: each path the change set touched goes back to its snapshot content,
 * unless the agent has written it since (then the agent's write stays, and is reported). A path already
 * back to its snapshot content is skipped, so a retried rollback is a no-op.
 */
export function planRollback(snapshot: MemoryStore, live: MemoryStore, changes: readonly Change[]): RollbackPlan {
  const promoted = applyChanges(snapshot, { changes });
  const inverse: Change[] = [];
  const keptAgentWrites: string[] = [];
  const undo = { reason: 'reorganize', detail: 'rollback', evidence: [] } as const;
  for (const p of new Set(changes.flatMap((c) => [c.path, ...(c.new_path ? [c.new_path] : [])]))) {
    const original = snapshot.get(p);
    const current = live.get(p);
    if (current === original) continue;
    if (current !== promoted.get(p)) {
      keptAgentWrites.push(p);
      continue;
    }
    if (original === undefined)
      inverse.push({ op: 'delete', path: p, before_sha256: live.fileHash(p)!, ...undo, evidence: [] });
    else if (current === undefined) inverse.push({ op: 'create', path: p, after: original, ...undo, evidence: [] });
    else
      inverse.push({ op: 'update', path: p, before_sha256: live.fileHash(p)!, after: original, ...undo, evidence: [] });
  }
  return { inverse, keptAgentWrites };
}
