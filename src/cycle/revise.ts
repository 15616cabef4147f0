import { tierOf, type Change, type ChangeSet } from '../memory/changeSet.js';
import { applyChanges } from '../memory/apply.js';
import { acceptSuggestions } from '../dream/tiers.js';
import type { MemoryStore } from '../memory/store.js';
import { InvalidInput } from '../util/errors.js';

/** What a reviewer changed about a change set before approving it. */
export interface Revision {
  /** Keep only these paths. */
  onlyPaths?: string[];
  /** The reviewer's own contents, by path. */
  edited?: Record<string, string>;
  /** Quarantined sessions whose memory lines go back in. */
  restoredSessions?: string[];
  /** Suggestions accepted, by number: merged into what is left of the applied tier. */
  acceptedSuggestions?: number[];
}

/**
 * The lines held or quarantined sessions wrote, put back: appended to their files where the dream's version
 * no longer has them. A session with nothing held or quarantined in this change set is refused by name.
 */
export function restoredContents(
  cs: ChangeSet,
  candidate: MemoryStore,
  sessions: readonly string[],
): Record<string, string> {
  const out: Record<string, string> = {};
  const taken = new Set([...cs.quarantined.map((q) => q.session_id), ...cs.held.map((h) => h.session_id)]);
  for (const id of sessions) {
    if (!taken.has(id))
      throw new InvalidInput(
        `--restore ${id}: nothing held or quarantined from it in this change set (sessions: ${[...taken].join(', ') || 'none'})`,
      );
    const lines = [
      ...cs.held.filter((h) => h.session_id === id),
      ...(cs.quarantined.find((x) => x.session_id === id)?.removed_lines ?? []),
    ];
    for (const { path, line, ...h } of lines) {
      const current = out[path] ?? candidate.get(path) ?? '';
      const kept = 'kept' in h ? h.kept : undefined;
      const at = typeof kept === 'string' ? current.split('\n').indexOf(kept) : -1;
      // a line held in part goes back whole where its other sentences stayed
      if (at !== -1) out[path] = current.split('\n').with(at, line).join('\n');
      if (at !== -1 || current.split('\n').includes(line)) continue;
      out[path] = `${current}${current === '' || current.endsWith('\n') ? '' : '\n'}${line}\n`;
    }
  }
  return out;
}

/**
 * The change set a reviewer approved: its applied tier narrowed to `onlyPaths`, the accepted suggestions
 * merged into what is left (`acceptSuggestions`: the one numbering `review` prints), then each edited (or
 * restored) file as the reviewer wrote it, an update of the snapshot's file or a new file. Suggestions not
 * accepted stay suggestions, which no promotion writes. Everything is evaluated again before promotion.
 */
export function reviseChanges(cs: ChangeSet, snapshot: MemoryStore, r: Revision): Change[] {
  let changes: Change[] = cs.changes;
  if (r.onlyPaths) {
    const unknown = r.onlyPaths.filter((p) => !changes.some((c) => c.path === p));
    if (unknown.length > 0) throw new InvalidInput(`--only ${unknown.join(', ')}: not in the change set`);
    // `--only` narrows the applied tier; suggestions are taken or left by `--accept`
    changes = changes.filter((c) => tierOf(c) === 'suggested' || r.onlyPaths!.includes(c.path));
  }
  if (r.acceptedSuggestions?.length)
    changes = acceptSuggestions({ ...cs, changes }, snapshot, r.acceptedSuggestions).changeSet.changes;
  const restored = r.restoredSessions?.length
    ? restoredContents(cs, applyChanges(snapshot, { changes }), r.restoredSessions)
    : {};
  const both = Object.keys(r.edited ?? {}).filter((p) => p in restored);
  if (both.length > 0)
    throw new InvalidInput(
      `--edit ${both[0]} and --restore both change ${both[0]}: put the restored lines in your edit instead`,
    );
  for (const [path, content] of Object.entries({ ...restored, ...r.edited })) {
    const i = changes.findIndex((c) => c.path === path && tierOf(c) === 'applied');
    const was = changes[i];
    const before = snapshot.fileHash(path);
    const change: Change = before
      ? {
          op: 'update',
          path,
          before_sha256: before,
          after: content,
          reason: was?.reason ?? 'reorganize',
          detail: `${path in restored ? 'held lines restored by the reviewer' : 'edited by the reviewer'}${was ? `; was: ${was.detail}` : ''}`,
          evidence: was?.evidence ?? [],
        }
      : {
          op: 'create',
          path,
          after: content,
          reason: was?.reason ?? 'reorganize',
          detail: path in restored ? 'held lines restored by the reviewer' : 'written by the reviewer',
          evidence: [],
        };
    changes = i === -1 ? [...changes, change] : changes.map((c, j) => (j === i ? change : c));
  }
  return changes;
}
