import { mkdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

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

async function readLock(dir: string): Promise<LockState | undefined> {
  const file = join(dir, lockName);
  try {
    const [st, body] = await Promise.all([stat(file), readFile(file, 'utf8')]);
    return { mtimeMs: st.mtimeMs, body };
  } catch {
    return undefined;
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
  await writeFile(file, String(process.pid), { mode: 0o600 });
  const check = await readLock(dir);
  if (check?.body.trim() !== String(process.pid)) {
    const other = Number.parseInt(check?.body ?? '', 10);
    throw new StoreLocked(dir, Number.isInteger(other) ? other : 0, check?.mtimeMs ?? Date.now(), 5_000);
  }
  try {
    const result = await write();
    await writeFile(file, '');
    return result;
  } catch (err) {
    if (prior) {
      await writeFile(file, '');
      const t = new Date(prior.mtimeMs);
      await utimes(file, t, t);
    } else await rm(file, { force: true });
    throw err;
  }
}
