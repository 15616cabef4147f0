import { describe, expect, it } from 'vitest';
import { judge, proposalFingerprint, type EarlierDecision } from '../../../src/dream/decisions.js';

const lessons = '# Recurring mistakes\n';
const line = (n: number, ids: string[]) =>
  `- \`npm test\` fails with "ECONNREFUSED" — what worked next: \`docker compose up -d db\` (seen in ${n} sessions: ${ids.join(', ')})`;
const lesson = (ids: string[]) => ({
  op: 'update',
  path: '/lessons.md',
  evidence: ids.map((session_id) => ({ session_id })),
});

describe('a proposal’s fingerprint', () => {
  it('stays the same with one more session behind the same lesson, and with other lines of the file', () => {
    const three = ['s1', 's2', 's3'];
    const four = [...three, 's9'];
    const a = proposalFingerprint(lesson(three), lessons, `${lessons}${line(3, three)}\n`);
    expect(proposalFingerprint(lesson(four), lessons, `${lessons}${line(4, four)}\n`)).toBe(a);
    expect(proposalFingerprint(lesson(three), `${lessons}- other\n`, `${lessons}- other\n${line(3, three)}\n`)).toBe(a);
  });

  it('differs for another lesson, another file or another kind of change', () => {
    const a = proposalFingerprint(lesson(['s1']), lessons, `${lessons}${line(1, ['s1'])}\n`);
    const other = `${lessons}${line(1, ['s1']).replace('ECONNREFUSED', 'ETIMEDOUT')}\n`;
    expect(proposalFingerprint(lesson(['s1']), lessons, other)).not.toBe(a);
    expect(
      proposalFingerprint({ ...lesson(['s1']), path: '/b.md' }, lessons, `${lessons}${line(1, ['s1'])}\n`),
    ).not.toBe(a);
    expect(
      proposalFingerprint({ ...lesson(['s1']), op: 'create' }, lessons, `${lessons}${line(1, ['s1'])}\n`),
    ).not.toBe(a);
  });
});

describe('an earlier rejection', () => {
  const rejected: EarlierDecision = {
    fingerprint: 'f'.repeat(64),
    verdict: 'rejected',
    reviewer: 'alice',
    at: '2026-12-01T10:00:00.000Z',
    changeSetId: 'c'.repeat(64),
    reason: 'not a lesson',
  };
  const ended = new Map([
    ['old', Date.parse('2026-11-30T10:00:00Z')],
    ['new', Date.parse('2026-12-02T10:00:00Z')],
  ]);

  it('holds the proposal back while no session since the decision cites it', () => {
    expect(judge(rejected.fingerprint, [{ session_id: 'old' }], [rejected], ended)).toEqual({
      kind: 'held',
      why: 'rejected by alice on 2026-12-01 (change set cccccccccccc: not a lesson); no session since says it again',
    });
  });

  it('lets a newer session bring it back, saying which decision it overrides and why', () => {
    const j = judge(rejected.fingerprint, [{ session_id: 'old' }, { session_id: 'new' }], [rejected], ended);
    expect(j).toMatchObject({
      kind: 'override',
      override: { changeSetId: rejected.changeSetId, reviewer: 'alice', at: rejected.at, sessions: ['new'] },
    });
    expect(j!.kind === 'override' && j!.note).toContain('new evidence in new');
  });

  it('says nothing of a proposal nobody decided on', () => {
    expect(judge('0'.repeat(64), [{ session_id: 'old' }], [rejected], ended)).toBeUndefined();
  });
});
