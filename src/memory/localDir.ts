import { randomBytes } from 'node:crypto';
import { lstat, mkdir, open, readdir, readFile, realpath, rename, rm, rmdir } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { InvalidInput } from '../util/errors.js';
import type { StoreAdapter } from './adapter.js';
import { assertApplicable } from './apply.js';
import { appliedChanges, type Change } from './changeSet.js';
import { defaultLimits, type StoreLimits } from './limits.js';
import { assertPath } from './paths.js';
import { maxOpaqueBytes, MemoryStore, opaqueReason, type OpaqueFile } from './store.js';

/** A store kept as files under a directory (SPEC §1, local form). */
export class LocalDirStore implements StoreAdapter {
  constructor(
    readonly root: string,
    private readonly limits: StoreLimits = defaultLimits,
  ) {}

  get location(): string {
    return this.root;
  }

  async read(): Promise<MemoryStore> {
    const st = await lstat(this.root).catch(() => undefined);
    if (!st) throw new InvalidInput(`memory directory ${this.root} does not exist`);
    if (!st.isDirectory()) throw new InvalidInput(`memory directory ${this.root} is not a directory`);
    const files = new Map<string, string>();
    const skipped = new Map<string, OpaqueFile>();
    await this.walk(this.root, '', files, skipped);
    return MemoryStore.from(files, this.limits, this.root, skipped);
  }

  private async walk(
    dir: string,
    rel: string,
    out: Map<string, string>,
    skipped: Map<string, OpaqueFile>,
  ): Promise<void> {
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const e of entries) {
      if (e.name.startsWith('.')) continue; // not a memory (SPEC §1); left untouched
      const path = `${rel}/${e.name}`;
      const full = join(dir, e.name);
      if (e.isSymbolicLink())
        throw new InvalidInput(
          `${full}: symbolic links are refused in a memory store (memory path ${JSON.stringify(path)})`,
        );
      if (e.isDirectory()) {
        await this.walk(full, path, out, skipped);
      } else if (e.isFile()) {
        assertPath(path, this.root);
        if (out.size + skipped.size >= this.limits.maxFiles)
          throw new InvalidInput(`${this.root}: more than ${this.limits.maxFiles} files`);
        const st = await lstat(full);
        if (st.size > maxOpaqueBytes)
          throw new InvalidInput(`${full}: ${st.size} bytes, too large to keep even as a file the dream skips`);
        const bytes = await readFile(full);
        // a file the dream cannot take (too large, not text) is kept byte for byte and reported, not refused
        const reason = opaqueReason(bytes, this.limits);
        if (reason) skipped.set(path, { bytes, reason });
        else out.set(path, bytes.toString('utf8'));
      } else {
        throw new InvalidInput(`${full}: not a regular file (memory path ${JSON.stringify(path)})`);
      }
    }
  }

  private fullPath(path: string): string {
    assertPath(path);
    return join(this.root, ...path.slice(1).split('/'));
  }

  /**
   * Where a write of `path` goes, refused when a folder on the way is a symbolic link or not a folder: the read
   * refuses links, but one put in after it (by the agent, between read and write) would take the write outside.
   * Checked before the folders are made and again, by their real path, after.
   */
  protected async writePath(path: string): Promise<string> {
    const full = this.fullPath(path);
    const parts = path.slice(1).split('/').slice(0, -1);
    let dir = this.root;
    for (const part of parts) {
      dir = join(dir, part);
      const st = await lstat(dir).catch(() => undefined);
      if (!st) break;
      if (!st.isDirectory())
        throw new InvalidInput(
          `${dir}: ${st.isSymbolicLink() ? 'a symbolic link' : 'not a folder'} on the way to memory path ${JSON.stringify(path)}; nothing written there`,
        );
    }
    await mkdir(dirname(full), { recursive: true, mode: 0o700 });
    const [root, parent] = await Promise.all([realpath(this.root), realpath(dirname(full))]);
    const rel = relative(root, parent);
    if (rel.startsWith('..') || rel.split(sep).join('/') !== parts.join('/'))
      throw new InvalidInput(
        `${dirname(full)} resolves outside the store (${parent}); memory path ${JSON.stringify(path)} not written`,
      );
    return full;
  }

  async apply(changes: readonly Change[]): Promise<void> {
    const live = await this.read();
    // refuses a stale or invalid change set before anything is written
    assertApplicable(live, changes, this.limits);
    for (const c of appliedChanges(changes)) {
      if (c.op === 'create' || c.op === 'update') await writeAtomic(await this.writePath(c.path), c.after!);
      else if (c.op === 'delete') await this.remove(c.path);
      else {
        await writeAtomic(await this.writePath(c.new_path!), c.after ?? live.get(c.path)!, this.fullPath(c.path));
        await this.remove(c.path);
      }
    }
  }

  async replaceAll(store: MemoryStore): Promise<void> {
    await mkdir(this.root, { recursive: true, mode: 0o700 });
    const live = await this.read();
    for (const path of [...live.files.keys(), ...live.skipped.keys()])
      if (store.fileHash(path) === undefined) await this.remove(path);
    for (const [path, content] of store.files)
      if (live.get(path) !== content) await writeAtomic(await this.writePath(path), content);
    for (const [path, file] of store.skipped)
      if (live.fileHash(path) !== store.fileHash(path)) await writeAtomic(await this.writePath(path), file.bytes);
  }

  /** Deletes a file and the folders it leaves empty (never the root, never a folder holding dot files). */
  private async remove(path: string): Promise<void> {
    const full = this.fullPath(path);
    await rm(full, { force: true });
    let dir = dirname(full);
    while (dir.length > this.root.length && dir.startsWith(this.root + sep)) {
      try {
        await rmdir(dir);
      } catch {
        break;
      }
      dir = dirname(dir);
    }
  }
}

/** The permissions a file has now, if it exists. */
async function modeOf(file: string): Promise<number | undefined> {
  try {
    return (await lstat(file)).mode & 0o7777;
  } catch {
    return undefined;
  }
}

/**
 * Temp file in the same folder, fsync, rename: a reader sees the old file or the new one, never half. The
 * file keeps the permissions it had (or those of `modeFrom`, the file it is renamed from): the owner's
 * choice is not collateral; a new file is private to its owner (0600).
 */
export async function writeAtomic(file: string, content: string | Uint8Array, modeFrom = file): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const mode = (await modeOf(modeFrom)) ?? 0o600;
  const tmp = join(dirname(file), `.dreamgate-${randomBytes(6).toString('hex')}.tmp`);
  const fh = await open(tmp, 'wx', 0o600);
  try {
    if (mode !== 0o600) await fh.chmod(mode); // exactly: the umask does not apply to chmod
    await (typeof content === 'string' ? fh.writeFile(content, 'utf8') : fh.writeFile(content));
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
