import { cp, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HeuristicDreamer } from '../../../src/dream/heuristic.js';
import { runDream } from '../../../src/dream/run.js';
import { defaultLimits } from '../../../src/memory/limits.js';
import { LocalDirStore } from '../../../src/memory/localDir.js';
import { selectSessions } from '../../../src/sources/sessions.js';
import { projectRoot } from '../../../src/util/paths.js';
import { tempDir } from '../../support/sessions.js';

describe('a store at its file limit', () => {
  it('is still consolidated: changes within files land, new files beyond the limit are dropped and listed', async () => {
    const dir = await tempDir();
    await cp(join(projectRoot, 'examples', 'fleet', 'coding-agent', 'memory'), join(dir, 'memory'), {
      recursive: true,
    });
    const own = (await new LocalDirStore(join(dir, 'memory')).read()).size;
    await mkdir(join(dir, 'memory', 'fill'));
    for (let i = 0; i < defaultLimits.maxFiles - own; i++)
      await writeFile(join(dir, 'memory', 'fill', `f${i}.md`), `- filler fact ${i} about service-${i}\n`);
    const store = await new LocalDirStore(join(dir, 'memory')).read();
    expect(store.size).toBe(defaultLimits.maxFiles);
    const sessions = await selectSessions(join(projectRoot, 'examples', 'fleet', 'sessions'), 'coding-agent');
    const result = await runDream(new HeuristicDreamer(), {
      agentId: 'coding-agent',
      snapshotId: null,
      store,
      sessions,
    });
    expect(result.store.size).toBeLessThanOrEqual(defaultLimits.maxFiles);
    expect(result.changeSet.changes.length).toBeGreaterThan(0);
    expect(result.changeSet.changes.every((c) => c.op !== 'create')).toBe(true);
    expect(result.changeSet.dropped?.map((d) => d.why).join('\n')).toMatch(/would exceed its limit of 2000 files/);
  });
});
