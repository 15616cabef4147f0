import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, type DreamgateClient } from '../../app/client.js';
import { writeFleetFile } from '../../src/config/fleetYaml.js';
import { loadStackConfig } from '../../src/config/stack.js';
import { projectRoot } from '../../src/util/paths.js';
import { runCli, type CliResult } from '../support/cli.js';
import { tempDir } from '../support/sessions.js';
import { exampleAgent, waitFor } from './cycleHarness.js';
import { unique } from './helpers.js';

/**
 * A CLI that always answers: with no worker polling, the commands that need one say so at once and how to
 * start one; `run` prints the cause a failed cycle recorded; `status` lists failed and cancelled cycles with
 * their reasons; `cancel` ends a cycle cleanly with or without a worker; `show` prints any past cycle.
 */
let fleetFile: string;
let agentId: string;
let fleetName: string;
let client: DreamgateClient;
let worker: ChildProcess | undefined;
let workerLog = '';

async function startWorker(): Promise<void> {
  workerLog = '';
  const child = spawn(process.execPath, [join(projectRoot, 'bin', 'dreamgate.js'), 'worker', '--fleet', fleetFile], {
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr!.on('data', (d: Buffer) => (workerLog += d.toString()));
  worker = child;
  await waitFor(`the worker (${workerLog})`, async () =>
    workerLog.includes('worker polling')
      ? true
      : child.exitCode !== null
        ? Promise.reject(new Error(workerLog))
        : undefined,
  );
}

async function stopWorker(): Promise<void> {
  const w = worker;
  worker = undefined;
  if (!w || w.exitCode !== null) return;
  w.kill('SIGINT');
  await new Promise((r) => w.once('exit', r));
}

/** The command line with this fleet, timed: a command that needs a worker must not wait for one. */
async function cli(...args: string[]): Promise<CliResult & { ms: number }> {
  const started = Date.now();
  const r = await runCli([...args, '--fleet', fleetFile], { DREAMGATE_REVIEWER: 'alice' }, 120_000);
  const ms = Date.now() - started;
  process.stderr.write(`[noWorker] dreamgate ${args.join(' ')}: exit ${r.code} in ${ms} ms\n`);
  return { ...r, ms };
}

beforeAll(async () => {
  const agent = await exampleAgent('support-agent', {
    mode: 'review',
    reviewers: ['alice'],
    reviewTimeoutMs: 3_600_000,
  });
  fleetName = unique('noworker');
  agentId = agent.id;
  fleetFile = join(await tempDir('dg-noworker-'), 'dreamgate.yml');
  await writeFleetFile(fleetFile, { fleet: fleetName, agents: [{ ...agent, fleet: fleetName }] });
  client = await connectClient(await loadStackConfig());
});
afterAll(async () => {
  await stopWorker();
  await client?.close();
});

const noWorker = (queue: string) =>
  new RegExp(
    `no worker is polling task queue "${queue}" .*start one with \`dreamgate worker --fleet ${fleetFile.replace(/[.]/g, '\\.')}\``,
  );

describe('with no worker running', () => {
  it('status, review and run say so at once, with the command that starts one, and exit 1; run starts nothing', async () => {
    const queue = `dreamgate-${fleetName}`;
    const status = await cli('status', agentId);
    expect(status.code).toBe(1);
    expect(status.stderr).toMatch(noWorker(queue));
    expect(status.stdout).toContain('no cycles yet');
    const run = await cli('run', agentId);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(noWorker(queue));
    // nothing was started that would hold the agent's one workflow id
    await expect(client.client.workflow.getHandle(`dream:${fleetName}:${agentId}`).describe()).rejects.toThrow();
  });

  it('a cycle waiting for review, its worker gone: status, review and run say so; cancel ends it cleanly', async () => {
    await startWorker();
    const started = await cli('run', agentId, '--json');
    expect(started.code, started.stderr).toBe(0);
    const waiting = JSON.parse(started.stdout) as { workflowId: string; runId: string; state: { stage: string } };
    expect(waiting.state.stage).toBe('review');
    await stopWorker();

    const status = await cli('status', agentId);
    expect(status.code).toBe(1);
    expect(status.stdout).toContain(`waiting: no worker is polling task queue "dreamgate-${fleetName}"`);
    const review = await cli('review', agentId);
    expect(review.code).toBe(1);
    expect(review.stderr).toMatch(noWorker(`dreamgate-${fleetName}`));
    const again = await cli('run', agentId);
    expect(again.code).toBe(1);

    const cancel = await cli('cancel', agentId, '--reason', 'going on holiday');
    expect(cancel.code, cancel.stderr).toBe(0);
    expect(cancel.stdout).toContain(`cancelled ${agentId}: cancelled by alice: going on holiday`);
    const after = await cli('status', agentId);
    expect(after.stdout).toMatch(/cancelled .*\n\s+cancelled by alice: going on holiday \(no worker was running/);
  });
});

describe('with a worker', () => {
  beforeAll(startWorker);

  it('the chain goes on after a cancelled cycle; cancel with a worker compensates; show prints any past cycle', async () => {
    const next = await cli('run', agentId, '--now', '--json');
    expect(next.code, next.stderr).toBe(0);
    const { runId } = JSON.parse(next.stdout) as { runId: string };
    const cancel = await cli('cancel', agentId, '--reason', 'not tonight');
    expect(cancel.code, cancel.stderr).toBe(0);
    expect(cancel.stdout).toMatch(new RegExp(`^cancelled ${agentId}: cancelled by .*not tonight`));
    // the log is one chain: the cycle ended with no worker left records the next one chained onto
    const history = await cli('history', agentId);
    expect(history.code, history.stderr).toBe(0);
    expect(history.stdout).toContain('chain intact');

    const show = await cli('show', agentId, '--cycle', runId);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain(`${agentId} cycle ${runId}`);
    expect(show.stdout).toMatch(/baseline\s+\d\.\d{3}/);
    expect(show.stdout).toMatch(/change set [0-9a-f]{12}/);
    // its sessions are shown by date and first words, with the id beside
    expect(show.stdout).toMatch(/evidence: \d{4}-\d\d-\d\d \d\d:\d\d "[^"]+" \(/);
  });

  it('run prints the cause a failed cycle recorded; status lists it, and one refused before its first step', async () => {
    // the command reads a copy of the fleet the worker does not hold: the cycle fails at its first step
    const copy = join(await tempDir('dg-noworker-copy-'), 'dreamgate.yml');
    await writeFile(copy, `${await readFile(fleetFile, 'utf8')}# edited\n`);
    const failed = await runCli(['run', agentId, '--fleet', copy], {}, 120_000);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(
      new RegExp(
        `^failed ${agentId}: InvalidInput: configuration [0-9a-f]{12} of fleet "${fleetName}" is not held by this worker`,
      ),
    );

    // a cycle whose input is refused before any step (started by a plain client, under the agent's id)
    const refused = await client.client.workflow.start('dreamCycle', {
      taskQueue: `dreamgate-${fleetName}`,
      workflowId: `dream:${fleetName}:${agentId}`,
      args: [{ fleet: fleetName, agent: agentId, configHash: 'not-a-hash', trigger: 'test' }],
    });
    await expect(refused.result()).rejects.toThrow();
    const status = await cli('status', agentId);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/failed .*\n\s+InvalidInput: cycle input: configHash is not a sha256/);
    expect(status.stdout).toMatch(/failed .*\n\s+InvalidInput: configuration [0-9a-f]{12} of fleet/);
    expect(status.stdout).toMatch(/cancelled .*\n\s+cancelled by /);
  });
});
