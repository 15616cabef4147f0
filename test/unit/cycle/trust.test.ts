import { describe, expect, it } from 'vitest';
import { standingAfter, type RunRecord } from '../../../src/cycle/trust.js';

const opened = (trust: number, lastKeptSessionAt: number | null = 5): RunRecord => ({
  event: 'cycle-opened',
  data: { trust, lastKeptSessionAt },
});
const promoted: RunRecord = { event: 'promoted', data: { newestSessionAt: 9 } };

describe('where an agent stands after a run, from the run’s signed records', () => {
  it.each<[string, RunRecord[], { trust: number; lastKeptSessionAt: number | null }]>([
    [
      'an unedited approval that was kept adds one',
      [opened(2), { event: 'approved', data: {} }, promoted],
      { trust: 3, lastKeptSessionAt: 9 },
    ],
    [
      'an edited approval starts the streak again',
      [opened(2), { event: 'approved', data: { edited: 'ab' } }, promoted],
      { trust: 0, lastKeptSessionAt: 9 },
    ],
    ['an automatic kept cycle carries the streak', [opened(4), promoted], { trust: 4, lastKeptSessionAt: 9 }],
    ['a rejection ends it', [opened(4), { event: 'rejected' }], { trust: 0, lastKeptSessionAt: 5 }],
    [
      'a rollback ends it, and the rolled-back dream is not kept',
      [opened(4), { event: 'approved', data: {} }, promoted, { event: 'rolled-back' }],
      { trust: 0, lastKeptSessionAt: 5 },
    ],
    [
      'a discarded or timed-out cycle ends it',
      [opened(4), { event: 'cycle-discarded' }],
      { trust: 0, lastKeptSessionAt: 5 },
    ],
    [
      'a skipped, failed or conflicting cycle keeps it',
      [opened(4), { event: 'cycle-conflict' }],
      { trust: 4, lastKeptSessionAt: 5 },
    ],
    [
      'an approval never promoted adds nothing',
      [opened(1), { event: 'approved', data: {} }, { event: 'cycle-failed' }],
      { trust: 1, lastKeptSessionAt: 5 },
    ],
    [
      'a run with no opening (records from before seals) starts from nothing',
      [promoted],
      { trust: 0, lastKeptSessionAt: 9 },
    ],
  ])('%s', (_what, records, want) => {
    expect(standingAfter(records)).toEqual(want);
  });

  it('a number that is not one (a negative, a string) counts as nothing', () => {
    expect(standingAfter([{ event: 'cycle-opened', data: { trust: -3, lastKeptSessionAt: 'x' } }])).toEqual({
      trust: 0,
      lastKeptSessionAt: null,
    });
  });
});
