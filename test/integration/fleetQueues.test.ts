import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFleetFile } from '../../src/config/fleetYaml.js';
import { projectRoot } from '../../src/util/paths.js';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/sessions.js';
import { exampleAgent, waitFor } from './cycleHarness.js';
import { unique } from './helpers.js';

/** A real `dreamgate worker` process serving one fleet file; its log is kept. */
interface WorkerProcess {
  child: ChildProcess;
  log: () => string;
  stop(): Promise<void>;
}

const workers: WorkerProcess[] = [];
afterAll(async () => {
  for (const w of workers) await w.stop();
});

async function startWorker(fleetFile: string, env: NodeJS.ProcessEnv = {}): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [join(projectRoot, 'bin', 'dreamgate.js'), 'worker', '--fleet', fleetFile], {
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const w: WorkerProcess = {
    child,
    log: () => log,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGINT');
      await new Promise((r) => child.once('exit', r));
    },
  };
  workers.push(w);
  await waitFor(`the worker to start (${log})`, async () =>
    log.includes('worker polling') ? true : child.exitCode !== null ? Promise.reject(new Error(log)) : undefined,
  );
  return w;
}

/** A fleet of one automatic example agent, in a file of its own. */
async function fleetOfOne(example: string) {
  const agent = await exampleAgent(example, { mode: 'automatic' });
  const name = unique('queues');
  const file = join(await tempDir('dg-queues-'), 'dreamgate.yml');
  await writeFleetFile(file, { fleet: name, agents: [{ ...agent, fleet: name }] });
  return { name, file, agent };
}

const run = (agent: string, file: string, env: NodeJS.ProcessEnv = {}) =>
  runCli(['run', agent, '--fleet', file, '--json'], env, 170_000);

describe('a fleet per task queue: two workers serving two fleets on one namespace', () => {
  it('each fleet’s cycles run on its own queue, and each worker polls only its own fleets’', async () => {
    const [a, b] = [await fleetOfOne('coding-agent'), await fleetOfOne('support-agent')];
    const [wa, wb] = [await startWorker(a.file), await startWorker(b.file)];
    expect(wa.log()).toContain(`"dreamgate-${a.name}"`);
    expect(wa.log()).not.toContain(b.name);
    expect(wb.log()).toContain(`"dreamgate-${b.name}"`);

    const [ra, rb] = await Promise.all([run(a.agent.id, a.file), run(b.agent.id, b.file)]);
    for (const r of [ra, rb]) {
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ status: 'COMPLETED', result: { outcome: 'kept' } });
    }
    // neither worker ever saw the other fleet's cycle
    expect(wa.log()).not.toContain('left dream:');
    expect(wb.log()).not.toContain('left dream:');
    await Promise.all([wa.stop(), wb.stop()]);
  });

  it('on a queue they share, a worker leaves the other fleet’s steps for the worker that serves it, and says so', async () => {
    const [a, b] = [await fleetOfOne('coding-agent'), await fleetOfOne('support-agent')];
    // one queue for every fleet of the deployment, as DREAMGATE_TASK_QUEUE sets it: each step may reach either worker
    const env = { DREAMGATE_TASK_QUEUE: unique('shared') };
    const [wa, wb] = [await startWorker(a.file, env), await startWorker(b.file, env)];
    const [ra, rb] = await Promise.all([run(a.agent.id, a.file, env), run(b.agent.id, b.file, env)]);
    for (const r of [ra, rb]) {
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ status: 'COMPLETED', result: { outcome: 'kept' } });
    }
    // at least one step reached the worker of the other fleet, which left it and said so in its log
    const left = `${wa.log()}\n${wb.log()}`;
    expect(left).toMatch(/left dream:queues-[^ ]+ \(run [^)]+\) for another worker on task queue "shared-/);
    expect(left).toMatch(/is not served by this worker \(it serves: queues-/);
    await Promise.all([wa.stop(), wb.stop()]);
  });
});
