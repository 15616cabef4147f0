import { describe, expect, it } from 'vitest';
import { approvalOf, commandFor, parsePageDecision } from '../../../src/review/selection.js';
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
