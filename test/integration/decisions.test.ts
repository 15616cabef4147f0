import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cycleState, type StartedCycle } from '../../app/cycleClient.js';
import type { AgentConfig } from '../../src/config/fleet.js';
import { CycleObjects } from '../../src/cycle/objects.js';
import { lessonsPath } from '../../src/dream/heuristic.js';
import type { ChangeSet } from '../../src/memory/changeSet.js';
import { createS3Client } from '../../src/s3/client.js';
import { storageSettings } from '../../src/config/storage.js';
import { rejectUpdate } from '../../workflows/definitions.js';
import { exampleAgent, startHarness, waitFor, type Harness } from './cycleHarness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());

async function changeSet(agent: AgentConfig & { fleet: string }, id: string): Promise<ChangeSet> {
  const s3 = createS3Client(storageSettings(h.cfg));
  try {
    return await new CycleObjects(s3, storageSettings(h.cfg).snapshotsBucket).loadChangeSet(
      { fleet: agent.fleet, id: agent.id },
      id,
    );
  } finally {
    s3.destroy();
  }
}

const inReview = (handle: StartedCycle) =>
  waitFor('review', async () => {
    const s = await cycleState(handle);
    return s.stage === 'review' ? s : s.stage === 'done' ? Promise.reject(new Error(s.reason)) : undefined;
  });

/** A session of the agent written again as a new one that ended a moment ago: the same mistake, seen once more. */
async function sameMistakeAgain(agent: AgentConfig & { dir: string }, sessionId: string): Promise<string> {
  const dir = join(agent.sessions, agent.id);
  const lines = (await readFile(join(dir, `${sessionId}.jsonl`), 'utf8')).trim().split('\n');
  const now = Date.now() - lines.length * 1_000;
  const moved = lines.map((l, i) => JSON.stringify({ ...JSON.parse(l), processed_at: new Date(now + i * 1_000) }));
  await writeFile(join(dir, 'sess_code_again.jsonl'), `${moved.join('\n')}\n`);
  return 'sess_code_again';
}

describe('decisions are remembered', () => {
  it('a rejected lesson is not proposed again without a new session; with one, it is, saying which decision it overrides', async () => {
    const agent = await exampleAgent('coding-agent', { mode: 'review', reviewTimeoutMs: 120_000 });
    const reject = (handle: StartedCycle, changeSetId: string) =>
      handle.executeUpdate(rejectUpdate, { args: [{ reviewer: 'alice', changeSetId, reason: 'not a lesson' }] });

    // 1. a reviewer rejects the change set, lesson and all
    let handle = await h.start(agent);
    const first = (await inReview(handle)).changeSetId!;
    const lesson = (await changeSet(agent, first)).changes.find((c) => c.path === lessonsPath)!;
    expect(lesson.evidence.length).toBeGreaterThan(0);
    expect((await reject(handle, first)).accepted).toBe(true);
    expect((await handle.result()).outcome).toBe('rejected');

    // 2. the same sessions again: the lesson is not proposed, and the change set says why (what screening
    // does, a secret redacted, is never held back by a decision: it is proposed again)
    handle = await h.start(agent);
    const second = (await inReview(handle)).changeSetId!;
    const held = await changeSet(agent, second);
    expect(held.changes.map((c) => c.path)).not.toContain(lessonsPath);
    expect(held.changes.map((c) => c.reason)).toContain('redact');
    expect(held.dropped).toContainEqual({
      path: lessonsPath,
      op: 'create',
      why: `create ${lessonsPath} dropped: rejected by alice on ${new Date().toISOString().slice(0, 10)} (change set ${first.slice(0, 12)}: not a lesson); no session since says it again`,
    });
    expect((await reject(handle, second)).accepted).toBe(true);
    expect((await handle.result()).outcome).toBe('rejected');

    // 3. a new session makes the same mistake: the lesson comes back, naming the decision it overrides
    const again = await sameMistakeAgain(agent, lesson.evidence[0]!.session_id);
    handle = await h.start(agent);
    const third = (await inReview(handle)).changeSetId!;
    const back = (await changeSet(agent, third)).changes.find((c) => c.path === lessonsPath)!;
    expect(back.overrides).toMatchObject({ changeSetId: first, reviewer: 'alice', sessions: [again] });
    expect(back.detail).toContain(`proposed again over the proposal rejected by alice`);
    expect(back.detail).toContain(`new evidence in ${again}`);
    expect((await reject(handle, third)).accepted).toBe(true);
    expect((await handle.result()).outcome).toBe('rejected');
  });
});
