import { chmod, lstat, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LiveStoreChanged, applyChanges } from '../../../src/memory/apply.js';
import { diffStores, renderChangeSet } from '../../../src/memory/diff.js';
import { LocalDirStore } from '../../../src/memory/localDir.js';
import { openStore } from '../../../src/sources/openStore.js';
import { pathProblem } from '../../../src/memory/paths.js';
import { MemoryStore } from '../../../src/memory/store.js';
import { changeSetSchema } from '../../../src/memory/changeSet.js';
import { InvalidInput } from '../../../src/util/errors.js';
import { tempDir } from '../../support/sessions.js';

// an ANSI colour escape
const ansi = new RegExp(String.fromCharCode(27) + '\\[');

describe('memory paths (SPEC §1)', () => {
  it.each([
    ['a.md', 'does not start with "/"'],
    ['/a//b', 'has an empty segment'],
    ['/a/../b', 'has a ".." segment'],
    ['/./a', 'has a "." segment'],
    ['/a\0b', 'contains a NUL character'],
    ['/cafe\u0301', 'is not Unicode NFC'],
    ['/%2e%2e/x', 'percent-encoded'],
    [`/${'a/'.repeat(20)}b`, 'more than 20 segments'],
    [`/${'x'.repeat(1100)}`, 'longer than 1024 bytes'],
    ['/a\\b', 'backslash'],
    ['/', 'has an empty segment'],
  ])('refuses %j (%s)', (path, problem) => {
    expect(pathProblem(path)).toContain(problem);
  });
  it.each(['/a.md', '/notes/2026/nov.md', '/café.md', '/a b/c.md'])('accepts %j', (p) =>
    expect(pathProblem(p)).toBeUndefined(),
  );

  it('refuses a path that is the folder of another, naming both', () => {
    expect(() => MemoryStore.from({ '/a': 'x', '/a/b': 'y' })).toThrow(
      'memory path "/a" is both a file and the folder of "/a/b"',
    );
  });
  it('enforces the size and count limits, naming the path', () => {
    expect(() => MemoryStore.from({ '/big.md': 'x'.repeat(102_401) })).toThrow(
      'memory /big.md is 102401 bytes, more than the limit of 102400',
    );
    expect(() => MemoryStore.from({ '/a': '1', '/b': '2', '/c': '3' }, { maxFiles: 2, maxFileBytes: 10 })).toThrow(
      'store has 3 files, more than the limit of 2',
    );
    expect(() => MemoryStore.from({ '/bin': 'a\0b' })).toThrow('memory /bin is binary');
    expect(() => MemoryStore.from({ '/s': 'a\uD800b' })).toThrow('memory /s is not valid UTF-8');
  });
  it('hashes each file and the whole store, independent of insertion order', () => {
    const a = MemoryStore.from({ '/x': '1', '/y': '2' });
    const b = MemoryStore.from([
      ['/y', '2'],
      ['/x', '1'],
    ]);
    expect(a.hash()).toBe(b.hash());
    expect(a.hash()).not.toBe(MemoryStore.from({ '/x': '1', '/y': '3' }).hash());
    expect(a.fileHash('/x')).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('local directory store', () => {
  it('reads every regular file, skipping dot files, refuses symlinks naming the path, and keeps what is not text aside', async () => {
    const root = await tempDir();
    await mkdir(join(root, 'notes'));
    await writeFile(join(root, 'notes', 'a.md'), '- a\n');
    await writeFile(join(root, '.git-keep'), 'not memory');
    await mkdir(join(root, '.cache'));
    await writeFile(join(root, '.cache', 'x'), 'not memory');
    expect((await new LocalDirStore(root).read()).toObject()).toEqual({ '/notes/a.md': '- a\n' });

    await symlink('/etc/passwd', join(root, 'notes', 'evil.md'));
    await expect(new LocalDirStore(root).read()).rejects.toThrow(/symbolic links are refused .*"\/notes\/evil.md"/);

    const root2 = await tempDir();
    await writeFile(join(root2, 'bin.md'), Buffer.from([0xc3, 0x28]));
    await writeFile(join(root2, 'a.md'), '- a\n');
    const read = await new LocalDirStore(root2).read();
    expect(read.toObject()).toEqual({ '/a.md': '- a\n' });
    expect([...read.skipped]).toEqual([['/bin.md', { bytes: Buffer.from([0xc3, 0x28]), reason: 'not UTF-8 text' }]]);
    // the store's hash covers the skipped file: a snapshot of it restores it too
    expect(read.hash()).not.toBe(MemoryStore.from({ '/a.md': '- a\n' }).hash());
    const copy = await tempDir();
    await new LocalDirStore(copy).replaceAll(read);
    expect(await readFile(join(copy, 'bin.md'))).toEqual(Buffer.from([0xc3, 0x28]));
    expect((await new LocalDirStore(copy).read()).hash()).toBe(read.hash());
    await expect(new LocalDirStore(join(root2, 'nope')).read()).rejects.toBeInstanceOf(InvalidInput);
  });

  it('refuses a change set that would write a file the dream skipped', () => {
    const store = MemoryStore.from({ '/a.md': '- a\n' }, undefined, undefined, [
      ['/img.png', { bytes: new Uint8Array([0xff]), reason: 'not UTF-8 text' }],
    ]);
    expect(() =>
      applyChanges(store, {
        changes: [{ op: 'create', path: '/img.png', after: 'x', reason: 'insight', detail: 'd', evidence: [] }],
      }),
    ).toThrow(/writes "\/img\.png", a file the dream skipped/);
    expect(applyChanges(store, { changes: [] }).skipped.size).toBe(1);
  });

  it('applies a change set atomically per file, leaves dot files alone and leaves no temp files', async () => {
    const root = await tempDir();
    const store = new LocalDirStore(root);
    const before = MemoryStore.from({ '/a.md': '- a\n', '/old/b.md': '- b\n' });
    await store.replaceAll(before);
    await writeFile(join(root, '.keep'), 'mine');
    const after = MemoryStore.from({ '/a.md': '- a2\n', '/new/c.md': '- c\n' });
    await store.apply(diffStores(before, after));
    expect((await store.read()).toObject()).toEqual(after.toObject());
    expect(await readFile(join(root, '.keep'), 'utf8')).toBe('mine');
    expect((await readdir(root)).sort()).toEqual(['.keep', 'a.md', 'new']); // the emptied folder went too
    expect(((await lstat(join(root, 'a.md'))).mode & 0o777).toString(8)).toBe('600');
  });

  it('keeps the permissions the owner gave a file it updates or renames; a new file is private (0600)', async () => {
    const root = await tempDir();
    const store = new LocalDirStore(root);
    const before = MemoryStore.from({ '/shared.md': '- a\n', '/moved.md': '- m\n' });
    await store.replaceAll(before);
    await chmod(join(root, 'shared.md'), 0o664);
    await chmod(join(root, 'moved.md'), 0o640);
    const changes = [
      ...diffStores(before, MemoryStore.from({ '/shared.md': '- a2\n', '/moved.md': '- m\n', '/new.md': '- n\n' })),
      {
        op: 'rename' as const,
        path: '/moved.md',
        new_path: '/sub/moved.md',
        before_sha256: before.fileHash('/moved.md')!,
        reason: 'reorganize' as const,
        detail: 'x',
        evidence: [],
      },
    ];
    await store.apply(changes);
    const mode = async (p: string) => ((await lstat(join(root, p))).mode & 0o777).toString(8);
    expect(await mode('shared.md')).toBe('664');
    expect(await mode('sub/moved.md')).toBe('640');
    expect(await mode('new.md')).toBe('600');
  });

  it('refuses a change set when the live store changed, listing the paths, and writes nothing', async () => {
    const root = await tempDir();
    const store = new LocalDirStore(root);
    const before = MemoryStore.from({ '/a.md': '- a\n', '/b.md': '- b\n' });
    await store.replaceAll(before);
    const changes = diffStores(before, MemoryStore.from({ '/a.md': '- A\n', '/b.md': '- B\n', '/c.md': '- c\n' }));
    await writeFile(join(root, 'b.md'), '- the agent wrote this\n');
    await writeFile(join(root, 'c.md'), '- and this\n');
    const err = await store.apply(changes).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LiveStoreChanged);
    expect((err as LiveStoreChanged).paths).toEqual(['/b.md', '/c.md']);
    expect((await store.read()).get('/a.md')).toBe('- a\n');
  });

  it('refuses a change set whose result breaks SPEC §1 before writing anything', async () => {
    const root = await tempDir();
    const store = new LocalDirStore(root);
    const before = MemoryStore.from({ '/a.md': '- a\n' });
    await store.replaceAll(before);
    await expect(
      store.apply([{ op: 'create', path: '/a.md/x', after: 'y', reason: 'insight', detail: '', evidence: [] }]),
    ).rejects.toThrow(/both a file and the folder/);
    await expect(
      store.apply([{ op: 'create', path: '/../x', after: 'y', reason: 'insight', detail: '', evidence: [] }]),
    ).rejects.toThrow(/".." segment/);
    expect((await store.read()).toObject()).toEqual(before.toObject());
  });

  it('opens stores by location and names an unknown kind', () => {
    expect(openStore('/tmp/x').location).toBe('/tmp/x');
    expect(() => openStore('s3://b/p/')).toThrow(/needs S3 settings/);
    expect(() => openStore('ftp://x')).toThrow(/unknown kind/);
  });
});

describe('change sets', () => {
  const before = MemoryStore.from({ '/a.md': '# A\n- one\n- two\n', '/gone.md': '- x\n' });
  const after = MemoryStore.from({ '/a.md': '# A\n- one\n- three\n', '/new.md': '- n\n' });

  it('diffs two stores into create, update and delete with before_sha256, and applies back exactly', () => {
    const changes = diffStores(before, after);
    expect(changes.map((c) => [c.op, c.path])).toEqual([
      ['update', '/a.md'],
      ['delete', '/gone.md'],
      ['create', '/new.md'],
    ]);
    expect(changes[0]!.before_sha256).toBe(before.fileHash('/a.md'));
    expect(applyChanges(before, { changes }).hash()).toBe(after.hash());
    expect(() => applyChanges(after, { changes })).toThrow(LiveStoreChanged);
  });

  it('renders a readable unified diff, coloured only when asked', () => {
    const cs = changeSetSchema.parse({
      agent_id: 'a',
      dreamer: 'heuristic',
      base: { snapshot: null, sha256: before.hash() },
      changes: diffStores(before, after),
    });
    const plain = renderChangeSet(cs, before);
    expect(plain).toContain('update /a.md');
    expect(plain).toContain('-- two');
    expect(plain).toContain('+- three');
    expect(plain).not.toMatch(ansi);
    const red = (s: string) => `\x1b[31m${s}\x1b[39m`;
    const coloured = renderChangeSet(cs, before, { red, green: red, cyan: red, bold: (s) => s, dim: (s) => s });
    expect(coloured).toContain(`${String.fromCharCode(27)}[31m-- two`);
  });

  it('shows a CRLF file without a visible line ending on every line', () => {
    const before = MemoryStore.from({ '/a.md': '# A\r\n- one\r\n- two\r\n' });
    const after = MemoryStore.from({ '/a.md': '# A\r\n- one\r\n- three\r\n' });
    const cs = changeSetSchema.parse({
      agent_id: 'a',
      dreamer: 'heuristic',
      base: { snapshot: null, sha256: before.hash() },
      changes: diffStores(before, after),
    });
    const text = renderChangeSet(cs, before);
    expect(text).toContain('-- two\n');
    expect(text).not.toContain('\\r');
  });

  it('validates the SPEC §4 shape, naming what is missing', () => {
    const bad = changeSetSchema.safeParse({
      agent_id: 'a',
      dreamer: 'x',
      base: { snapshot: null, sha256: 'a'.repeat(64) },
      changes: [{ op: 'update', path: '/a', reason: 'duplicate', detail: '' }],
    });
    expect(bad.success).toBe(false);
    expect(JSON.stringify(bad.error?.issues)).toContain('update needs \\"after\\"');
  });
});
