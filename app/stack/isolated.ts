import { mkdir, rm, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { loadStackConfig, type StackConfig } from '../../src/config/stack.js';
import { StackError } from './binaries.js';
import { stackStatus } from './servers.js';

async function isFree(host: string, port: number): Promise<boolean> {
  const server = createServer();
  const ok = await new Promise<boolean>((r) => {
    server.once('error', () => r(false));
    server.listen(port, host, () => r(true));
  });
  if (ok) await new Promise<void>((r) => server.close(() => r()));
  return ok;
}

/**
 * Free ports below the ephemeral range (where the OS and Temporal's dev server pick their own random ports,
 * which could take a port chosen here before its server binds it), from a start that depends on the folder,
 * so two checkouts rarely probe the same ports.
 */
async function freePorts(host: string, n: number, seed: string): Promise<number[]> {
  const ports: number[] = [];
  const start = 20_000 + (parseInt(createHash('sha256').update(seed).digest('hex').slice(0, 8), 16) % 10_000);
  for (let p = start; ports.length < n && p < 32_000; p++) if (await isFree(host, p)) ports.push(p);
  if (ports.length < n) throw new StackError(`no ${n} free ports on ${host} between ${start} and 32000`);
  return ports;
}

/**
 * A stack of its own for a run that stops and restarts servers (the fault tests), beside the shared one:
 * the same pinned servers and buckets, its own state folder (`<stateDir>-<name>`) and free loopback ports,
 * written to a stack file that the run's processes load (DREAMGATE_STACK_CONFIG). Other checkouts' stacks,
 * and this checkout's shared one, are never touched. If a run of the same name is still using that folder,
 * this stops at once with one line naming it.
 */
export async function isolatedStack(base: StackConfig, name: string): Promise<StackConfig> {
  const stateDir = resolve(`${base.stateDir}-${name}`);
  const file = join(stateDir, 'temporal-dev.yml');
  const previous = await loadStackConfig(file).catch(() => undefined);
  if (previous) {
    const live = (await stackStatus(previous)).filter((s) => s.pid !== undefined);
    if (live.length > 0)
      throw new StackError(
        `the ${name} stack in ${stateDir} is in use (${live.map((s) => `${s.server} pid ${s.pid} on ${s.address}`).join(', ')}): another ${name} run of this checkout? Wait for it, or stop it with \`dreamgate stack down --stack ${file}\``,
      );
  }
  // nothing of an earlier run is needed: start from empty servers
  await rm(stateDir, { recursive: true, force: true });
  await mkdir(stateDir, { recursive: true });
  const [temporalPort, uiPort, s3Port] = (await freePorts(base.temporal.host, 3, stateDir)) as [number, number, number];
  const config = {
    binCache: base.binCache,
    stateDir,
    temporal: { ...base.temporal, port: temporalPort, uiPort },
    s3: { ...base.s3, port: s3Port },
  };
  await writeFile(
    file,
    `# The ${name} stack: written by isolatedStack() from ${base.file}, with ports of its own.\n${stringify(config)}`,
  );
  return loadStackConfig(file);
}
