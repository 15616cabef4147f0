import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkRef, sealRef } from '../../../src/cycle/authority.js';
import { continuationRefusal, initiatorName, type RunStart } from '../../../src/cycle/continuation.js';

const key = randomBytes(32);
const first = sealRef(key, {
  fleet: 'acme',
  agent: 'a1',
  configHash: 'c'.repeat(64),
  cycleId: 'run-1',
  startedAt: '2026-12-07T00:00:00.000Z',
  mode: 'review',
});
const expected = { workflowId: 'dream:acme:a1', workflowType: 'dreamCycle', taskQueue: 'dreamgate' };
const continued: RunStart = { ...expected, continuedFrom: 'run-1', initiator: 'workflow' };

describe('a cycle carried on in the run its review wait continued as new in', () => {
  it('a run that continued exactly the cycle’s run, as new, under the same id, type and queue, may carry it on', () => {
    expect(continuationRefusal(first, expected, continued, 'CONTINUED_AS_NEW')).toBeUndefined();
    // and the next continuation continues the run the re-sealed reference names
    const second = sealRef(key, { ...first, runId: 'run-2' });
    const third = { ...continued, continuedFrom: 'run-2' };
    expect(continuationRefusal(second, expected, third, 'CONTINUED_AS_NEW')).toBeUndefined();
    expect(continuationRefusal(second, expected, continued, 'CONTINUED_AS_NEW')).toMatch(
      /continues run run-1, not the cycle's run run-2/,
    );
  });

  it.each<[string, RunStart, string | undefined, RegExp]>([
    [
      'a run under another workflow id',
      { ...continued, workflowId: 'innocent-1' },
      'CONTINUED_AS_NEW',
      /not the agent's/,
    ],
    ['a run of another type', { ...continued, workflowType: 'rogueCalls' }, 'CONTINUED_AS_NEW', /does not carry on/],
    ['a run on another task queue', { ...continued, taskQueue: 'evil' }, 'CONTINUED_AS_NEW', /task queue evil/],
    ['a run that continues nothing', { ...expected }, 'CONTINUED_AS_NEW', /did not continue another run/],
    ['a retry of a failed run', { ...continued, initiator: 'retry' }, 'CONTINUED_AS_NEW', /by retry/],
    ['a cron run', { ...continued, initiator: 'cron' }, 'CONTINUED_AS_NEW', /by cron/],
    ['a continuation of another run', { ...continued, continuedFrom: 'run-9' }, 'CONTINUED_AS_NEW', /run-9/],
    ['a cycle run that has not continued', continued, 'RUNNING', /has not continued as new \(it is RUNNING\)/],
    ['a run Temporal does not know', continued, undefined, /not found/],
  ])('is refused for %s', (_what, start, previous, why) => {
    expect(continuationRefusal(first, expected, start, previous)).toMatch(why);
  });

  it('the re-sealed reference checks for the new run only; the cycle keeps its id', () => {
    const next = sealRef(key, { ...first, runId: 'run-2' });
    expect(next.cycleId).toBe('run-1');
    expect(checkRef(key, next, 'run-2')).toBeUndefined();
    expect(checkRef(key, next, 'run-1')).toMatch(/names run run-2, not the run that calls \(run-1\)/);
    // a run id written into the first run's reference without a worker's seal does not check
    expect(checkRef(key, { ...first, runId: 'run-2' }, 'run-2')).toMatch(/seal does not check/);
    // a reference sealed before continuations existed checks as it did
    expect(checkRef(key, first, 'run-1')).toBeUndefined();
  });

  it('names the initiator Temporal records', () => {
    expect([1, 2, 3, 0, null].map(initiatorName)).toEqual(['workflow', 'retry', 'cron', undefined, undefined]);
  });
});
