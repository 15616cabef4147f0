import { describe, expect, it } from 'vitest';
import { pausedBy, repeatedDiscard } from '../../../src/cycle/pause.js';

const at = '2026-12-07T02:30:00.000Z';
const discarded = (cycle_id: string, failing: string[]) => ({
  cycle_id,
  records: [
    { event: 'cycle-opened', at },
    { event: 'gate-failed', at, data: { failing } },
    { event: 'cycle-discarded', at },
  ],
});
const ended = (cycle_id: string, outcome: string) => ({
  cycle_id,
  records: [
    { event: 'cycle-opened', at },
    { event: `cycle-${outcome}`, at },
  ],
});
// the run being discarded has its gate-failed record, not yet its ending
const now = (failing: string[]) => ({ cycle_id: 'now', records: [{ event: 'gate-failed', at, data: { failing } }] });

describe('two discards in a row for the same failing cases', () => {
  it('are found when the previous cycle that ended was discarded for the same cases, in any order', () => {
    expect(repeatedDiscard([now(['b', 'a']), discarded('before', ['a', 'b'])], 'now')).toEqual({
      cases: ['a', 'b'],
      runs: ['before', 'now'],
    });
  });

  it('skip cycles that found nothing to dream and cycles still running', () => {
    const runs = [now(['a']), ended('skip', 'skipped'), { cycle_id: 'open', records: [] }, discarded('before', ['a'])];
    expect(repeatedDiscard(runs, 'now')?.runs).toEqual(['before', 'now']);
  });

  it('are not found for other cases, a kept or rejected cycle between, a first discard, or a run with no gate record', () => {
    expect(repeatedDiscard([now(['a']), discarded('before', ['a', 'b'])], 'now')).toBeUndefined();
    expect(repeatedDiscard([now(['a']), ended('kept', 'kept'), discarded('x', ['a'])], 'now')).toBeUndefined();
    expect(repeatedDiscard([now(['a']), ended('no', 'rejected'), discarded('x', ['a'])], 'now')).toBeUndefined();
    expect(repeatedDiscard([now(['a'])], 'now')).toBeUndefined();
    expect(repeatedDiscard([now([]), discarded('before', [])], 'now')).toBeUndefined();
    expect(repeatedDiscard([ended('now', 'kept'), discarded('before', ['a'])], 'now')).toBeUndefined();
  });
});

describe('an agent paused after two discards', () => {
  it('stays paused over the cycles it skips, until an operator resumes it', () => {
    const two = [discarded('d2', ['a']), discarded('d1', ['a'])];
    expect(pausedBy(two)?.cases).toEqual(['a']);
    expect(pausedBy([ended('s', 'skipped'), ...two])?.runs).toEqual(['d1', 'd2']);
    const resume = { cycle_id: 'r', records: [{ event: 'agent-resumed', at }] };
    expect(pausedBy([resume, ...two])).toBeUndefined();
    // after a resume, one more discard of the same cases is a first one again
    expect(repeatedDiscard([now(['a']), resume, ...two], 'now')).toBeUndefined();
  });

  it('is not paused by one discard, two for other cases, or a kept cycle between', () => {
    expect(pausedBy([discarded('d2', ['a'])])).toBeUndefined();
    expect(pausedBy([discarded('d2', ['a']), discarded('d1', ['b'])])).toBeUndefined();
    expect(pausedBy([discarded('d2', ['a']), ended('k', 'kept'), discarded('d1', ['a'])])).toBeUndefined();
  });
});
