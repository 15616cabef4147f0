import { execFile, spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { StackConfig } from '../../src/config/stack.js';

const run = promisify(execFile);

export type ServerName = 'temporal' | 's3';

/** The binary each server is built into, e.g. temporal-v1.5.1. */
export function binaryPath(cfg: StackConfig, server: ServerName): string {
  const { module, version } = cfg[server];
  return join(cfg.binCache, `${module.split('/').pop()}-${version}`);
}

export class StackError extends Error {
  override readonly name = 'StackError';
}

const minGo = [1, 25] as const;

async function checkGo(): Promise<void> {
  let out: string;
  try {
    out = (await run('go', ['version'])).stdout;
  } catch {
    throw new StackError(`Go ≥ ${minGo.join('.')} is needed on PATH to build the local servers; "go" was not found.`);
  }
  const m = /go(\d+)\.(\d+)/.exec(out);
  const [major, minor] = m ? [Number(m[1]), Number(m[2])] : [0, 0];
  if (major < minGo[0] || (major === minGo[0] && minor < minGo[1])) {
    throw new StackError(
      `Go ≥ ${minGo.join('.')} is needed on PATH to build the local servers; found "${out.trim()}".`,
    );
  }
}

async function isExecutable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(
    () => true,
    () => false,
  );
}

/**
 * Returns the server's binary, building it with `go install module@version` into the per-machine cache
 * the first time. Builds go to a temporary GOBIN and are renamed into place, so a concurrent or
 * interrupted build never leaves a half-written binary behind.
 */
export async function ensureBinary(cfg: StackConfig, server: ServerName, log: (line: string) => void): Promise<string> {
  const target = binaryPath(cfg, server);
  if (await isExecutable(target)) return target;
  await checkGo();
  const { module, version } = cfg[server];
  await mkdir(cfg.binCache, { recursive: true });
  const gobin = await mkdtemp(join(cfg.binCache, '.build-'));
  const started = Date.now();
  log(`building ${module}@${version} with go install into ${cfg.binCache} (once per machine; a few minutes)…`);
  const ticker = setInterval(
    () => log(`  still building ${module.split('/').pop()} (${Math.round((Date.now() - started) / 1000)}s)…`),
    30_000,
  );
  try {
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn('go', ['install', `${module}@${version}`], {
        env: { ...process.env, GOBIN: gobin, GOFLAGS: process.env.GOFLAGS ?? '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let text = '';
      child.stdout.on('data', (d: Buffer) => (text += d.toString()));
      child.stderr.on('data', (d: Buffer) => (text += d.toString()));
      child.on('error', reject);
      child.on('close', (code) =>
        code === 0
          ? resolve(text)
          : reject(
              new StackError(
                `go install ${module}@${version} failed (exit ${code}):\n${text.split('\n').slice(-15).join('\n')}`,
              ),
            ),
      );
    });
    void output;
    await rename(join(gobin, module.split('/').pop()!), target);
    log(`built ${target} in ${Math.round((Date.now() - started) / 1000)}s`);
    return target;
  } finally {
    clearInterval(ticker);
    await rm(gobin, { recursive: true, force: true });
  }
}
