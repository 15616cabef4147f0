import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { projectRoot } from '../../src/util/paths.js';
import { tempDir } from '../support/sessions.js';

/** A worker in its own process (test/faults/worker.js over dist/), to be killed for real. */
export interface ProcWorker {
  pid: number;
  dir: string;
  exited: Promise<number | null>;
  /** Resolves when the paused activity has started. */
  paused(timeoutMs?: number): Promise<void>;
  release(): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

async function until(what: string, ok: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A worker process on `taskQueue` serving the fleet file `fleet`, pausing (optionally) at `pause`. */
export async function spawnWorker(taskQueue: string, fleet: string, pause?: string): Promise<ProcWorker> {
  const dir = await tempDir('dg-fault-');
  const child = spawn(process.execPath, [join(projectRoot, 'test', 'faults', 'worker.js')], {
    env: {
      ...process.env,
      DREAMGATE_TASK_QUEUE: taskQueue,
      DREAMGATE_FLEET: fleet,
      DREAMGATE_FAULT_DIR: dir,
      DREAMGATE_FAULT_PAUSE: pause ?? '',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  await until(`worker ${child.pid} to start (${stderr})`, () => existsSync(join(dir, `ready-${child.pid}`)), 60_000);
  return {
    pid: child.pid!,
    dir,
    exited,
    paused: (timeoutMs = 120_000) => until(`${pause} to start`, () => existsSync(join(dir, 'paused')), timeoutMs),
    release: () => writeFile(join(dir, 'release'), 'go\n'),
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null) child.kill(signal);
      await exited;
    },
  };
}
