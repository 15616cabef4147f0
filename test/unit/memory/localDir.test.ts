import { mkdir, readdir, readFile, rename, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalDirStore } from '../../../src/memory/localDir.js';
import { MemoryStore } from '../../../src/memory/store.js';
import { tempDir } from '../../support/sessions.js';

/** A store whose folder `notes` is swapped for a link to `outside` right after the read (the agent racing the dream). */
class RacedStore extends LocalDirStore {
  constructor(
    root: string,
    private readonly outside: string,
  ) {
    super(root);
  }

  override async read(): Promise<MemoryStore> {
    const store = await super.read();
    await rename(join(this.root, 'notes'), join(this.root, 'notes-moved'));
    await symlink(this.outside, join(this.root, 'notes'));
    return store;
  }
}

const storeOf = (files: Record<string, string>) => MemoryStore.from(new Map(Object.entries(files)));

describe('local directory store: writes stay inside it', () => {
  it('refuses a write through a folder made a symbolic link after the read, and writes nothing outside', async () => {
    const root = await tempDir();
    const outside = await tempDir();
    await mkdir(join(root, 'notes'));
    await writeFile(join(root, 'notes', 'a.md'), '- a\n');

    const raced = new RacedStore(root, outside);
    await expect(raced.replaceAll(storeOf({ '/notes/a.md': '- a, changed\n' }))).rejects.toThrow(
      /notes: a symbolic link on the way to memory path "\/notes\/a\.md"; nothing written there/,
    );
    expect(await readdir(outside)).toEqual([]);
    expect(await readFile(join(root, 'notes-moved', 'a.md'), 'utf8')).toBe('- a\n');
  });

  it('writes new folders as before', async () => {
    const root = await tempDir();
    await writeFile(join(root, 'a.md'), '- a\n');

    await new LocalDirStore(root).replaceAll(storeOf({ '/a.md': '- a\n', '/deep/er/b.md': '- b\n' }));
    expect(await readFile(join(root, 'deep', 'er', 'b.md'), 'utf8')).toBe('- b\n');
    expect((await new LocalDirStore(root).read()).toObject()).toEqual({ '/a.md': '- a\n', '/deep/er/b.md': '- b\n' });
  });
});
