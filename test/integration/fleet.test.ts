import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cycleState, startCycle } from '../../app/cycleClient.js';
import { applySchedule, fleetOutcomes, listSchedules, scheduleHandle, startFleetRun } from '../../app/schedules.js';
import { createWorker } from '../../app/worker.js';
import type { FleetConfig } from '../../src/config/fleet.js';
import { storageSettings } from '../../src/config/storage.js';
import { AuditLog } from '../../src/audit/audit.js';
import type { FleetResult } from '../../workflows/fleet.js';
import { LocalDirStore } from '../../src/memory/localDir.js';
import { projectRoot } from '../../src/util/paths.js';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/sessions.js';
import { exampleAgent, keepHistory, startHarness, waitFor, type Harness } from './cycleHarness.js';
import { bundled, historyText } from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());

/** A fleet of these agents with a team store and a schedule, served by the harness's worker. */
async function fleetOf(...agents: Awaited<ReturnType<typeof exampleAgent>>[]): Promise<FleetConfig> {
  const teamDir = join(await tempDir('dg-team-'), 'memory');
  await mkdir(teamDir, { recursive: true });
  return h.serve(agents, {
    concurrency: 2,
    teamStore: teamDir,
    schedule: { time: '02:30', timezone: 'Europe/Berlin', jitter: '10m', catchupWindow: '2h' },
  });
}

