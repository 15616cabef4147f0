import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadFleetConfig } from '../../../src/config/fleet.js';
import { HeuristicDreamer } from '../../../src/dream/heuristic.js';
import { runDream } from '../../../src/dream/run.js';
import { applyChanges } from '../../../src/memory/apply.js';
import { defaultLimits } from '../../../src/memory/limits.js';
import { LocalDirStore } from '../../../src/memory/localDir.js';
import { MemoryStore } from '../../../src/memory/store.js';
import { tempDir } from '../../support/sessions.js';

const files = (n: number) =>
  new Map(Array.from({ length: n }, (_, i) => [`/notes/n${String(i).padStart(5, '0')}.md`, `- note ${i}\n`]));

describe("a store's limits", () => {
  it('come from the fleet file per agent or as a default, and stay SPEC §1’s when unset', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'a'));
    await mkdir(join(dir, 'b'));
    await writeFile(
      join(dir, 'dreamgate.yml'),
      'fleet: big\ndefaults: { mode: automatic, maxFiles: 6000 }\nagents:\n' +
        '  - { id: a, store: ./a, sessions: ./s }\n' +
        '  - { id: b, store: ./b, sessions: ./s, maxFileBytes: 204800 }\n',
    );
    const fleet = await loadFleetConfig(join(dir, 'dreamgate.yml'));
    expect(fleet.agents.map((a) => a.limits)).toEqual([
      { maxFiles: 6000, maxFileBytes: defaultLimits.maxFileBytes },
      { maxFiles: 6000, maxFileBytes: 204_800 },
    ]);
    await writeFile(
      join(dir, 'plain.yml'),
      'fleet: small\nagents:\n  - { id: a, store: ./a, sessions: ./s, mode: automatic }\n',
    );
    expect((await loadFleetConfig(join(dir, 'plain.yml'))).agents[0]!.limits).toBeUndefined();
    await writeFile(join(dir, 'bad.yml'), 'fleet: x\nagents:\n  - { id: a, store: ./a, sessions: ./s, maxFiles: 0 }\n');
    await expect(loadFleetConfig(join(dir, 'bad.yml'))).rejects.toThrow(/agents\[0\]\.maxFiles/);
  });

  it('a store is read and dreamt with its own limits, and refused past them', async () => {
    const dir = await tempDir();
    const limits = { ...defaultLimits, maxFiles: 40 };
    await new LocalDirStore(dir, limits).replaceAll(MemoryStore.from(files(30), limits));
    await expect(new LocalDirStore(dir, { ...defaultLimits, maxFiles: 20 }).read()).rejects.toThrow(
      'more than 20 files',
    );
    const store = await new LocalDirStore(dir, limits).read();
    expect(store.limits).toEqual(limits);
    const input = { agentId: 'a', snapshotId: null, store, sessions: { sessions: [], invalid: [] } };
    await expect(runDream(new HeuristicDreamer(), { ...input, limits: { ...limits, maxFiles: 25 } })).rejects.toThrow(
      /more than the limit of 25/,
    );
    expect((await runDream(new HeuristicDreamer(), { ...input, limits })).store.size).toBe(30);
    // a change set applied to a store is checked against the store's own limits
    const one = {
      op: 'create' as const,
      path: '/notes/new.md',
      after: '- new\n',
      reason: 'insight' as const,
      detail: '',
      evidence: [],
    };
    expect(applyChanges(store, { changes: [one] }).size).toBe(31);
    const full = MemoryStore.from(files(10), { ...defaultLimits, maxFiles: 10 });
    expect(() => applyChanges(full, { changes: [one] })).toThrow(/more than the limit of 10/);
  });
});
