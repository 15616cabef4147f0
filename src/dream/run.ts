import { changeSetSchema, type ChangeSet } from '../memory/changeSet.js';
import { diffStores } from '../memory/diff.js';
import { MemoryStore } from '../memory/store.js';
import type { DreamInput, DreamResult, Dreamer } from './dreamer.js';
import { refusedPaths } from './guard.js';
import { prepare } from './prepare.js';

/**
 * One dream: screen and redact, let the dreamer consolidate, refuse what must never become memory, and
 * describe the result as a change set against the input store.
 */
export async function runDream(dreamer: Dreamer, input: DreamInput, signal?: AbortSignal): Promise<DreamResult> {
  const prepared = prepare(input);
  let candidate = await dreamer.consolidate(prepared, signal);

  const refused = refusedPaths(prepared.store, candidate);
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
    sessions: { used: prepared.sessions.map((s) => s.sessionId), invalid: input.sessions.invalid },
  });
  return { store: candidate, changeSet };
}
