import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cycleState, startCycle } from '../../app/cycles.js';
import { applySchedule, fleetOutcomes, listSchedules, scheduleHandle, startFleetRun } from '../../app/schedules.js';
import { createWorker } from '../../app/worker.js';
import type { FleetConfig } from '../../src/config/fleet.js';
import { teamId } from '../../src/config/scope.js';
import type { ChangeSet } from '../../src/memory/changeSet.js';
import { storageSettings } from '../../src/s3/settings.js';
import { AuditLog } from '../../src/snapshots/audit.js';
import type { FleetResult } from '../../workflows/fleet.js';
import { LocalDirStore } from '../../src/memory/localDir.js';
import { projectRoot } from '../../src/util/paths.js';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/sessions.js';
import { exampleAgent, startHarness, waitFor, type Harness } from './cycleHarness.js';
import { bundled, historyText, unique } from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());

/** A one-agent fleet file for the command line, beside the agent's private copy. */
async function cliFleet(agent: { fleet: string; id: string; dir: string }): Promise<string> {
  const file = join(agent.dir, 'dreamgate.yml');
  await writeFile(
    file,
    `fleet: ${agent.fleet}\nagents:\n  - id: ${agent.id}\n    store: ./memory\n    sessions: ./sessions\n    suite: ./suite.yml\n    mode: review\n    reviewers: [alice]\n`,
  );
  return file;
}

async function fleetOf(...agents: Awaited<ReturnType<typeof exampleAgent>>[]): Promise<FleetConfig> {
  const teamDir = join(await tempDir('dg-team-'), 'memory');
  await mkdir(teamDir, { recursive: true });
  const name = unique('fleet');
  for (const a of agents) a.fleet = name;
  return {
    file: '(test)',
    fleet: name,
    concurrency: 2,
    batch: false,
    ...h.fleet,
    schedule: { time: '02:30', timezone: 'Europe/Berlin', jitterMs: 600_000, catchupWindowMs: 7_200_000 },
    teamStore: teamDir,
    team: {
      ...agents[0]!,
      id: teamId,
      store: teamDir,
      suite: '',
      mode: 'automatic',
      minNewSessions: 0,
      dreamer: 'team-lessons',
      sources: agents.map((a) => ({ id: a.id, store: a.store })),
      reviewers: [],
    },
    agents,
  };
}

