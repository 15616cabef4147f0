import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cycleState, startCycle, type StartedCycle } from '../../app/cycleClient.js';
import type { AgentConfig, FleetConfig } from '../../src/config/fleet.js';
import { fingerprintsKey } from '../../src/names/keys.js';
import { lessonsPath } from '../../src/dream/heuristic.js';
import type { ChangeSet } from '../../src/memory/changeSet.js';
import { rejectUpdate } from '../../workflows/definitions.js';
import { runCli } from '../support/cli.js';
import { exampleAgent, startHarness, waitFor, type Harness } from './cycleHarness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());

type Agent = AgentConfig & { fleet: string; dir: string };
const scopeOf = (agent: Agent) => ({ fleet: agent.fleet, id: agent.id });
const changeSet = (agent: Agent, id: string): Promise<ChangeSet> => h.client.objects.loadChangeSet(scopeOf(agent), id);
const project = '/project.md';
const eight = '- CI pipeline duration on main: about 8 minutes';

const reachedReviewOrEnd = (handle: StartedCycle) =>
  waitFor('review or end', async () => {
    const s = await cycleState(handle);
    return s.stage === 'review' || s.stage === 'done' ? s : undefined;
  });

async function inReview(handle: StartedCycle) {
  const s = await reachedReviewOrEnd(handle);
  if (s.stage !== 'review') throw new Error(`the cycle ended ${s.outcome}: ${s.reason}`);
  return s;
}

/** A session of the agent written again as a new one that ended a moment ago: the same facts, said once more. */
async function sayItAgain(agent: Agent, sessionId: string): Promise<string> {
  const dir = join(agent.sessions, agent.id);
  const lines = (await readFile(join(dir, `${sessionId}.jsonl`), 'utf8')).trim().split('\n');
  const now = Date.now() - (lines.length - 1) * 1_000;
  const moved = lines.map((l, i) => JSON.stringify({ ...JSON.parse(l), processed_at: new Date(now + i * 1_000) }));
  await writeFile(join(dir, `${sessionId}_again.jsonl`), `${moved.join('\n')}\n`);
  return `${sessionId}_again`;
}

/** A cycle of the agent, started on its own fleet file; returns the fleet (for the command line) and the handle. */
async function cycle(agent: Agent): Promise<{ fleet: FleetConfig; handle: StartedCycle }> {
  const fleet = await h.serve([agent]);
  return { fleet, handle: await startCycle(h.client, fleet, fleet.agents[0]!) };
}

const reject = (handle: StartedCycle, changeSetId: string) =>
  handle.executeUpdate(rejectUpdate, { args: [{ reviewer: 'alice', changeSetId, reason: 'no' }] });

