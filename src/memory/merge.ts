import { diff3Merge } from 'node-diff3';
import type { Change } from './changeSet.js';
import type { MemoryStore } from './store.js';

/** Lines of the live file (1-based, inclusive) that both the agent and the dream edited. */
export interface LineRange {
  from: number;
  to: number;
}

/** A file both sides edited in the same place: nothing of it can be merged without a choice. */
export interface MergeConflict {
  path: string;
  /** The agent's lines the dream also edits; empty when the whole file is at stake (deleted, renamed, created). */
  lines: LineRange[];
}

export type TextMerge = { ok: true; text: string } | { ok: false; lines: LineRange[] };

/**
 * Three-way merge of one text file, line by line (`git merge-file` semantics, with node-diff3): the agent's
 * and the dream's edits of a snapshot both land unless they touch the same lines; identical edits are one.
 * Where they collide, the lines of the agent's version at stake are returned.
 */
export function mergeText(base: string, agent: string, dream: string): TextMerge {
  if (agent === dream || dream === base) return { ok: true, text: agent };
  if (agent === base) return { ok: true, text: dream };
  const regions = diff3Merge(split(agent), split(base), split(dream), { excludeFalseConflicts: true });
  const out: string[] = [];
  const lines: LineRange[] = [];
  for (const r of regions) {
    if (r.ok) out.push(...r.ok);
    else {
      const from = r.conflict!.aIndex + 1;
      lines.push({ from, to: Math.max(from, r.conflict!.aIndex + r.conflict!.a.length) });
    }
  }
  return lines.length > 0 ? { ok: false, lines } : { ok: true, text: out.join('\n') };
}

/** Lines without their ends: a final line end is an empty last line, so a file with or without one merges as it is. */
const split = (text: string): string[] => text.split('\n');

/**
 * An index both sides edited (a list of links, such as Claude Code's `MEMORY.md`): merged line by line, and
 * where both inserted or edited at one place, the agent's lines first, then the dream's new ones. What the
 * index lists is then recomputed from the merged topic files by the store's kind.
 */
export function mergeIndex(base: string, agent: string, dream: string): string {
  const merged = mergeText(base, agent, dream);
  if (merged.ok) return merged.text;
  const regions = diff3Merge(split(agent), split(base), split(dream), { excludeFalseConflicts: true });
  const out: string[] = [];
  for (const r of regions) {
    if (r.ok) out.push(...r.ok);
    else {
      const c = r.conflict!;
      const old = new Set(c.o);
      out.push(...c.a, ...c.b.filter((l) => !old.has(l) && !c.a.includes(l)));
    }
  }
  return out.join('\n');
}

export interface MergedChanges {
  /** The changes to write, each checked against the live store as it is now. */
  changes: Change[];
  /** Paths merged three-way: the agent's edits and the dream's both landed. */
  merged: string[];
  conflicts: MergeConflict[];
}

const pathsOf = (c: Change) => [c.path, ...(c.new_path ? [c.new_path] : [])];

/**
 * Rebases a change set made from `snapshot` onto `live`, file by file: a change to a file the agent left alone
 * is kept as it is; a file both edited is merged three-way; the maintained index (`index`) is merged as a list
 * (its entries are recomputed afterwards); anything else the agent touched too (a delete, a rename, a create
 * of the same path) is a conflict. Pure: no I/O.
 */
export function mergeChanges(
  snapshot: MemoryStore,
  live: MemoryStore,
  changes: readonly Change[],
  index?: string,
): MergedChanges {
  const touchedByAgent = (p: string) => snapshot.get(p) !== live.get(p);
  const out: Change[] = [];
  const merged: string[] = [];
  const conflicts: MergeConflict[] = [];
  for (const c of changes) {
    if (!pathsOf(c).some(touchedByAgent)) {
      out.push(c);
      continue;
    }
    const now = live.get(c.path);
    const wanted = c.op === 'delete' ? undefined : c.after;
    if (c.op !== 'rename' && now === wanted) continue; // both made the same edit
    if ((c.op === 'update' || c.op === 'create') && now !== undefined) {
      const base = snapshot.get(c.path) ?? '';
      const text = c.path === index ? okText(mergeIndex(base, now, c.after!)) : mergeText(base, now, c.after!);
      if (text.ok) {
        merged.push(c.path);
        out.push({ ...c, op: 'update', before_sha256: live.fileHash(c.path)!, after: text.text });
        continue;
      }
      conflicts.push({ path: c.path, lines: text.lines });
      continue;
    }
    // a delete or rename of a file the agent edited, an edit of one it deleted: the whole file is at stake
    conflicts.push({ path: pathsOf(c).find(touchedByAgent)!, lines: [] });
  }
  return { changes: out, merged, conflicts };
}

const okText = (text: string): TextMerge => ({ ok: true, text });

/** `"/a.md" (lines 3–4)`, for a conflict's message. */
export function describeConflict(c: MergeConflict): string {
  const lines = c.lines.map((r) => (r.from === r.to ? `${r.from}` : `${r.from}–${r.to}`));
  return `${JSON.stringify(c.path)}${lines.length ? ` (line${lines.length > 1 || lines[0]!.includes('–') ? 's' : ''} ${lines.join(', ')})` : ''}`;
}
