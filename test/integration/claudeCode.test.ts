import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cycleState } from '../../app/cycleClient.js';
import { approveUpdate } from '../../workflows/definitions.js';
import { loadFleetConfig, type AgentConfig } from '../../src/config/fleet.js';
import { lockName } from '../../src/claudeCode/lock.js';
import { AuditLog } from '../../src/audit/audit.js';
import { createS3Client } from '../../src/s3/client.js';
import { storageSettings } from '../../src/config/storage.js';
import { runCli } from '../support/cli.js';
import {
  claudeProject,
  memoryTree as memoryTreeOf,
  TranscriptBuilder,
  writeTranscript,
} from '../support/claudeCode.js';
import { tempDir } from '../support/sessions.js';
import { startHarness, waitFor, type Harness } from './cycleHarness.js';
import { unique } from './helpers.js';

let h: Harness;
let home: Awaited<ReturnType<typeof claudeProject>>;
const savedConfigDir = process.env.CLAUDE_CONFIG_DIR;
const holders: ChildProcess[] = [];

beforeAll(async () => {
  home = await claudeProject();
  // the worker resolves claude-code: locations as Claude Code does, from its environment
  process.env.CLAUDE_CONFIG_DIR = home.configDir;
  h = await startHarness();
});
afterAll(async () => {
  for (const c of holders) c.kill();
  await h?.close();
  if (savedConfigDir === undefined) delete process.env.CLAUDE_CONFIG_DIR;
  else process.env.CLAUDE_CONFIG_DIR = savedConfigDir;
});

/** A live process other than this one, holding the lock as a running Claude Code would. */
function holdLock(): Promise<void> {
  const c = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 300_000)'], { stdio: 'ignore' });
  holders.push(c);
  return writeFile(join(home.memoryDir, lockName), String(c.pid));
}
const ageLock = async (ms: number) => {
  const t = new Date(Date.now() - ms);
  await utimes(join(home.memoryDir, lockName), t, t);
};

async function auditEvents(agent: AgentConfig, cycleId: string): Promise<string[]> {
  const s3 = createS3Client(storageSettings(h.cfg));
  try {
    return (await new AuditLog(s3, storageSettings(h.cfg).auditBucket, 1).read(agent, cycleId)).map((r) => r.event);
  } finally {
    s3.destroy();
  }
}

const memoryTree = () => memoryTreeOf(home.memoryDir);

describe('a Claude Code project, from dreamgate init to a kept dream on the real servers', () => {
  let agent: AgentConfig;

  it('init writes the config; a reviewed cycle waits for a held lock, then keeps the dream with the index in step', async () => {
    const out = join(await tempDir(), 'dreamgate.yml');
    const id = unique('shop-api');
    const init = await runCli(['init', home.project, '--out', out, '--agent', id, '--json'], {
      CLAUDE_CONFIG_DIR: home.configDir,
    });
    expect(init.stderr).toBe('');
    expect(init.code).toBe(0);
    expect(JSON.parse(init.stdout)).toMatchObject({ kind: 'claude-code', agent: id });
    agent = (await loadFleetConfig(out)).agents[0]!;
    expect(agent).toMatchObject({ mode: 'review', suite: '', store: `claude-code:${home.project}` });
    agent = { ...agent, reviewTimeoutMs: 120_000 };
    const before = await memoryTree();
    const staging = await readFile(join(home.memoryDir, 'staging.md'), 'utf8');

    const handle = await h.start(agent);
    const review = await waitFor('review', async () => {
      const s = await cycleState(handle);
      return s.stage === 'review' ? s : undefined;
    });
    // no hand-written suite: the derived one scores the baseline (its superseded host) below the dream
    expect(review.post!).toBeGreaterThan(review.baseline!);

    // Claude Code is consolidating: the promotion waits, and writes nothing
    await holdLock();
    const answer = await handle.executeUpdate(approveUpdate, {
      args: [{ reviewer: agent.reviewers[0]!, changeSetId: review.changeSetId! }],
    });
    expect(answer.accepted).toBe(true);
    const waiting = await waitFor('the lock', async () => {
      const s = await cycleState(handle);
      return s.stage === 'promote' && s.waitingFor?.includes('consolidation lock') ? s : undefined;
    });
    expect(waiting.waitingFor).toContain(`is held by pid ${holders[0]!.pid}`);
    expect(await readFile(join(home.memoryDir, 'staging.md'), 'utf8')).toBe(staging);
    expect(await memoryTree()).toEqual(before);

    // an hour later the lock is stale, whoever holds it: the promotion goes ahead
    await ageLock(61 * 60_000);
    const result = await handle.result();
    expect(result.outcome).toBe('kept');
    expect(await auditEvents(agent, handle.firstExecutionRunId)).toContain('store-locked');

    const after = await memoryTree();
    expect(after.topics).toContain('/recurring-mistakes.md'); // beside the topic files, linked from MEMORY.md
    expect(after.links).toEqual(after.topics); // every topic file is in the index, every link is a file
    expect(await readFile(join(home.memoryDir, 'staging.md'), 'utf8')).not.toContain('db-1.internal');
    expect(after.files).toContain('/archive/staging.md');
    // released, and its time says a consolidation happened
    expect(await readFile(join(home.memoryDir, lockName), 'utf8')).toBe('');
    expect(Date.now() - (await stat(join(home.memoryDir, lockName))).mtimeMs).toBeLessThan(120_000);
  });

  it('a stale lock does not delay the next promotion', async () => {
    // the agent wrote a duplicate since: something to dream; Claude Code's lock is an hour old
    const staging = join(home.memoryDir, 'staging.md');
    await writeFile(staging, `${await readFile(staging, 'utf8')}- Redis cache: redis-staging-2.internal:6379\n`);
    const next = new TranscriptBuilder('7e1f0e2c-4b5d-4e6f-8a9b-eeeeeeeeeeee', home.project, Date.now() - 60_000)
      .user('Cache is still on redis-staging-2.')
      .say('Yes.');
    await writeTranscript(home.folder, next);
    await holdLock();
    await ageLock(2 * 3_600_000);
    const handle = await h.start({ ...agent, mode: 'automatic', minNewSessions: 1 });
    const result = await handle.result();
    expect(result.outcome).toBe('kept');
    expect(await auditEvents(agent, handle.firstExecutionRunId)).not.toContain('store-locked');
    // the copy the agent wrote straight to the store (no session wrote it) is only suggested: an automatic
    // cycle promotes the applied tier and leaves it for a reviewer
    expect((await readFile(staging, 'utf8')).match(/redis-staging-2/g)).toHaveLength(2);
    const tree = await memoryTree();
    expect(tree.links).toEqual(tree.topics);
  });
});
