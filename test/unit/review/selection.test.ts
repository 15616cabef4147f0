import { describe, expect, it } from 'vitest';
import { reviseChanges } from '../../../src/cycle/revise.js';
import { applyChanges } from '../../../src/memory/apply.js';
import type { ChangeSet } from '../../../src/memory/changeSet.js';
import { MemoryStore, sha256 } from '../../../src/memory/store.js';
import { approvalOf, commandFor, parsePageDecision } from '../../../src/review/selection.js';
import type { ReviewedChangeSet } from '../../../src/review/view.js';
import { changeSet } from './fixtures.js';

const base = { verdict: 'approve', changeSetId: 'c'.repeat(64), cycle: 'run-1' };
const parse = (o: object) => parsePageDecision({ ...base, ...o });

describe('a decision made on the page', () => {
  it('accepting every applied change approves as proposed; fewer narrows with --only', () => {
    const cs = changeSet();
    expect(approvalOf(cs, parse({ accepted: [0, 2] }))).toEqual({});
    expect(approvalOf(cs, parse({ accepted: [2] }))).toEqual({ onlyPaths: ['/lessons.md'] });
  });

  it('an edit accepts its file; suggestions become --accept; restores and comments go along', () => {
    const cs = changeSet();
    const a = approvalOf(
      cs,
      parse({ accepted: [1], edits: { '/infra.md': 'mine\n' }, restore: ['sess_9'], comment: 'ok' }),
    );
    expect(a).toEqual({
      onlyPaths: ['/infra.md'],
      accept: [1],
      edits: { '/infra.md': 'mine\n' },
      restore: ['sess_9'],
      comment: 'ok',
    });
    expect(commandFor('agent-a', base.changeSetId, parse({}), a)).toBe(
      "dreamgate approve agent-a cccccccccccc --only /infra.md --accept 1 --edit '/infra.md=<your file>' --restore sess_9 --comment ok",
    );
    expect(commandFor('agent-a', base.changeSetId, parse({ verdict: 'reject', reason: "not now, it's late" }))).toBe(
      `dreamgate reject agent-a cccccccccccc --reason 'not now, it'\\''s late'`,
    );
  });

  it('refuses what is not in the change set, and an approval of nothing', () => {
    const cs = changeSet();
    expect(() => approvalOf(cs, parse({ accepted: [7] }))).toThrow('change 7 is not in the change set');
    expect(() => approvalOf(cs, parse({ accepted: [0], edits: { '/elsewhere.md': 'x' } }))).toThrow(
      'edit of /elsewhere.md, which the change set does not change',
    );
    expect(() => approvalOf(cs, parse({ accepted: [0], edits: { '/a/../b': 'x' } }))).toThrow('decision: edit');
    expect(() => approvalOf(cs, parse({ accepted: [0], restore: ['sess_1'] }))).toThrow('not a quarantined session');
    const held = {
      ...cs,
      held: [
        { session_id: 'sess_1', event_id: 'evt_2', path: '/a.md', line: '- x', source: 'a web page', reason: 'r' },
      ],
    };
    expect(approvalOf(held, parse({ accepted: [0], restore: ['sess_1'] })).restore).toEqual(['sess_1']);
    expect(() => approvalOf(cs, parse({ accepted: [] }))).toThrow('nothing is accepted');
  });

  it('checks the body’s shape and sizes, naming the field', () => {
    expect(() => parsePageDecision(null)).toThrow('decision: (body)');
    expect(() => parse({ verdict: 'maybe' })).toThrow('decision: verdict');
    expect(() => parse({ changeSetId: 'abc' })).toThrow('decision: changeSetId');
    expect(() => parse({ extra: 1 })).toThrow('decision: (body)');
    expect(() => parse({ comment: 'x'.repeat(1_001) })).toThrow('decision: comment');
    expect(() => parse({ edits: { '/a.md': 'x'.repeat(102_401) } })).toThrow('decision: edits./a.md');
  });
});