/** The command line against the harness's worker and a fleet's own file. */
function cliOn(fleet: FleetConfig) {
  const env = { ...process.env, DREAMGATE_TASK_QUEUE: h.client.temporal.taskQueue, NO_COLOR: '1' };
  return async (...args: string[]) => {
    const r = await runCli([...args, '--fleet', fleet.file], env);
    return { code: r.code, out: r.stdout + r.stderr, stdout: r.stdout, stderr: r.stderr };
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
    const order = fleet.agents.map((x) => x.id);
    expect((await fleetOutcomes(h.client, result, order)).map((o) => [o.agent, o.outcome])).toEqual([
      [a.id, 'kept'],
      [b.id, 'kept'],
      [c.id, 'kept'],
    ]);
    expect(result.team?.outcome).toBe('kept');
    const team = await new LocalDirStore(fleet.teamStore!).read();
    const lessons = team.get('/lessons/team.md')!;
    // the lesson names the error by its signature (the tool's own prefix, `npm ERR!`, is not part of it)
    expect(lessons).toContain('`bash` fails with "Missing script: "test:unit"');
    expect(lessons).toContain(`(learned by ${[a.id, b.id].sort().join(', ')})`);
    expect(lessons).not.toContain('crm_lookup'); // one agent only
    // each child under its agent's one cycle id; the team store's under the fleet's team id
    const children = h.client.client.workflow.list({ query: `WorkflowId STARTS_WITH "dream:${fleet.fleet}:"` });
    const ids: string[] = [];
    for await (const w of children) ids.push(w.workflowId);
    expect(ids.sort()).toEqual([a.id, b.id, c.id, '@team'].map((id) => `dream:${fleet.fleet}:${id}`).sort());
    await keepHistory(handle, 'fleet');
  });

  it('on the command line: `fleet run` follows the run to its outcomes, `fleet status` shows the newest run', async () => {
    const a = await exampleAgent('coding-agent');
    const b = await exampleAgent('support-agent', { mode: 'review' });
    const fleet = await h.serve([a, b], { concurrency: 2 });
    const cli = cliOn(fleet);
    const run = await cli('fleet', 'run');
    expect([run.code, run.stderr]).toEqual([0, expect.stringContaining(`started fleet-${fleet.fleet}-`)]);
    // the reviewer's part does not hold the night up: counted as waiting, the cycle goes on
    expect(run.stdout).toMatch(/^2 agent\(s\): (kept 1, in_review 1|in_review 1, kept 1)\n/);
    expect(run.stdout).toMatch(new RegExp(`^${a.id}\\s+kept\\s+promoted change set`, 'm'));
    expect(run.stdout).toMatch(new RegExp(`^${b.id}\\s+in_review\\s+waits for a reviewer`, 'm'));
    const status = await cli('fleet', 'status', '--json');
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      status: 'completed',
      progress: { agents: 2, done: 1, running: 0, waitingForReview: 1, failed: 0, notStarted: 0 },
    });
    const review = h.client.client.workflow.getHandle(`dream:${fleet.fleet}:${b.id}`);
    expect((await cycleState(review)).stage).toBe('review');
    await review.cancel();
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
    const fleet = await h.serve([agent]);
    const handle = await startCycle(h.client, fleet, fleet.agents[0]!);
    await waitFor('review', async () => ((await cycleState(handle)).stage === 'review' ? true : undefined));
    const cli = cliOn(fleet);
    const review = await cli('review', agent.id);
    expect(review.code).toBe(0);
    // each change with its path and reason (what the dreamer proposes is its own tests' business)
    expect(review.out).toMatch(/^(create|update|delete|rename) \/\S+ {2}\[[a-z-]+\]/m);
    // the gate's figures; how far the dream gets is the dreamer's business (a suggestion is not applied)
    const [, before, after] = /baseline (\d\.\d{3}) → (\d\.\d{3})/.exec(review.out) ?? [];
    expect(before).toBe('0.333');
    expect(Number(after)).toBeGreaterThan(Number(before));
    const { changeSetId } = await cycleState(handle);
    expect(review.out).toContain(`id ${changeSetId}`);
    expect(review.out).toContain(`dreamgate approve ${agent.id} ${changeSetId!.slice(0, 12)}`);
    const approved = await cli('approve', agent.id, changeSetId!.slice(0, 12), '--as', 'alice');
    expect([approved.code, approved.out]).toEqual([0, expect.stringContaining('as alice')]);
    expect((await handle.result()).outcome).toBe('kept');
    const history = await cli('history', agent.id, '--json');
    expect(JSON.parse(history.stdout).records.find((r: { event: string }) => r.event === 'approved').actor).toBe(
      'alice',
    );
  });

  it('approves with the reviewer’s edited contents: they go through S3, are evaluated again, and land', async () => {
    const agent = await exampleAgent('support-agent', { mode: 'review' });
    const fleet = await h.serve([agent]);
    const handle = await startCycle(h.client, fleet, fleet.agents[0]!);
    await waitFor('review', async () => ((await cycleState(handle)).stage === 'review' ? true : undefined));
    const edited = join(agent.dir, 'acme.md');
    const mine =
      '# Acme Corp\n\n- Acme plan: Enterprise\n- Acme prefers email over phone calls\n- Reviewer note: renewal call booked for 2027-02-15\n';
    await writeFile(edited, mine);
    const { changeSetId } = await cycleState(handle);
    const { code } = await cliOn(fleet)(
      'approve',
      agent.id,
      changeSetId!,
      '--as',
      'alice',
      '--edit',
      `/customers/acme.md=${edited}`,
    );
    expect(code).toBe(0);
    const result = await handle.result();
    expect(result.outcome).toBe('kept');
    expect((await new LocalDirStore(agent.store).read()).get('/customers/acme.md')).toBe(mine);
    // content never travelled in the decision: the history holds the key and hash only
    const history = historyText(await handle.fetchHistory());
    expect(history).toContain('"editedSha256"');
    expect(history).toContain('Dream cycle of'); // the decoding works: the static summary is found
    expect(history).not.toContain('renewal call booked');
  });

  it('a reviewer overrules a quarantine: the lines it removed come back, are evaluated again, and land', async () => {
    const suite =
      'cases:\n  - id: unit-tests\n    question: How are tests run?\n    expect:\n      all: ["npm test"]\n';
    const agent = await exampleAgent('coding-agent', { mode: 'review' }, suite);
    const fleet = await h.serve([agent]);
    const handle = await startCycle(h.client, fleet, fleet.agents[0]!);
    await waitFor('review', async () => ((await cycleState(handle)).stage === 'review' ? true : undefined));
    const { changeSetId } = await cycleState(handle);
    const cs = await h.client.objects.loadChangeSet({ fleet: fleet.fleet, id: agent.id }, changeSetId!);
    const [q] = cs.quarantined.filter((x) => x.removed_lines.length > 0);
    expect(q).toBeDefined();
    const cli = cliOn(fleet);

    const wrong = await cli('approve', agent.id, changeSetId!, '--as', 'alice', '--restore', 'sess_nope');
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(
      new RegExp(`--restore sess_nope: nothing held or quarantined .*sessions: .*${q!.session_id}`),
    );

    const { code } = await cli('approve', agent.id, changeSetId!, '--as', 'alice', '--restore', q!.session_id);
    expect(code).toBe(0);
    const result = await handle.result();
    expect(result.outcome).toBe('kept');
    const live = await new LocalDirStore(agent.store).read();
    for (const { path, line } of q!.removed_lines) expect(live.get(path)).toContain(line);
    const approved = (
      await new AuditLog(h.client.objects.s3, storageSettings(h.cfg).auditBucket, 1).read(
        agent,
        handle.firstExecutionRunId,
      )
    ).find((r) => r.event === 'approved')!;
    expect(approved.data).toMatchObject({ restoredSessions: [q!.session_id] });
  });

  it('a worker process killed mid-cycle: the cycle finishes correctly under a new worker', async () => {
    const agent = await exampleAgent('coding-agent', { mode: 'review' });
    const fleet = await h.serve([agent]);
    const child = spawn(process.execPath, [join(projectRoot, 'bin', 'dreamgate.js'), 'worker', '--fleet', fleet.file], {
      env: { ...process.env, DREAMGATE_TASK_QUEUE: h.client.temporal.taskQueue },
      stdio: 'ignore',
    });
    try {
      // the harness worker is stopped for this test, so the child is the only one polling
      h.worker.worker.shutdown();
      await h.running;
      const handle = await startCycle(h.client, fleet, fleet.agents[0]!);
      await waitFor('review', async () => ((await cycleState(handle)).stage === 'review' ? true : undefined));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const fresh = await createWorker(
        h.cfg,
        { taskQueue: h.client.temporal.taskQueue, ...bundled() },
        { fleets: h.worker.fleets },
      );
      const done = fresh.worker.runUntil(async () => {
        const { changeSetId } = await cycleState(handle);
        // a plain signal, as `temporal workflow signal --name approve` sends it
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
      const w = await createWorker(
        h.cfg,
        { taskQueue: h.client.temporal.taskQueue, ...bundled() },
        { fleets: h.worker.fleets },
      );
      h.worker = w;
      h.running = w.worker.run();
    }
  });
});
