/**
 * Confidence tiers (SPEC §4): what a change set promotes when a reviewer accepts some of its suggestions.
 * One pure function serves `dream --accept suggested` and a reviewer's `approve --accept <n>…`.
 */
import { appliedChanges, suggestionsOf, type Change, type ChangeSet, type Move } from '../memory/changeSet.js';
import { applyChanges } from '../memory/apply.js';
import type { MemoryStore } from '../memory/store.js';
import { InvalidInput } from '../util/errors.js';
import { mergeLines } from './merge.js';

export interface Accepted {
  /** The change set to promote: the applied tier with the accepted suggestions merged in, one change per path. */
  changeSet: ChangeSet;
  /** The base store with that change set applied. */
  candidate: MemoryStore;
  /** The suggestions not accepted, by number. */
  left: number[];
}

/** Where each line of one version of a path ended up in the merged path. */
type LineMap = number[];

/**
 * The change set to promote when the suggestions numbered `accepted` (or `'all'`) are accepted: each
 * suggestion's edits are merged into the applied tier's version of its paths, against the base the change
 * set was made from, and every moved line's destination is renumbered as the merged files have it. A number
 * that names no suggestion is invalid input.
 */
export function acceptSuggestions(cs: ChangeSet, base: MemoryStore, accepted: readonly number[] | 'all'): Accepted {
  const suggestions = suggestionsOf(cs);
  const ids = accepted === 'all' ? [...suggestions.keys()] : [...new Set(accepted)];
  const unknown = ids.filter((n) => !suggestions.has(n));
  if (unknown.length > 0)
    throw new InvalidInput(
      `--accept ${unknown.join(' ')}: no such suggestion in this change set (${suggestions.size === 0 ? 'it has none' : `suggestions: ${[...suggestions.keys()].join(', ')}`})`,
    );
  ids.sort((a, b) => a - b);
  const applied = appliedChanges(cs.changes);
  const byPath = new Map(applied.map((c) => [c.path, { ...c, tier: 'applied' as const }]));
  // per path: where the lines of the applied version, and of each accepted suggestion's version, now are
  const maps = new Map<string, Map<number | 'applied', LineMap>>();
  const identity = (text: string) => text.split('\n').map((_, i) => i);
  const contentOf = (path: string) => {
    const c = byPath.get(path);
    return c ? (c.op === 'delete' ? undefined : c.after) : base.get(path);
  };
  for (const n of ids)
    for (const s of suggestions.get(n)!) {
      if (s.op !== 'update' && s.op !== 'create')
        throw new InvalidInput(`suggestion ${n}: a ${s.op} of ${s.path} cannot be merged (only create and update)`);
      const ours = contentOf(s.path);
      const pathMaps = maps.get(s.path) ?? new Map([['applied' as const, identity(ours ?? '')]]);
      const merged = mergeLines((base.get(s.path) ?? '').split('\n'), (ours ?? '').split('\n'), s.after!.split('\n'));
      // a create merged into nothing is the suggestion's file as it is ('' split gives one empty line)
      const lines = ours === undefined && base.get(s.path) === undefined ? s.after!.split('\n') : merged.lines;
      const theirs = ours === undefined && base.get(s.path) === undefined ? identity(s.after!) : merged.theirsAt;
      for (const [k, m] of pathMaps) pathMaps.set(k, ours === undefined ? m : m.map((i) => merged.oursAt[i] ?? -1));
      pathMaps.set(n, theirs);
      maps.set(s.path, pathMaps);
      const was = byPath.get(s.path);
      byPath.set(s.path, {
        ...(was ?? s),
        op: base.get(s.path) === undefined ? 'create' : 'update',
        after: lines.join('\n'),
        tier: 'applied',
        reason: was?.reason ?? s.reason,
        detail: was ? `${was.detail}; accepted suggestion ${n}: ${s.detail}` : `accepted suggestion ${n}: ${s.detail}`,
        evidence: [...(was?.evidence ?? []), ...s.evidence],
        moved: [...(was?.moved ?? []), ...(s.moved ?? []).map((m) => ({ ...m, world: n }))] as Move[],
      });
      delete (byPath.get(s.path) as Partial<Change>).suggestion;
    }
  // a moved line's destination, named as its own version numbered it, renumbered as the merged file has it
  const renumber = (m: Move & { world?: number }): Move => {
    const pathMaps = maps.get(m.to.path);
    const map = pathMaps?.get(m.world ?? 'applied') ?? pathMaps?.get('applied');
    const at = map?.[m.to.line - 1];
    return { from: m.from, to: { ...m.to, line: at === undefined || at < 0 ? m.to.line : at + 1 } };
  };
  const changes = [...byPath.values()]
    .map((c) => (c.moved ? { ...c, moved: c.moved.map(renumber) } : c))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const changeSet: ChangeSet = { ...cs, changes };
  const left = [...suggestions.keys()].filter((n) => !ids.includes(n));
  return { changeSet, candidate: applyChanges(base, changeSet), left };
}