describe('decision memory (real servers)', () => {
  it('a line the owner edited by hand is not rewritten without a newer session; with one, the change says it overrides an owner edit', async () => {
    const agent = (await exampleAgent('coding-agent', { minNewSessions: 0 })) as Agent;
    const file = join(agent.store, 'project.md');
    // 1. an automatic cycle promotes the dream: the CI duration becomes the sessions' 8 minutes
    expect((await (await cycle(agent)).handle.result()).outcome).toBe('kept');
    expect(await readFile(file, 'utf8')).toContain(eight);
    // 2. the owner knows better and writes 10 by hand; the old sessions still say 8
    await writeFile(
      file,
      (await readFile(file, 'utf8')).replace(eight, '- CI pipeline duration on main: about 10 minutes'),
    );
    const second = await (await cycle(agent)).handle.result();
    const held = await changeSet(agent, second.changeSetId!);
    expect(held.changes.map((c) => c.path)).not.toContain(project);
    const why = held.dropped?.find((d) => d.path === project)?.why;
    expect(why).toContain(
      '"ci pipeline duration on main: about 10 minutes" was written by hand since the last promotion',
    );
    expect(await readFile(file, 'utf8')).toContain('about 10 minutes');
    // 3. a promotion in between does not make the owner's line the dream's: still held a night later
    const third = await (await cycle(agent)).handle.result();
    expect((await changeSet(agent, third.changeSetId!)).changes.map((c) => c.path)).not.toContain(project);
    // 4. a session that ended after the edit says 8 again: the dream may rewrite it, and says what it overrides
    const again = await sayItAgain(agent, 'sess_code_013');
    const fourth = await (await cycle(agent)).handle.result();
    const back = (await changeSet(agent, fourth.changeSetId!)).changes.find((c) => c.path === project)!;
    expect(back.overrides).toMatchObject({ kind: 'owner-edit', reviewer: 'the owner', sessions: [again] });
    expect(back.detail).toContain('overrides an owner edit');
    // whether it lands is the gate's to say: the derived retention case still asks for the owner's value
    expect(fourth.outcome === 'kept' || /retain-all/.test(fourth.reason ?? ''), fourth.reason).toBe(true);
  });

  it('what a reviewer edited away is not proposed again without a newer session', async () => {
    const agent = (await exampleAgent('coding-agent', {
      mode: 'review',
      reviewTimeoutMs: 120_000,
      minNewSessions: 0,
    })) as Agent;
    // 1. the reviewer approves the dream's /project.md but keeps the old CI duration (an --edit)
    const started = await cycle(agent);
    const fleet = started.fleet;
    let handle = started.handle;
    const first = (await inReview(handle)).changeSetId!;
    const proposed = (await changeSet(agent, first)).changes.find((c) => c.path === project)!;
    expect(proposed.after).toContain(eight);
    const mine = join(agent.dir, 'project-edited.md');
    await writeFile(mine, proposed.after!.replace(eight, '- CI pipeline duration on main: about 12 minutes'));
    const env = { ...process.env, DREAMGATE_TASK_QUEUE: h.client.temporal.taskQueue, NO_COLOR: '1' };
    const approve = await runCli(
      ['approve', agent.id, first, '--as', 'alice', '--edit', `${project}=${mine}`, '--fleet', fleet.file],
      env,
    );
    expect(approve.code, approve.stderr).toBe(0);
    expect((await handle.result()).outcome).toBe('kept');
    // 2. the same sessions again: the line the reviewer took out is not proposed (nothing else is left, so the
    // cycle ends without a review), and the change set says why
    ({ handle } = await cycle(agent));
    const skipped = await handle.result();
    expect(skipped.outcome).toBe('skipped');
    const cs = await changeSet(agent, skipped.changeSetId!);
    expect(cs.changes.map((c) => c.path)).not.toContain(project);
    expect(cs.dropped?.find((d) => d.path === project)?.why).toMatch(
      /was (taken out|kept) by alice on .* \(edit of change set/,
    );
    // 3. a newer session says 8 again: proposed, naming the reviewer's edit it overrides
    const again = await sayItAgain(agent, 'sess_code_013');
    ({ handle } = await cycle(agent));
    // (the new session also rewrites /workflows/converged.md, which the derived retention case may refuse at
    // the gate before review: what this test reads is the change set either way)
    const third = await reachedReviewOrEnd(handle);
    const cs3 = await changeSet(agent, third.changeSetId!);
    const back = cs3.changes.find((c) => c.path === project);
    // on a miss, say why the dream held the line back (the clock of the newer session against the decision)
    expect(
      back,
      JSON.stringify({
        third,
        dropped: cs3.dropped,
        changes: cs3.changes.map((c) => ({ path: c.path, evidence: c.evidence })),
      }),
    ).toBeDefined();
    expect(back!.overrides).toMatchObject({
      kind: 'edited-away',
      changeSetId: first,
      reviewer: 'alice',
      sessions: [again],
    });
    if (third.stage === 'review') expect((await reject(handle, third.changeSetId!)).accepted).toBe(true);
    await handle.result();
  });

  it('a forged decision memory is ignored: the rejection still holds, from the change set the signed record names', async () => {
    const agent = (await exampleAgent('coding-agent', {
      mode: 'review',
      reviewTimeoutMs: 120_000,
      minNewSessions: 0,
    })) as Agent;
    let { handle } = await cycle(agent);
    const first = (await inReview(handle)).changeSetId!;
    expect((await changeSet(agent, first)).changes.map((c) => c.path)).toContain(lessonsPath);
    expect((await reject(handle, first)).accepted).toBe(true);
    await handle.result();
    // an S3 writer empties the memory beside the rejected change set, keeping its seal: it no longer checks
    const key = fingerprintsKey(scopeOf(agent), first);
    const stored = (await h.client.objects.getJson<{ prints: Record<string, string> }>(key))!;
    expect(Object.keys(stored.prints)).toContain(lessonsPath);
    await h.client.objects.putJson(key, { ...stored, prints: {} });
    ({ handle } = await cycle(agent));
    const second = (await inReview(handle)).changeSetId!;
    const cs = await changeSet(agent, second);
    expect(cs.changes.map((c) => c.path)).not.toContain(lessonsPath);
    expect(cs.dropped?.find((d) => d.path === lessonsPath)?.why).toContain('rejected by alice');
    expect((await reject(handle, second)).accepted).toBe(true);
    await handle.result();
  });
});
