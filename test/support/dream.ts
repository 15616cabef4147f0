import { HeuristicDreamer } from '../../src/dream/heuristic.js';
import { runDream } from '../../src/dream/run.js';
import { acceptSuggestions } from '../../src/dream/tiers.js';
import { MemoryStore } from '../../src/memory/store.js';
import { selectSessions } from '../../src/sources/sessions.js';
import { SessionBuilder, writeSessions } from './sessions.js';

/**
 * The offline dreamer over a store and sessions written for a test, as `dreamgate dream` runs it; `accepted()` is
 * the store a reviewer who accepts every suggestion would get.
 */
export async function heuristicDream(agentId: string, store: Record<string, string>, sessions: SessionBuilder[] = []) {
  const root = await writeSessions(agentId, sessions);
  const input = {
    agentId,
    snapshotId: null,
    store: MemoryStore.from(store),
    sessions: await selectSessions(root, agentId),
  };
  const result = await runDream(new HeuristicDreamer(), input);
  return { ...result, accepted: () => acceptSuggestions(result.changeSet, input.store, 'all').candidate };
}

/** A session at `at` that adds `line` below `before` in `path` (memory tool), and the store as it is after it. */
export function sessionAdding(
  store: Record<string, string>,
  id: string,
  at: number,
  where: { path: string; before: string; line: string },
) {
  const { path, before, line } = where;
  const session = new SessionBuilder(id, at).memory('str_replace', path, {
    old_str: before,
    new_str: `${before}\n${line}`,
  });
  return { after: { ...store, [path]: store[path]!.replace(before, `${before}\n${line}`) }, session };
}
