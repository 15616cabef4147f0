import { execFileSync } from 'node:child_process';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lastConsolidatedAt, lockHolder, lockName, withConsolidationLock } from '../../../src/claudeCode/lock.js';
import { tempDir } from '../../support/sessions.js';

/**
 * Red-team M6: anyone who can write a memory folder can put a FIFO, a link or a device at its
 * `.consolidate-lock`. The worker must refuse it at once, never wait on it (a FIFO's read blocks a libuv thread
 * until a writer comes), and never follow a link out of the folder.
 */
describe('a .consolidate-lock that is not a regular file', () => {
  const bounded = <T>(p: Promise<T>) =>
    Promise.race([p, new Promise<never>((_, no) => setTimeout(() => no(new Error('blocked')), 3_000))]);

  it('a FIFO is refused without blocking, for reading and for writing, and nothing is written', async () => {
    const dir = await tempDir('dg-lock-');
    execFileSync('mkfifo', [join(dir, lockName)]);
    let wrote = false;
    // all three settle together: each rejection is handled as it comes, not after the one before it is awaited
    const settled = await Promise.allSettled(
      (<Promise<unknown>[]>[
        lockHolder(dir),
        lastConsolidatedAt(dir),
        withConsolidationLock(dir, async () => {
          wrote = true;
        }),
      ]).map(bounded),
    );
    for (const s of settled) {
      expect(s.status).toBe('rejected');
      expect(String((s as PromiseRejectedResult).reason)).toMatch(
        /\.consolidate-lock is a FIFO, not a regular file: dreamgate neither reads nor writes it/,
      );
    }
    expect(wrote).toBe(false);
  });

  it('a link (to /dev/zero, or to a file elsewhere) is refused, never followed', async () => {
    const dir = await tempDir('dg-lock-');
    await symlink('/dev/zero', join(dir, lockName));
    await expect(bounded(lockHolder(dir))).rejects.toThrow(/is a symbolic link, not a regular file/);
    const other = await tempDir('dg-lock-');
    const outside = join(other, 'elsewhere');
    await writeFile(outside, 'keep me');
    const dir2 = await tempDir('dg-lock-');
    await symlink(outside, join(dir2, lockName));
    await expect(withConsolidationLock(dir2, async () => undefined)).rejects.toThrow(/symbolic link/);
    expect(await readFile(outside, 'utf8')).toBe('keep me');
  });

  it('a folder is refused; a huge regular file is read no further than a pid needs', async () => {
    const dir = await tempDir('dg-lock-');
    await mkdir(join(dir, lockName));
    await expect(lockHolder(dir)).rejects.toThrow(/is a folder, not a regular file/);
    const dir2 = await tempDir('dg-lock-');
    await writeFile(join(dir2, lockName), `${process.ppid}${' '.repeat(64)}${'9'.repeat(10_000_000)}`);
    // only the first 64 bytes are read: the pid of a live process (the test runner's parent), fresh
    expect(await lockHolder(dir2)).toMatchObject({ pid: process.ppid });
  });
});
