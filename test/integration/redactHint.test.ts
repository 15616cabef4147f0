import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cycleState } from '../../app/cycleClient.js';
import { runCli } from '../support/cli.js';
import { exampleAgent, startHarness, waitFor, type Harness } from './cycleHarness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());

const env = () => ({ DREAMGATE_TASK_QUEUE: h.client.temporal.taskQueue, NO_COLOR: '1', DREAMGATE_REVIEWER: 'alice' });
const secretLine = '- Stripe key for the sandbox: sk_live_51HxQ2eK9mZ7vT4rW8yB3nC6dF1gJ0aLpQ';

/** An example agent whose store holds a pasted secret, in a fleet of its own the harness's worker serves. */
async function withSecret(mode: 'automatic' | 'review') {
  const agent = await exampleAgent('coding-agent', { mode, minNewSessions: 0 });
  await appendFile(join(agent.store, 'conventions.md'), `${secretLine}\n`);
  const fleet = await h.serve([agent]);
  return { agent, file: fleet.file };
}

describe('a secret a dream redacts that older snapshots still hold', () => {
  it('review says to run dreamgate redact once the change set is kept', async () => {
    const { agent, file } = await withSecret('review');
    const handle = await h.start(agent);
    await waitFor('review', async () => ((await cycleState(handle)).stage === 'review' ? true : undefined));
    const review = await runCli(['review', agent.id, '--fleet', file], env());
    expect(review.code, review.stderr).toBe(0);
    // the example store holds a secret of its own besides the one pasted here
    expect(review.stdout).toMatch(
      /this change set redacts [2-9] secret\(s\) from the live store; the snapshots taken before it \(this cycle's too\) still hold them: once it is kept, run `dreamgate redact /,
    );
    await handle.terminate('test done');
  });

  it('history says so until `dreamgate redact` ran; blame keeps the line its author’s, naming the redaction', async () => {
    const { agent, file } = await withSecret('automatic');
    const handle = await h.start(agent);
    expect((await handle.result()).outcome).toBe('kept');
    const run = handle.firstExecutionRunId;

    const history = await runCli(['history', agent.id, '--fleet', file], env());
    expect(history.code, history.stderr).toBe(0);
    expect(history.stdout).toMatch(
      new RegExp(
        `[2-9] secret\\(s\\) were redacted from the live store by cycle\\(s\\) ${run}; older snapshots still hold them: run \`dreamgate redact ${agent.id}\``,
      ),
    );
    const blame = await runCli(['blame', agent.id, '/conventions.md', '--fleet', file], env());
    expect(blame.code, blame.stderr).toBe(0);
    const line = blame.stdout.split('\n').find((l) => l.includes('Stripe key for the sandbox'))!;
    // written before dreamgate, not by the sessions of the change that redacted it
    expect(line).toMatch(/^before dreamgate\s+│ - Stripe key for the sandbox: \[REDACTED:[\w-]+\]/);
    expect(line).toContain(`(a secret redacted by ${run})`);

    const redact = await runCli(['redact', agent.id, '--fleet', file, '--as', 'alice'], env());
    expect(redact.code, redact.stderr).toBe(0);
    const after = await runCli(['history', agent.id, '--fleet', file], env());
    expect(after.stdout).not.toContain('older snapshots still hold them');
  });
});