describe('suggestions chosen on the page', () => {
  const before = {
    '/a.md': '# A\n- one\n',
    '/b.md': '# B\n- x\n- y\n- x\n',
    '/c.md': '# C\n- p\n- p\n',
  };
  const upd = (path: keyof typeof before, after: string) => ({
    op: 'update' as const,
    path,
    before_sha256: sha256(before[path]),
    after,
    evidence: [],
  });
  /** Changes in page order, numbered as the dream numbered its suggestions (not by their index). */
  const cs = (): ReviewedChangeSet & ChangeSet => ({
    ...changeSet(),
    changes: [
      { ...upd('/a.md', '# A\n- one\n- two\n'), reason: 'insight', detail: 'a new fact' },
      {
        op: 'create',
        path: '/archive/b.md',
        after: '- x (duplicate of /b.md)\n',
        reason: 'duplicate',
        detail: 'archived',
        evidence: [],
        tier: 'suggested',
        suggestion: 2,
      },
      { ...upd('/b.md', '# B\n- x\n- y\n'), reason: 'duplicate', detail: 'x twice', tier: 'suggested', suggestion: 2 },
      { ...upd('/c.md', '# C\n- p\n'), reason: 'duplicate', detail: 'p twice', tier: 'suggested', suggestion: 1 },
    ],
    quarantined: [],
    held: [],
  });
  const store = () => MemoryStore.from(before);
  /** What the cycle would promote for a page decision: the approval revised as the worker revises it. */
  const promoted = (d: object) => {
    const a = approvalOf(cs(), parse(d));
    const changes = reviseChanges(cs(), store(), {
      ...(a.onlyPaths ? { onlyPaths: a.onlyPaths } : {}),
      ...(a.accept ? { acceptedSuggestions: a.accept } : {}),
      ...(a.edits ? { edited: a.edits } : {}),
    });
    return { a, files: Object.fromEntries(applyChanges(store(), { changes }).files) };
  };

  it('sends each suggestion by its number, whole, whichever of its changes was ticked', () => {
    expect(approvalOf(cs(), parse({ accepted: [0, 1] }))).toEqual({ accept: [2] });
    expect(approvalOf(cs(), parse({ accepted: [0, 3, 2] }))).toEqual({ accept: [1, 2] });
    expect(commandFor('agent-a', base.changeSetId, parse({}), { accept: [1, 2] })).toBe(
      'dreamgate approve agent-a cccccccccccc --accept 1 2',
    );
  });

  it('promotes exactly the applied changes kept and the suggestions accepted', () => {
    expect(promoted({ accepted: [0] }).files).toEqual({ ...before, '/a.md': '# A\n- one\n- two\n' });
    const both = promoted({ accepted: [0, 2] }).files;
    expect(both['/b.md']).toBe('# B\n- x\n- y\n');
    expect(both['/archive/b.md']).toBe('- x (duplicate of /b.md)\n');
    expect(both['/c.md']).toBe(before['/c.md']); // suggestion 1 not accepted: as it was
    // a suggestion alone: the applied change is left out by naming the suggestion's own paths
    const alone = promoted({ accepted: [3] });
    expect(alone.a).toEqual({ onlyPaths: ['/c.md'], accept: [1] });
    expect(alone.files).toEqual({ ...before, '/c.md': '# C\n- p\n' });
    // an edit of a suggested file accepts that suggestion, as the reviewer wrote it
    const edited = promoted({ accepted: [0], edits: { '/c.md': '# C\n- p, twice checked\n' } });
    expect(edited.a.accept).toEqual([1]);
    expect(edited.files['/c.md']).toBe('# C\n- p, twice checked\n');
  });

  it('refuses what cannot be said: a suggestion without a number, or one made over an applied change left out', () => {
    const unnumbered = cs();
    delete unnumbered.changes[3]!.suggestion;
    expect(() => approvalOf(unnumbered, parse({ accepted: [3] }))).toThrow('change 3 is a suggestion without a number');
    const over = cs();
    over.changes[3] = { ...over.changes[3]!, path: '/a.md', before_sha256: sha256(before['/a.md']) };
    expect(() => approvalOf(over, parse({ accepted: [3] }))).toThrow(
      'suggestion 1 is made over the applied change to /a.md: accept that change too, or edit the file',
    );
    const held = {
      ...cs(),
      held: [{ session_id: 's1', event_id: 'e', path: '/a.md', line: '- z', source: 'web', reason: 'r' }],
    };
    expect(() => approvalOf(held, parse({ accepted: [], restore: ['s1'] }))).toThrow('accept the changes to keep too');
  });
});
