import { changeSetSchema, type ChangeSet } from '../memory/changeSet.js';
import { diffStores } from '../memory/diff.js';
import { MemoryStore } from '../memory/store.js';
import type { DreamInput, DreamResult, Dreamer } from './dreamer.js';
import { refusedPaths } from './guard.js';
import { prepare } from './prepare.js';
import { normalizeLine } from './text.js';

/**
 * One dream: screen and redact, let the dreamer consolidate, refuse what must never become memory, and
 * describe the result as a change set against the input store.
 */
export async function runDream(dreamer: Dreamer, input: DreamInput, signal?: AbortSignal): Promise<DreamResult> {
  const prepared = prepare(input);
  const consolidation = await dreamer.consolidate(prepared, signal);
  let candidate = consolidation.store;

  const refused = [...refusedPaths(prepared.store, candidate), ...reAddedQuarantine(prepared, candidate)];
  if (refused.length > 0) {
    const files = new Map(candidate.files);
    for (const { path } of refused) {
      const safe = prepared.store.get(path);
      if (safe === undefined) files.delete(path);
      else files.set(path, safe);
    }
    candidate = MemoryStore.from(files);
  }

  const changes = diffStores(
    input.store,
    candidate,
    (path) =>
      prepared.ledger.explain(path) ?? { reason: 'reorganize', detail: `edited by the ${dreamer.name} dreamer` },
  );
  const changeSet: ChangeSet = changeSetSchema.parse({
    agent_id: input.agentId,
    dreamer: dreamer.name,
    base: { snapshot: input.snapshotId, sha256: input.store.hash() },
    changes,
    quarantined: prepared.quarantined,
    redactions: prepared.redactions,
    refused,
    ...(consolidation.dropped?.length ? { dropped: consolidation.dropped } : {}),
    ...(consolidation.usage ? { usage: consolidation.usage } : {}),
    sessions: { used: prepared.sessions.map((s) => s.sessionId), invalid: input.sessions.invalid },
  });
  return { store: candidate, changeSet };
}

/**
 * A dreamer must not put back what screening took out: a line a quarantined session wrote, even with a
 * new bullet or wrapped in other words.
 */
function reAddedQuarantine(
  prepared: { store: MemoryStore; quarantined: { session_id: string; removed_lines: { line: string }[] }[] },
  candidate: MemoryStore,
): { path: string; reason: string }[] {
  const removed = new Map<string, string>();
  for (const q of prepared.quarantined)
    for (const r of q.removed_lines) {
      const n = normalizeLine(r.line);
      if (n.length >= 12) removed.set(n, q.session_id);
    }
  if (removed.size === 0) return [];
  const out: { path: string; reason: string }[] = [];
  for (const [path, content] of candidate.files) {
    if (prepared.store.get(path) === content) continue;
    const before = new Set((prepared.store.get(path) ?? '').split('\n').map(normalizeLine));
    for (const line of content.split('\n')) {
      const n = normalizeLine(line);
      if (before.has(n)) continue;
      const hit = [...removed].find(([r]) => n.includes(r));
      if (hit) {
        out.push({ path, reason: `re-adds a line of quarantined session ${hit[1]}` });
        break;
      }
    }
  }
  return out;
}
