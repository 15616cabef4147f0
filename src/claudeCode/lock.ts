import { constants } from 'node:fs';
import { lstat, mkdir, open, rm, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidInput } from '../util/errors.js';

/**
 * Claude Code's consolidation lock, `<memory dir>/.consolidate-lock`: its body is the pid of the process
 * consolidating, its mtime the time of the last consolidation. A lock younger than an hour whose process is
 * alive is held; an older one, or one whose process is gone, is free. Auto Dream takes it before it rewrites
 * memory, and reads the mtime to decide when to dream next. dreamgate takes it the same way while it writes,
 * so the two never rewrite the directory at once; afterwards the mtime says a consolidation happened, which
 * is true.
 */
export const lockName = '.consolidate-lock';
export const lockStaleAfterMs = 60 * 60 * 1000;

/** Another process holds the lock: nothing was written; try again once it is released or stale. */
export class StoreLocked extends Error {
  override readonly name = 'StoreLocked';
  constructor(
    readonly dir: string,
    readonly pid: number,
    readonly since: number,
    /** When the lock goes stale if its holder never releases it. */
    readonly retryInMs: number,
  ) {
    super(
      `Claude Code's consolidation lock ${join(dir, lockName)} is held by pid ${pid} since ${new Date(since).toISOString()}; ` +
        `nothing was written (it goes stale in ${Math.ceil(retryInMs / 60_000)} min)`,
    );
  }
}

interface LockState {
  mtimeMs: number;
  body: string;
}

/** A pid and a newline: anything longer is not Claude Code's lock, and is not read further. */
const maxLockBytes = 64;

/**
 * Opened without following a link and without blocking (a FIFO opened for reading or writing would wait for
 * its other end), and checked to be the regular file that was looked at: anyone who can write the memory
 * folder can put a FIFO, a device or a link there, and the worker's file I/O must never wait on it.
 */
const noWait = constants.O_NONBLOCK | constants.O_NOFOLLOW;

function notALock(file: string, what: string): InvalidInput {
  return new InvalidInput(
    `${file} is ${what}, not a regular file: dreamgate neither reads nor writes it (Claude Code's lock is a file holding a pid); remove it, then run the cycle again`,
  );
}

function kindOf(st: { isFIFO(): boolean; isSymbolicLink(): boolean; isDirectory(): boolean }): string {
  return st.isFIFO()
    ? 'a FIFO'
    : st.isSymbolicLink()
      ? 'a symbolic link'
      : st.isDirectory()
        ? 'a folder'
        : 'a device or socket';
}

async function readLock(dir: string): Promise<LockState | undefined> {
  const file = join(dir, lockName);
  const seen = await lstat(file).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (!seen) return undefined;
  if (!seen.isFile()) throw notALock(file, kindOf(seen));
  const fd = await open(file, constants.O_RDONLY | noWait).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined; // released meanwhile
    if (err.code === 'ELOOP') throw notALock(file, 'a symbolic link');
    throw err;
  });
  if (!fd) return undefined;
  try {
    const st = await fd.stat();
    if (!st.isFile() || st.ino !== seen.ino || st.dev !== seen.dev) throw notALock(file, 'replaced while read');
    const buf = Buffer.alloc(maxLockBytes);
    const { bytesRead } = await fd.read(buf, 0, maxLockBytes, 0);
    return { mtimeMs: st.mtimeMs, body: buf.subarray(0, bytesRead).toString('utf8') };
  } finally {
    await fd.close();
  }
}

/** Writes the lock's body the same careful way: never through a link, never waiting on a FIFO. */
async function writeLock(file: string, body: string): Promise<void> {
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | noWait;
  const fd = await open(file, flags, 0o600).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ELOOP') throw notALock(file, 'a symbolic link');
    if (err.code === 'ENXIO') throw notALock(file, 'a FIFO');
    throw err;
  });
  try {
    if (!(await fd.stat()).isFile()) throw notALock(file, 'not a regular file');
    await fd.write(body, 0, 'utf8');
  } finally {
    await fd.close();
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

/** Who holds the lock now, if another live process does (the pid check sees this host's processes only). */
export async function lockHolder(
  dir: string,
  now = Date.now(),
): Promise<{ pid: number; since: number; retryInMs: number } | undefined> {
  const s = await readLock(dir);
  if (!s) return undefined;
  const pid = Number.parseInt(s.body.trim(), 10);
  const age = now - s.mtimeMs;
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || age >= lockStaleAfterMs || !isAlive(pid))
    return undefined;
  return { pid, since: s.mtimeMs, retryInMs: Math.max(1_000, lockStaleAfterMs - age) };
}

/** When the last consolidation (Claude Code's or dreamgate's) happened, or undefined if none has. */
export async function lastConsolidatedAt(dir: string): Promise<number | undefined> {
  return (await readLock(dir))?.mtimeMs;
}

/**
 * Runs `write` holding the lock: refuses (StoreLocked) while another process holds it; takes it by writing
 * this process's pid and reading it back (two takers at once: one reads the other's pid and backs off).
 * Afterwards the body is emptied, so the lock is free and its mtime is now; if `write` fails, the mtime goes
 * back to what it was, so Auto Dream's schedule is not moved by a consolidation that did not happen.
 */
export async function withConsolidationLock<T>(dir: string, write: () => Promise<T>): Promise<T> {
  const held = await lockHolder(dir);
  if (held) throw new StoreLocked(dir, held.pid, held.since, held.retryInMs);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, lockName);
  const prior = await readLock(dir);
  await writeLock(file, String(process.pid));
  const check = await readLock(dir);
  if (check?.body.trim() !== String(process.pid)) {
    const other = Number.parseInt(check?.body ?? '', 10);
    throw new StoreLocked(dir, Number.isInteger(other) ? other : 0, check?.mtimeMs ?? Date.now(), 5_000);
  }
  try {
    const result = await write();
    await writeLock(file, '');
    return result;
  } catch (err) {
    if (prior) {
      await writeLock(file, '');
      const t = new Date(prior.mtimeMs);
      await utimes(file, t, t);
    } else await rm(file, { force: true });
    throw err;
  }
}
