import { describe, expect, it } from 'vitest';
import type { Change } from '../../../src/memory/changeSet.js';
import { describeConflict, mergeChanges, mergeIndex, mergeText } from '../../../src/memory/merge.js';
import { MemoryStore, sha256 } from '../../../src/memory/store.js';

const notes = '# Notes\n- one\n- two\n- three\n- four\n';

describe('mergeText: three-way, line by line', () => {
  it('lands disjoint edits of one file from both sides', () => {
    const agent = notes.replace('- four\n', '- four\n- five (agent)\n');
    const dream = notes.replace('- one\n', '- ONE (dream)\n');
    expect(mergeText(notes, agent, dream)).toEqual({
      ok: true,
      text: '# Notes\n- ONE (dream)\n- two\n- three\n- four\n- five (agent)\n',
    });
  });

  it('takes one side when the other left the file as it was, and one copy of an identical edit', () => {
    const edited = notes.replace('- two', '- 2');
    expect(mergeText(notes, notes, edited)).toEqual({ ok: true, text: edited });
    expect(mergeText(notes, edited, notes)).toEqual({ ok: true, text: edited });
    expect(mergeText(notes, edited, edited)).toEqual({ ok: true, text: edited });
  });

  it('is a conflict only where both edited the same lines, naming the agent’s lines', () => {
    const agent = notes.replace('- three', '- three, said the agent');
    const dream = notes.replace('- three', '- three, said the dream');
    expect(mergeText(notes, agent, dream)).toEqual({ ok: false, lines: [{ from: 4, to: 4 }] });
  });

  it('keeps a last line without a line end as it is', () => {
    expect(mergeText('a\nb', 'a\nb\nc', 'A\nb')).toEqual({ ok: true, text: 'A\nb\nc' });
  });
});

describe('mergeIndex: a list both sides add to', () => {
  it('keeps both lines added at the same place, the agent’s first, each once', () => {
    const base = '# Index\n- [A](a.md)\n';
    const agent = `${base}- [New memory](new.md) — written during review\n`;
    const dream = `${base}- [Lesson](lesson.md) — from three sessions\n`;
    expect(mergeIndex(base, agent, dream)).toBe(
      '# Index\n- [A](a.md)\n- [New memory](new.md) — written during review\n- [Lesson](lesson.md) — from three sessions\n',
    );
    expect(mergeIndex(base, agent, agent)).toBe(agent);
  });
});

describe('mergeChanges: a change set rebased on the live store', () => {
  const snapshot = MemoryStore.from({ '/a.md': notes, '/b.md': 'b\n', '/MEMORY.md': '- [A](a.md)\n' });
  const update = (path: string, after: string): Change => ({
    op: 'update',
    path,
    before_sha256: snapshot.fileHash(path)!,
    after,
    reason: 'duplicate',
    detail: 'test',
    evidence: [],
  });

  it('keeps changes to untouched files, merges files both edited, and checks each against the live store', () => {
    const live = MemoryStore.from({
      '/a.md': notes.replace('- four\n', '- four\n- five\n'),
      '/b.md': 'b\n',
      '/c.md': 'new\n',
      '/MEMORY.md': '- [A](a.md)\n',
    });
    const r = mergeChanges(snapshot, live, [update('/a.md', notes.replace('- one', '- 1')), update('/b.md', 'B\n')]);
    expect(r.conflicts).toEqual([]);
    expect(r.merged).toEqual(['/a.md']);
    expect(r.changes.map((c) => [c.path, c.after, c.before_sha256])).toEqual([
      ['/a.md', '# Notes\n- 1\n- two\n- three\n- four\n- five\n', sha256(live.get('/a.md')!)],
      ['/b.md', 'B\n', sha256('b\n')],
    ]);
  });

  it('reports the same lines edited, a delete of an edited file and an edit of a deleted one as conflicts', () => {
    const live = MemoryStore.from({ '/a.md': notes.replace('- two', '- deux'), '/MEMORY.md': '- [A](a.md)\n' });
    const del: Change = { ...update('/a.md', ''), op: 'delete' };
    delete del.after;
    expect(mergeChanges(snapshot, live, [update('/a.md', notes.replace('- two', '- zwei'))]).conflicts).toEqual([
      { path: '/a.md', lines: [{ from: 3, to: 3 }] },
    ]);
    expect(mergeChanges(snapshot, live, [del]).conflicts).toEqual([{ path: '/a.md', lines: [] }]);
    expect(mergeChanges(snapshot, live, [update('/b.md', 'B\n')]).conflicts).toEqual([{ path: '/b.md', lines: [] }]);
  });

  it('merges the index as a list: never a conflict', () => {
    const live = MemoryStore.from({
      ...Object.fromEntries(snapshot.files),
      '/MEMORY.md': '- [A](a.md)\n- [C](c.md)\n',
    });
    const r = mergeChanges(snapshot, live, [update('/MEMORY.md', '- [A](a.md)\n- [L](l.md)\n')], '/MEMORY.md');
    expect(r.conflicts).toEqual([]);
    expect(r.changes[0]!.after).toBe('- [A](a.md)\n- [C](c.md)\n- [L](l.md)\n');
  });

  it('says where a conflict is', () => {
    expect(describeConflict({ path: '/a.md', lines: [{ from: 3, to: 4 }] })).toBe('"/a.md" (lines 3–4)');
    expect(describeConflict({ path: '/a.md', lines: [{ from: 3, to: 3 }] })).toBe('"/a.md" (line 3)');
    expect(describeConflict({ path: '/a.md', lines: [] })).toBe('"/a.md"');
  });
});
