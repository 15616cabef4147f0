import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { binCacheDir, defaultStackFile, loadStackConfig } from '../../../src/config/stack.js';
import { InvalidInput } from '../../../src/util/errors.js';

async function withEdited(edit: (text: string) => string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'dg-stack-'));
  const file = join(dir, 'temporal-dev.yml');
  await writeFile(file, edit(await readFile(defaultStackFile, 'utf8')));
  return file;
}

describe('temporal-dev.yml', () => {
  it('loads the shipped file with absolute paths and pinned versions', async () => {
    const cfg = await loadStackConfig(defaultStackFile);
    expect(cfg.temporal.version).toBe('v1.5.1');
    expect(cfg.s3.version).toBe('v1.7.0');
    expect(cfg.temporal.searchAttributes).toMatchObject({ DreamAgent: 'Keyword', DreamScoreDelta: 'Double' });
    expect(cfg.stateDir.startsWith('/')).toBe(true);
    expect(cfg.binCache).not.toContain('~');
  });

  it('builds the servers into a cache a setting names: DREAMGATE_BIN_CACHE, the file, XDG_CACHE_HOME, ~/.cache', async () => {
    expect(binCacheDir(undefined, {})).toBe('~/.cache/dreamgate/bin');
    expect(binCacheDir(undefined, { XDG_CACHE_HOME: '/var/cache/svc' })).toBe('/var/cache/svc/dreamgate/bin');
    expect(binCacheDir(undefined, { XDG_CACHE_HOME: 'relative' })).toBe('~/.cache/dreamgate/bin'); // as XDG says: ignored
    expect(binCacheDir('/opt/dg', { XDG_CACHE_HOME: '/var/cache/svc' })).toBe('/opt/dg');
    expect(binCacheDir('/opt/dg', { DREAMGATE_BIN_CACHE: '/srv/bin' })).toBe('/srv/bin');
    const cfg = await loadStackConfig(defaultStackFile, { HOME: '/home/svc', XDG_CACHE_HOME: '/var/cache/svc' });
    expect(cfg.binCache).toBe('/var/cache/svc/dreamgate/bin');
    expect((await loadStackConfig(defaultStackFile, { HOME: '/home/svc' })).binCache).toBe(
      '/home/svc/.cache/dreamgate/bin',
    );
  });

  it('names the key and line of a wrong type', async () => {
    const file = await withEdited((t) => t.replace('port: 7233', 'port: "seven"'));
    const err = await loadStackConfig(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInput);
    expect((err as Error).message).toMatch(/temporal-dev\.yml:\d+: temporal\.port: /);
    const line = (await readFile(file, 'utf8')).split('\n').findIndex((l) => l.includes('"seven"')) + 1;
    expect((err as Error).message).toContain(`:${line}:`);
  });

  it('refuses an unknown key, naming it', async () => {
    const file = await withEdited((t) => t.replace('  healthPath: /health', '  healthPath: /health\n  helthPath: /x'));
    await expect(loadStackConfig(file)).rejects.toThrow(/s3: Unrecognized key: "helthPath"/);
  });

  it('refuses a non-loopback address', async () => {
    const file = await withEdited((t) => t.replace('host: 127.0.0.1\n  port: 7070', 'host: 0.0.0.0\n  port: 7070'));
    await expect(loadStackConfig(file)).rejects.toThrow(/s3\.host: the local stack binds loopback only/);
  });

  it('refuses an unpinned version and broken YAML with the line', async () => {
    await expect(
      loadStackConfig(await withEdited((t) => t.replace('version: v1.7.0', 'version: latest'))),
    ).rejects.toThrow(/s3\.version: expected a pinned version/);
    await expect(loadStackConfig(await withEdited((t) => t.replace('temporal:', 'temporal: [')))).rejects.toThrow(
      /temporal-dev\.yml:\d+: invalid YAML/,
    );
  });

  it('names a missing file', async () => {
    await expect(loadStackConfig('/nonexistent/temporal-dev.yml')).rejects.toThrow(
      '/nonexistent/temporal-dev.yml: cannot read (ENOENT)',
    );
  });
});
