import { describe, expect, it } from 'vitest';
import { fleetDetails, parseFleetInput, progressLine } from '../../../src/cycle/fleetInput.js';
import type { FleetProgress } from '../../../src/cycle/types.js';

const sha = 'a'.repeat(64);
const carry = { configHash: sha, offset: 500, counts: { kept: 490, in_review: 10 }, notable: [], runs: 1 };

describe('a fleet run input, from any client', () => {
  it('takes a fleet name, a hash, a run size and the carried progress', () => {
    expect(parseFleetInput({ fleet: 'acme' })).toEqual({ ok: true, input: { fleet: 'acme' } });
    const full = { fleet: 'acme', configHash: sha, agentsPerRun: 9, progress: carry };
    expect(parseFleetInput(full)).toEqual({ ok: true, input: full });
  });

  it.each([
    [null, 'expected an object'],
    [{ fleet: '../x' }, 'fleet is not a fleet name'],
    [{ fleet: 'acme', configHash: 'abc' }, 'configHash is not a sha256'],
    [{ fleet: 'acme', agentsPerRun: 0 }, 'agentsPerRun must be a whole number from 1 to 1000'],
    [{ fleet: 'acme', agentsPerRun: 5000 }, 'agentsPerRun must be a whole number from 1 to 1000'],
    [{ fleet: 'acme', agentsPerRun: 1.5 }, 'agentsPerRun must be a whole number from 1 to 1000'],
    [{ fleet: 'acme', progress: 'x' }, 'progress.is not an object'],
    [{ fleet: 'acme', progress: { ...carry, offset: -1 } }, 'progress.offset is not a count'],
    [
      { fleet: 'acme', progress: { ...carry, counts: { kept: 'many' } } },
      'progress.counts must map outcomes to counts',
    ],
    [{ fleet: 'acme', progress: { ...carry, notable: Array(21).fill({}) } }, 'progress.notable must list at most 20'],
    [{ fleet: 'acme', progress: { ...carry, since: 'yesterday' } }, 'progress.since is not a time'],
  ])('refuses %j: %s', (raw, why) => {
    expect(parseFleetInput(raw)).toEqual({ ok: false, why });
  });
});

describe('a fleet run’s progress, as people read it', () => {
  const p: FleetProgress = {
    fleet: 'acme',
    agents: 10_000,
    done: 4_312,
    running: 16,
    waitingForReview: 3,
    failed: 12,
    notStarted: 5_657,
    counts: { kept: 4_100, skipped: 212, in_review: 3, failed: 12 },
    run: 9,
    since: '2026-12-06T02:30:00.000Z',
  };

  it('in the Temporal UI: every agent in one place, outcomes, the run and where the report is', () => {
    expect(fleetDetails(p, 'fleets/acme/runs/fleet-acme')).toBe(
      [
        '**Fleet acme**: 4,312 of 10,000 agents done · 16 running · 3 waiting for review · 12 failed · 5,657 not started',
        '',
        'outcomes: kept 4,100 · skipped 212 · in_review 3 · failed 12',
        '',
        'run 9 of this workflow id (it continues as new every few hundred agents) · since 2026-12-06T02:30:00.000Z · every outcome in `fleets/acme/runs/fleet-acme/`',
      ].join('\n'),
    );
  });

  it('on a terminal: one line, quiet about what is zero', () => {
    expect(progressLine(p)).toBe('4,312/10,000 done · 16 running · 3 waiting for review · 12 failed');
    expect(progressLine({ ...p, waitingForReview: 0, failed: 0, team: 'running' })).toBe(
      '4,312/10,000 done · 16 running · team store running',
    );
  });
});