describe('the fleet run and its schedule (real servers)', () => {
  it('dreams every agent as a child workflow, then writes lessons two agents share to the team store', async () => {
    const a = await exampleAgent('coding-agent');
    const b = await exampleAgent('coding-agent');
    const c = await exampleAgent('support-agent');
    const fleet = await fleetOf(a, b, c);
    const handle = await startFleetRun(h.client, fleet);
    const result = await handle.result();
    expect(result.counts).toEqual({ kept: 3 });
    expect((await fleetOutcomes(h.client, result)).map((o) => [o.agent, o.outcome])).toEqual([
      [a.id, 'kept'],
      [b.id, 'kept'],
      [c.id, 'kept'],
    ]);
    expect(result.team?.outcome).toBe('kept');
    const team = await new LocalDirStore(fleet.teamStore!).read();
    const lessons = team.get('/lessons/team.md')!;
    expect(lessons).toContain('`bash` fails with "npm ERR! Missing script: "test:unit""');
    expect(lessons).toContain(`(learned by ${[a.id, b.id].sort().join(', ')})`);
    expect(lessons).not.toContain('crm_lookup'); // one agent only
    const children = await h.client.client.workflow.list({ query: `WorkflowId STARTS_WITH "${handle.workflowId}-"` });
    let n = 0;
    for await (const _ of children) n++;
    expect(n).toBe(4);
  });

  it('creates the nightly schedule from the config, lists its next runs, pauses, resumes and triggers it', async () => {
    const agent = await exampleAgent('coding-agent');
    const fleet = await fleetOf(agent);
    expect(await applySchedule(h.client, fleet)).toEqual({ id: `dreamgate-${fleet.fleet}`, created: true });
    expect((await applySchedule(h.client, fleet)).created).toBe(false); // idempotent: an update
    const handle = await scheduleHandle(h.client, fleet);
    const desc = await handle.describe();
    expect(desc.spec.timezone).toBe('Europe/Berlin');
    expect(desc.policies.overlap).toBe('SKIP');
    expect(desc.policies.catchupWindow).toBe(7_200_000);
    const row = (await listSchedules(h.client)).find((r) => r.id === handle.scheduleId)!;
    expect(row.nextRuns.length).toBeGreaterThan(0);
    // 02:30 in Berlin is 01:30 or 00:30 UTC, plus up to 10 minutes of jitter
    const next = new Date(row.nextRuns[0]!);
    expect([0, 1]).toContain(next.getUTCHours());
    expect(next.getUTCMinutes()).toBeGreaterThanOrEqual(30);
    expect(next.getUTCMinutes()).toBeLessThan(41);

    await handle.pause('maintenance');
    expect((await handle.describe()).state).toMatchObject({ paused: true, note: 'maintenance' });
    await handle.unpause();
    await handle.trigger();
    const started = await waitFor(
      'the triggered fleet run',
      async () => (await handle.describe()).info.recentActions[0]?.action.workflow,
    );
    const run = h.client.client.workflow.getHandle(started.workflowId, started.firstExecutionRunId);
    expect(((await run.result()) as FleetResult).counts.kept).toBeGreaterThan(0);
    await handle.delete();
  });

  it('approves through the command line, as a reviewer would', async () => {
    const agent = await exampleAgent('support-agent', { mode: 'review' });
    const handle = await startCycle(h.client, h.fleet, agent);
    await waitFor('review', async () => ((await cycleState(handle)).stage === 'review' ? true : undefined));
    const fleetYaml = await cliFleet(agent);
    const env = { ...process.env, DREAMGATE_TASK_QUEUE: h.client.temporal.taskQueue, NO_COLOR: '1' };
    const cli = async (...args: string[]) => {
      const r = await runCli([...args, '--fleet', fleetYaml], env);
      return { code: r.code, out: r.stdout + r.stderr };
    };
    const review = await cli('review', agent.id);
    expect(review.code).toBe(0);
    expect(review.out).toMatch(/^update \/followups\.md {2}\[superseded\]/m);
    expect(review.out).toContain('baseline 0.333 → 1.000');
    const approved = await cli('approve', agent.id, '--as', 'alice');
    expect([approved.code, approved.out]).toEqual([0, expect.stringContaining('as alice')]);
    expect((await handle.result()).outcome).toBe('kept');
    const history = await cli('history', agent.id, '--json');
    expect(
      JSON.parse(history.out.slice(history.out.indexOf('{'))).records.find(
        (r: { event: string }) => r.event === 'approved',
      ).actor,
    ).toBe('alice');
  });

  it('approves with the reviewer’s edited contents: they go through S3, are evaluated again, and land', async () => {
    const agent = await exampleAgent('support-agent', { mode: 'review' });
    const handle = await startCycle(h.client, h.fleet, agent);
    await waitFor('review', async () => ((await cycleState(handle)).stage === 'review' ? true : undefined));
    const fleetYaml = await cliFleet(agent);
    const edited = join(agent.dir, 'acme.md');
    const mine =
      '# Acme Corp\n\n- Acme plan: Enterprise\n- Acme prefers email over phone calls\n- Reviewer note: renewal call booked for 2027-02-15\n';
    await writeFile(edited, mine);
    const env = { ...process.env, DREAMGATE_TASK_QUEUE: h.client.temporal.taskQueue, NO_COLOR: '1' };
    const { code } = await runCli(
      ['approve', agent.id, '--as', 'alice', '--edit', `/customers/acme.md=${edited}`, '--fleet', fleetYaml],
      env,
    );
    expect(code).toBe(0);
    const result = await handle.result();
    expect(result.outcome).toBe('kept');
    expect((await new LocalDirStore(agent.store).read()).get('/customers/acme.md')).toBe(mine);
    // content never travelled in the signal: the history holds the key and hash only
    const history = historyText(await handle.fetchHistory());
    expect(history).toContain('"editedSha256"');
    expect(history).toContain('Dream cycle of'); // the decoding works: the static summary is found
    expect(history).not.toContain('renewal call booked');
  });

  it('a reviewer overrules a quarantine: the lines it removed come back, are evaluated again, and land', async () => {
    const suite =
      'cases:\n  - id: unit-tests\n    question: How are tests run?\n    expect:\n      all: ["npm test"]\n';
    const agent = await exampleAgent('coding-agent', { mode: 'review' }, suite);
    const handle = await startCycle(h.client, h.fleet, agent);
    await waitFor('review', async () => ((await cycleState(handle)).stage === 'review' ? true : undefined));
    const fleetYaml = await cliFleet(agent);
    const env = { ...process.env, DREAMGATE_TASK_QUEUE: h.client.temporal.taskQueue, NO_COLOR: '1' };
    const cs = (await h.client.objects.getJson<ChangeSet>((await cycleState(handle)).changeSetKey!))!;
    const [q] = cs.quarantined.filter((x) => x.removed_lines.length > 0);
    expect(q).toBeDefined();

    const wrong = await runCli(
      ['approve', agent.id, '--as', 'alice', '--restore', 'sess_nope', '--fleet', fleetYaml],
      env,
    );
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(new RegExp(`--restore sess_nope: not quarantined .*quarantined: .*${q!.session_id}`));

    const { code } = await runCli(
      ['approve', agent.id, '--as', 'alice', '--restore', q!.session_id, '--fleet', fleetYaml],
      env,
    );
    expect(code).toBe(0);
    const result = await handle.result();
    expect(result.outcome).toBe('kept');
    const live = await new LocalDirStore(agent.store).read();
    for (const { path, line } of q!.removed_lines) expect(live.get(path)).toContain(line);
    const approved = (
      await new AuditLog(h.client.objects.s3, storageSettings(h.cfg).auditBucket, 1).read(agent, handle.workflowId)
    ).find((r) => r.event === 'approved')!;
    expect(approved.data).toMatchObject({ edited: true, comment: `restored quarantined ${q!.session_id}` });
  });

  it('a worker process killed mid-cycle: the cycle finishes correctly under a new worker', async () => {
    const agent = await exampleAgent('coding-agent', { mode: 'review' });
    const child = spawn(process.execPath, [join(projectRoot, 'bin', 'dreamgate.js'), 'worker'], {
      env: { ...process.env, DREAMGATE_TASK_QUEUE: h.client.temporal.taskQueue },
      stdio: 'ignore',
    });
    try {
      // the harness worker is stopped for this test, so the child is the only one polling
      h.worker.worker.shutdown();
      await h.running;
      const handle = await startCycle(h.client, h.fleet, agent);
      await waitFor('review', async () => ((await cycleState(handle)).stage === 'review' ? true : undefined));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const fresh = await createWorker(h.cfg, { taskQueue: h.client.temporal.taskQueue, ...bundled() });
      const done = fresh.worker.runUntil(async () => {
        const { changeSetId } = await cycleState(handle);
        await handle.signal('approve', { reviewer: 'alice', changeSetId });
        return handle.result();
      });
      const result = await done;
      await fresh.close();
      expect(result.outcome).toBe('kept');
      expect((await new LocalDirStore(agent.store).read()).get('/conventions.md')).not.toContain(
        'ledger-utils-telemetry',
      );
    } finally {
      child.kill('SIGKILL');
      // give later tests in this file a worker again
      await h.worker.close();
      const w = await createWorker(h.cfg, { taskQueue: h.client.temporal.taskQueue, ...bundled() });
      h.worker = w;
      h.running = w.worker.run();
    }
  });
});
