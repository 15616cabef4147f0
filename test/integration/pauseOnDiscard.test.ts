import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCycle } from '../../app/cycles.js';
import { applySchedule, scheduleHandle } from '../../app/schedules.js';
import { runCli } from '../support/cli.js';
import { exampleAgent, startHarness, type Harness } from './cycleHarness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());

// the doc-review agent's dream drops the pinned cap: the gate discards it, night after night
const pinned = `cases:
  - id: pinned-cap
    question: What liability cap did legal pin for the Q4 renewals?
    expect:
      all: ["12 months of fees"]
  - id: residuals
    question: Are residuals acceptable?
    expect:
      all: ["never acceptable"]
`;

describe('two discards in a row for the same cases (real servers)', () => {
  it('pause the fleet’s schedule with a note naming the cases, tell the owners; status shows it; schedule resume resumes it', async () => {
    const agent = await exampleAgent('doc-review-agent', { minNewSessions: 0 }, pinned);
    const fleet = await h.serve([agent], {
      schedule: { time: '02:30', timezone: 'Europe/Berlin', jitter: '0s', catchupWindow: '1h' },
    });
    await applySchedule(h.client, fleet);
    const schedule = await scheduleHandle(h.client, fleet);
    const env = { ...process.env, DREAMGATE_TASK_QUEUE: h.client.temporal.taskQueue, NO_COLOR: '1' };
    const cli = (...args: string[]) => runCli([...args, '--fleet', fleet.file], env);
    try {
      const first = await (await startCycle(h.client, fleet, fleet.agents[0]!)).result();
      expect([first.outcome, first.reason]).toEqual(['discarded', expect.stringMatching(/failing: pinned-cap$/)]);
      expect((await schedule.describe()).state.paused).toBe(false);

      const handle = await startCycle(h.client, fleet, fleet.agents[0]!);
      const second = await handle.result();
      expect(second.outcome).toBe('discarded');
      expect(second.reason).toMatch(/failing: pinned-cap; the same cases failed last cycle: schedule paused$/);
      const state = (await schedule.describe()).state;
      expect(state.paused).toBe(true);
      expect(state.note).toContain(`${fleet.fleet}/${agent.id} was discarded twice in a row`);
      expect(state.note).toContain('(pinned-cap)');

      const told = h.receiver.received.filter(
        (r) => r.body.dedup_key === `dreamgate/${fleet.fleet}/${agent.id}/${handle.firstExecutionRunId}/paused`,
      );
      expect(told).toHaveLength(1);
      expect(told[0]!.path).toBe('/notify');
      expect(told[0]!.body).toMatchObject({
        summary: expect.stringContaining('its schedule is paused'),
        details: { failing: ['pinned-cap'], owners: agent.owners },
      });

      const status = await cli('status', agent.id);
      expect(status.stdout).toContain(`schedule dreamgate-${fleet.fleet} paused: paused by dreamgate`);
      expect(status.stdout).toContain('(pinned-cap)');
      expect(status.stdout).toContain('dreamgate schedule resume');

      const resumed = await cli('schedule', 'resume');
      expect(resumed.code, resumed.stderr).toBe(0);
      expect((await schedule.describe()).state.paused).toBe(false);
    } finally {
      await schedule.delete().catch(() => undefined);
    }
  });
});
