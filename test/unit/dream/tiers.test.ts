import { describe, expect, it } from 'vitest';
import { mergeLines } from '../../../src/dream/merge.js';
import { acceptSuggestions } from '../../../src/dream/tiers.js';
import { applyChanges } from '../../../src/memory/apply.js';
import type { Change, ChangeSet } from '../../../src/memory/changeSet.js';
import { MemoryStore } from '../../../src/memory/store.js';

const base = MemoryStore.from({
  '/a.md': '# A\n- one\n- one\n- two\n- two\n- three\n',
  '/b.md': '# B\n- x\n',
});
const update = (path: string, after: string, extra: Partial<Change> = {}): Change => ({
  op: base.get(path) === undefined ? 'create' : 'update',
  path,
  ...(base.get(path) === undefined ? {} : { before_sha256: base.fileHash(path)! }),
  after,
  reason: 'duplicate',
  detail: `edit of ${path}`,
  evidence: [],
  ...extra,
});
const changeSet = (changes: Change[]): ChangeSet => ({
  agent_id: 'a',
  dreamer: 'heuristic',
  base: { snapshot: null, sha256: base.hash() },
  changes,
  findings: [],
  quarantined: [],
  held: [],
  skipped: [],
  redactions: [],
  refused: [],
});

// the applied tier takes out the second "one"; two suggestions take out the second "two", and archive "three"
const cs = changeSet([
  update('/a.md', '# A\n- one\n- two\n- two\n- three\n', { tier: 'applied' }),
  update('/a.md', '# A\n- one\n- two\n- three\n', {
    tier: 'suggested',
    suggestion: 1,
    moved: [{ from: { path: '/a.md', section: 'A', line: 5 }, to: { path: '/a.md', section: 'A', line: 3 } }],
  }),
  update('/a.md', '# A\n- one\n- two\n- two\n', {
    tier: 'suggested',
    suggestion: 2,
    reason: 'superseded',
    moved: [{ from: { path: '/a.md', section: 'A', line: 6 }, to: { path: '/archive/a.md', section: 'A', line: 2 } }],
  }),
  update('/archive/a.md', '# Archive\n- three\n', { tier: 'suggested', suggestion: 2, reason: 'superseded' }),
]);

describe('confidence tiers: what a change set promotes', () => {
  it('applies the applied tier only, as it is', () => {
    expect(applyChanges(base, cs).get('/a.md')).toBe('# A\n- one\n- two\n- two\n- three\n');
    expect(applyChanges(base, cs).get('/archive/a.md')).toBeUndefined();
  });

  it('merges the accepted suggestions into the applied tier, one change per path, all applied', () => {
    const one = acceptSuggestions(cs, base, [1]);
    expect(one.candidate.get('/a.md')).toBe('# A\n- one\n- two\n- three\n');
    expect(one.left).toEqual([2]);
    expect(one.changeSet.changes.map((c) => [c.path, c.tier, c.suggestion])).toEqual([['/a.md', 'applied', undefined]]);

    const all = acceptSuggestions(cs, base, 'all');
    expect(all.candidate.get('/a.md')).toBe('# A\n- one\n- two\n');
    expect(all.candidate.get('/archive/a.md')).toBe('# Archive\n- three\n');
    expect(all.left).toEqual([]);
    expect(all.changeSet.changes.map((c) => c.path)).toEqual(['/a.md', '/archive/a.md']);
    // the change set it yields turns the base into the candidate
    expect(applyChanges(base, all.changeSet).hash()).toBe(all.candidate.hash());
    expect(all.changeSet.changes.find((c) => c.path === '/a.md')!.detail).toMatch(
      /accepted suggestion 1: .*suggestion 2/,
    );
  });

  it('gives the same result whatever the order the suggestions are named in', () => {
    expect(acceptSuggestions(cs, base, [2, 1]).candidate.hash()).toBe(
      acceptSuggestions(cs, base, 'all').candidate.hash(),
    );
  });

  it('renumbers a moved line where the merged file has it', () => {
    const all = acceptSuggestions(cs, base, 'all');
    const moves = all.changeSet.changes.flatMap((c) => c.moved ?? []);
    expect(moves).toContainEqual({
      from: { path: '/a.md', section: 'A', line: 5 },
      to: { path: '/a.md', section: 'A', line: 3 },
    });
    for (const m of moves) {
      const there = all.candidate.get(m.to.path)!.split('\n')[m.to.line - 1];
      expect(there, JSON.stringify(m)).toBe(base.get(m.from.path)!.split('\n')[m.from.line - 1]);
    }
  });

  it('refuses a number that names no suggestion, naming it', () => {
    expect(() => acceptSuggestions(cs, base, [3])).toThrow(
      /--accept 3: no such suggestion in this change set \(suggestions: 1, 2\)/,
    );
    expect(() => acceptSuggestions(changeSet([]), base, [1])).toThrow(/it has none/);
  });
});

describe('three-way merge of a dream edits', () => {
  it('takes out what either side takes out, and puts in what both put in once', () => {
    const b = ['a', 'b', 'c', ''];
    const m = mergeLines(b, ['a', 'c', 'x', ''], ['a', 'b', 'x', 'y', '']);
    expect(m.lines).toEqual(['a', 'x', 'y', '']);
    expect(m.oursAt).toEqual([0, -1, 1, 3]);
    expect(m.theirsAt).toEqual([0, -1, 1, 2, 3]);
  });
});
