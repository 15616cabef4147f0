import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/util/paths.js';
import { runCli } from '../support/cli.js';
import { claudeProject } from '../support/claudeCode.js';
import { tempDir } from '../support/sessions.js';
import { waitFor } from './cycleHarness.js';
import { unique } from './helpers.js';

let worker: ChildProcess | undefined;
afterAll(async () => {
  if (worker && worker.exitCode === null) {
    worker.kill('SIGINT');
    await new Promise((r) => worker!.once('exit', r));
  }
});

describe('Claude Code’s SessionEnd hook', () => {
  it('returns at once, and asks for a dream once enough sessions have gathered', async () => {
    const home = await claudeProject(); // four sessions, never consolidated
    const state = await tempDir('dg-state-');
    const env = { CLAUDE_CONFIG_DIR: home.configDir, XDG_STATE_HOME: state, NO_COLOR: '1' };
    const fleet = join(await tempDir('dg-hook-'), 'dreamgate.yml');
    const agent = unique('shop');
    const init = await runCli(['init', home.project, '--out', fleet, '--agent', agent, '--hook', '--json'], env);
    expect(init.code, init.stderr).toBe(0);
    const { command } = JSON.parse(init.stdout).hook as { command: string };

    let log = '';
    worker = spawn(process.execPath, [join(projectRoot, 'bin', 'dreamgate.js'), 'worker', '--fleet', fleet], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    worker.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    await waitFor(`the worker (${log})`, async () => (log.includes('worker polling') ? true : undefined));

    // as Claude Code runs it: the command line from settings.json, through a shell, the hook's input on stdin
    const ended = '7e1f0d2c-4b5d-4e6f-8a9b-dddddddddddd';
    const hook = spawn('/bin/sh', ['-c', command], {
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    hook.stdin.end(JSON.stringify({ session_id: ended, hook_event_name: 'SessionEnd', reason: 'prompt_input_exit' }));
    const code = await new Promise<number | null>((r) => hook.on('exit', r));
    expect(code).toBe(0); // it has not waited for the dream: the decision comes later, in its log

    const logFile = join(state, 'dreamgate', 'session-end.log');
    const decision = await waitFor('the hook’s decision', async () => {
      const text = await readFile(logFile, 'utf8').catch(() => '');
      return text.includes(agent) ? text : undefined;
    });
    // the session that ended is not counted: three sessions since, three needed (init writes minNewSessions: 3)
    expect(decision).toMatch(
      new RegExp(`${agent}: 3 session\\(s\\) so far: asked for a dream, dream:${agent}:${agent} \\(run `),
    );

    const status = await runCli(['status', agent, '--fleet', fleet, '--json'], env);
    const [cycle] = JSON.parse(status.stdout).cycles as { workflowId: string; status: string }[];
    expect(cycle).toMatchObject({ workflowId: `dream:${agent}:${agent}`, status: 'RUNNING' });
    expect((await runCli(['cancel', agent, '--fleet', fleet], env)).code).toBe(0);

    // ended again within ten minutes: not asked for twice
    const again = await runCli(['hook', 'session-end', '--fleet', fleet, '--agent', agent, '--session', ended], env);
    expect(again.stdout).toContain('a dream was asked for less than 10 min ago');
  });
});
