import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/sessions.js';

describe('dreamgate stack up', () => {
  it('finds the running stack before it builds anything, under another HOME and an empty binary cache', async () => {
    // a service account: a home of its own, and no binaries built for it yet
    const home = await tempDir('dg-home-');
    const cache = join(await tempDir('dg-cache-'), 'bin');
    await mkdir(cache, { recursive: true });
    const r = await runCli(['stack', 'up'], { HOME: home, XDG_CACHE_HOME: undefined, DREAMGATE_BIN_CACHE: cache });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/temporal: already running at/);
    expect(r.stderr).toMatch(/s3: already running at/);
    expect(r.stderr).not.toContain('building');
    expect(await readdir(cache)).toEqual([]); // nothing built, nothing looked for
    expect(r.stdout).toContain(`binaries:    ${cache}`);
  });
});
