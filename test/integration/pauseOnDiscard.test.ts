import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCycle } from '../../app/cycleClient.js';
import { runCli } from '../support/cli.js';
import { exampleAgent, pinnedDocReviewSuite, startHarness, type Harness } from './cycleHarness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());

// the doc-review agent's dream drops the pinned cap: the gate discards it, night after night
const pinned = pinnedDocReviewSuite;

describe('two discards in a row for the same cases (real servers)', () => {
  it('pause the agent (its cycles end skipped, the fleet goes on), tell the owners; status shows it; resume lets it dream again', async () => {
    const agent = await exampleAgent('doc-review-agent', { minNewSessions: 0 }, pinned);
    const other = await exampleAgent('coding-agent', { minNewSessions: 0 });
    const fleet = await h.serve([agent, other]);
    const [paused, running] = fleet.agents;
    const env = { ...process.env, DREAMGATE_TASK_QUEUE: h.client.temporal.taskQueue, NO_COLOR: '1' };
    const cli = (...args: string[]) => runCli([...args, '--fleet', fleet.file], env);
    const cycle = async (a = paused!) => (await startCycle(h.client, fleet, a)).result();

    const first = await cycle();
    expect([first.outcome, first.reason]).toEqual(['discarded', expect.stringMatching(/failing: pinned-cap$/)]);

    const handle = await startCycle(h.client, fleet, paused!);
    const second = await handle.result();
    expect(second.outcome).toBe('discarded');
    expect(second.reason).toMatch(
      new RegExp(
        `failing: pinned-cap; the same cases failed last cycle: agent paused until \`dreamgate resume ${agent.id}\`$`,
      ),
    );
    const told = h.receiver.received.filter(
      (r) => r.body.dedup_key === `dreamgate/${fleet.fleet}/${agent.id}/${handle.firstExecutionRunId}/paused`,
    );
    expect(told).toHaveLength(1);
    expect(told[0]!.path).toBe('/notify');
    expect(told[0]!.body).toMatchObject({
      summary: expect.stringContaining('paused: discarded twice in a row for the same failing cases (pinned-cap)'),
      details: { failing: ['pinned-cap'], owners: agent.owners },
    });

    // paused: its next cycle dreams nothing and says why; another agent of the fleet dreams on
    const third = await cycle();
    expect([third.outcome, third.reason]).toEqual([
      'skipped',
      `paused after two discards for the same failing cases (pinned-cap); fix the store or the suite, then \`dreamgate resume ${agent.id}\``,
    ]);
    expect((await cycle(running)).outcome).toBe('kept');
    const status = await cli('status', agent.id);
    expect(status.stdout).toContain('paused after two discards for the same failing cases (pinned-cap)');

    // resumed: it dreams again (and is discarded once more: a first discard since the resume pauses nothing)
    const resumed = await cli('resume', agent.id, '--as', 'alice');
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain(`resumed ${fleet.fleet}/${agent.id} as alice`);
    const fourth = await cycle();
    expect([fourth.outcome, fourth.reason]).toEqual(['discarded', expect.stringMatching(/failing: pinned-cap$/)]);
    const history = await cli('history', agent.id);
    const lines = history.stdout.split('\n');
    expect(
      lines.find((l) => l.includes('agent-paused')),
      history.stdout,
    ).toMatch(/agent-paused +cases=.*pinned-cap/);
    expect(
      lines.find((l) => l.includes('agent-resumed')),
      history.stdout,
    ).toMatch(/agent-resumed +by alice/);
  });
});
