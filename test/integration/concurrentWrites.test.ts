import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cycleState } from '../../app/cycleClient.js';
import { loadFleetConfig, type AgentConfig } from '../../src/config/fleet.js';
import { approveUpdate } from '../../workflows/definitions.js';
import { runCli } from '../support/cli.js';
import { claudeProject, memoryTree as memoryTreeOf } from '../support/claudeCode.js';
import { tempDir } from '../support/sessions.js';
import { startHarness, waitFor, type Harness } from './cycleHarness.js';
import { unique } from './helpers.js';

let h: Harness;
let home: Awaited<ReturnType<typeof claudeProject>>;
const savedConfigDir = process.env.CLAUDE_CONFIG_DIR;

beforeAll(async () => {
  home = await claudeProject();
  // the worker resolves claude-code: locations as Claude Code does, from its environment
  process.env.CLAUDE_CONFIG_DIR = home.configDir;
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
  if (savedConfigDir === undefined) delete process.env.CLAUDE_CONFIG_DIR;
  else process.env.CLAUDE_CONFIG_DIR = savedConfigDir;
});

const memoryTree = () => memoryTreeOf(home.memoryDir);

describe('Claude Code keeps writing memory while a dream waits for review', () => {
  let agent: AgentConfig;

  beforeAll(async () => {
    const out = join(await tempDir(), 'dreamgate.yml');
    const init = await runCli(['init', home.project, '--out', out, '--agent', unique('shop-api'), '--json'], {
      CLAUDE_CONFIG_DIR: home.configDir,
    });
    expect(init.code).toBe(0);
    agent = { ...(await loadFleetConfig(out)).agents[0]!, reviewTimeoutMs: 120_000 };
  });

  it('a memory saved during review lands with the approved dream; the index lists every topic file once', async () => {
    const handle = await h.start(agent);
    const review = await waitFor('review', async () => {
      const s = await cycleState(handle);
      return s.stage === 'review' ? s : undefined;
    });
    // Claude Code saves a memory: a new topic file, and a line for it at the end of MEMORY.md
    const topic = '---\nname: Release train\ndescription: who cuts the release\ntype: project\n---\n\nMaya cuts it.\n';
    await writeFile(join(home.memoryDir, 'release_train.md'), topic);
    const indexPath = join(home.memoryDir, 'MEMORY.md');
    const line = '- [Release train](release_train.md) — who cuts the release';
    await writeFile(indexPath, (await readFile(indexPath, 'utf8')).replace(/\n*$/, `\n${line}\n`));

    const answer = await handle.executeUpdate(approveUpdate, {
      args: [{ reviewer: agent.reviewers[0]!, changeSetId: review.changeSetId! }],
    });
    expect(answer.accepted).toBe(true);
    const result = await handle.result();
    expect(result.outcome).toBe('kept');
    expect(result.reason).toContain('merged line by line');
    expect(result.reason).toContain('/MEMORY.md');

    const after = await memoryTree();
    // the agent's memory and the dream's both landed
    expect(await readFile(join(home.memoryDir, 'release_train.md'), 'utf8')).toBe(topic);
    expect(after.topics).toContain('/recurring-mistakes.md'); // beside the topic files, linked from MEMORY.md
    expect(after.files).toContain('/archive/staging.md');
    expect(await readFile(join(home.memoryDir, 'staging.md'), 'utf8')).not.toContain('db-1.internal');
    // every topic file in the index once, every link a file, and the agent's own line as written
    expect(after.links).toEqual(after.topics);
    expect(after.index.split('\n').filter((l) => l === line)).toHaveLength(1);
  });
});
