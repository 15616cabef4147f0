import { describe, expect, it } from 'vitest';
import { cpuSeconds, fleetScaleTable, type FleetScaleRow } from '../../../bench/fleetScale.js';

const row: FleetScaleRow = {
  agents: 200,
  workers: 1,
  concurrency: 20,
  seconds: 120,
  cyclesPerMinute: 100,
  counts: { kept: 200 },
  countedOnce: true,
  eventsPerCycle: { mean: 67, min: 63, max: 69 },
  fleetRuns: 1,
  fleetRunEvents: { max: 1400, mean: 1400 },
  fleetRunBytes: { max: 430_000 },
  peakRssMb: [450],
  startRssMb: [200],
  load: { start: 1, end: 2 },
};

describe('the fleet benchmark', () => {
  it("reads a process's CPU seconds from /proc, and nothing for a process that is gone", async () => {
    const before = (await cpuSeconds(process.pid))!;
    const until = Date.now() + 300;
    let spin = 0;
    while (Date.now() < until) spin++;
    expect(spin).toBeGreaterThan(0);
    expect((await cpuSeconds(process.pid))!).toBeGreaterThan(before);
    expect(await cpuSeconds(2 ** 22 + 7)).toBeUndefined(); // above Linux's largest pid
    expect(await cpuSeconds(undefined)).toBeUndefined();
  });

  it('shows the CPU a cycle cost per process, and n/a for rows measured before it was kept', () => {
    const table = fleetScaleTable([row, { ...row, workers: 2, cpuPerCycle: { workers: 0.584, temporal: 0.4 } }]);
    const [, , old, now] = table.split('\n');
    expect(old).toContain('| n/a | yes: kept 200 |');
    expect(now).toContain('| 0.58 · 0.40 · ? | yes: kept 200 |');
  });
});
