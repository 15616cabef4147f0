import { spawn } from 'node:child_process';
import { mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { s3Endpoint, temporalAddress, type StackConfig } from '../../src/config/stack.js';
import { ensureBinary, StackError, type ServerName } from './binaries.js';
import { ensureBuckets } from './buckets.js';

export const servers: readonly ServerName[] = ['temporal', 's3'];

export interface ServerStatus {
  server: ServerName;
  healthy: boolean;
  /** The pid this clone started, when it is still alive. */
  pid?: number;
  address: string;
}

const pidFile = (cfg: StackConfig, s: ServerName) => join(cfg.stateDir, `${s}.pid`);
export const logFile = (cfg: StackConfig, s: ServerName) => join(cfg.stateDir, `${s}.log`);

function serverAddress(cfg: StackConfig, s: ServerName): string {
  return s === 'temporal' ? temporalAddress(cfg) : s3Endpoint(cfg);
}

async function readPid(cfg: StackConfig, s: ServerName): Promise<number | undefined> {
  const text = await readFile(pidFile(cfg, s), 'utf8').catch(() => undefined);
  const pid = text ? Number(text.trim()) : NaN;
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function portOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createConnection({ host, port });
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(1000, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

export async function isHealthy(cfg: StackConfig, s: ServerName): Promise<boolean> {
  if (s === 's3') {
    try {
      const res = await fetch(`${s3Endpoint(cfg)}${cfg.s3.healthPath}`, { signal: AbortSignal.timeout(2000) });
      return res.ok;
    } catch {
      return false;
    }
  }
  if (!(await portOpen(cfg.temporal.host, cfg.temporal.port))) return false;
  let conn: Connection | undefined;
  try {
    conn = await Connection.connect({ address: temporalAddress(cfg), connectTimeout: 2000 });
    await conn.workflowService.describeNamespace({ namespace: cfg.temporal.namespace });
    return true;
  } catch {
    return false;
  } finally {
    await conn?.close();
  }
}

export async function stackStatus(cfg: StackConfig): Promise<ServerStatus[]> {
  return Promise.all(
    servers.map(async (server) => {
      const pid = await readPid(cfg, server);
      return {
        server,
        healthy: await isHealthy(cfg, server),
        address: serverAddress(cfg, server),
        ...(pid ? { pid } : {}),
      };
    }),
  );
}

function commandLine(cfg: StackConfig, s: ServerName): string[] {
  if (s === 'temporal') {
    const t = cfg.temporal;
    return [
      'server',
      'start-dev',
      '--ip',
      t.host,
      '--port',
      String(t.port),
      '--ui-ip',
      t.host,
      '--ui-port',
      String(t.uiPort),
      '--db-filename',
      join(cfg.stateDir, t.dbFile),
      '--namespace',
      t.namespace,
      '--log-level',
      'warn',
      ...Object.entries(t.searchAttributes).flatMap(([k, v]) => ['--search-attribute', `${k}=${v}`]),
    ];
  }
  const x = cfg.s3;
  return [
    '--port',
    `${x.host}:${x.port}`,
    '--access',
    x.accessKeyId,
    '--secret',
    x.secretAccessKey,
    '--region',
    x.region,
    '--health',
    x.healthPath,
    '--quiet',
    // the gateway closes every connection unless told not to: a snapshot of 2,000 files would open 2,000
    '--keep-alive',
    'posix',
    '--versioning-dir',
    join(cfg.stateDir, x.versioningDir),
    join(cfg.stateDir, x.dataDir),
  ];
}

export interface UpResult {
  /** Servers this call started (the others were already healthy). */
  started: ServerName[];
  status: ServerStatus[];
}

/**
 * Brings the stack up: builds or reuses the binaries, starts each server that is not already healthy as
 * a detached process that outlives this command, waits for health and creates the buckets. Idempotent.
 */
export async function stackUp(cfg: StackConfig, log: (line: string) => void = () => {}): Promise<UpResult> {
  const started: ServerName[] = [];
  await mkdir(cfg.stateDir, { recursive: true });
  await mkdir(join(cfg.stateDir, cfg.s3.dataDir), { recursive: true });
  await mkdir(join(cfg.stateDir, cfg.s3.versioningDir), { recursive: true });
  await Promise.all(
    servers.map(async (s) => {
      // a running server needs no binary: nothing is built (or looked for) before this is asked
      if (await isHealthy(cfg, s)) {
        log(`${s}: already running at ${serverAddress(cfg, s)}`);
        return;
      }
      const bin = await ensureBinary(cfg, s, log);
      const { host, port } = cfg[s];
      if (await portOpen(host, port)) {
        throw new StackError(
          `${s}: ${host}:${port} is in use by something that is not a healthy ${s} server; stop it or change the port in ${cfg.file}`,
        );
      }
      const out = await open(logFile(cfg, s), 'a');
      const child = spawn(bin, commandLine(cfg, s), {
        detached: true,
        stdio: ['ignore', out.fd, out.fd],
        cwd: cfg.stateDir,
      });
      await out.close();
      child.unref();
      if (!child.pid) throw new StackError(`${s}: could not start ${bin}`);
      await writeFile(pidFile(cfg, s), `${child.pid}\n`);
      started.push(s);
      log(`${s}: starting (pid ${child.pid}, log ${logFile(cfg, s)})…`);
      await waitHealthy(cfg, s, child.pid);
      log(`${s}: healthy at ${serverAddress(cfg, s)}`);
    }),
  );
  await ensureBuckets(cfg);
  return { started, status: await stackStatus(cfg) };
}

async function waitHealthy(cfg: StackConfig, s: ServerName, pid: number, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await isHealthy(cfg, s)) return;
    if (!isAlive(pid)) {
      const tail = (await readFile(logFile(cfg, s), 'utf8').catch(() => '')).split('\n').slice(-10).join('\n');
      throw new StackError(`${s}: exited during start-up; last lines of ${logFile(cfg, s)}:\n${tail}`);
    }
    await sleep(250);
  }
  throw new StackError(`${s}: not healthy after ${timeoutMs / 1000}s; see ${logFile(cfg, s)}`);
}

/** Stops the servers this clone started (all, or those named); a server started elsewhere is left alone. */
export async function stackDown(
  cfg: StackConfig,
  only: readonly ServerName[] = servers,
  log: (line: string) => void = () => {},
): Promise<void> {
  await Promise.all(
    only.map(async (s) => {
      const pid = await readPid(cfg, s);
      if (pid) {
        log(`${s}: stopping pid ${pid}…`);
        await stopProcess(pid);
        log(`${s}: stopped`);
      } else {
        log(`${s}: not running from this clone`);
      }
      await rm(pidFile(cfg, s), { force: true });
    }),
  );
}

async function stopProcess(pid: number): Promise<void> {
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(pid, sig);
    } catch {
      /* already gone */
    }
  };
  signal('SIGTERM');
  for (let i = 0; i < 100 && isAlive(pid); i++) await sleep(100);
  if (isAlive(pid)) {
    signal('SIGKILL');
    for (let i = 0; i < 50 && isAlive(pid); i++) await sleep(100);
  }
}
