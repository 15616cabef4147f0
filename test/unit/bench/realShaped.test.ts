import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { realShapedStore } from '../../../bench/realShaped.js';
import { structureOf } from '../../../src/dream/structure.js';

describe('realShapedStore', () => {
  it('writes the same store every time, of the size asked, with the shapes of real memory', async () => {
    const [a, b] = await Promise.all([mkdtemp(join(tmpdir(), 'dg-shaped-')), mkdtemp(join(tmpdir(), 'dg-shaped-'))]);
    try {
      const bytes = await realShapedStore(a, 'x', 40, 3);
      expect(await realShapedStore(b, 'x', 40, 3)).toBe(bytes);
      expect(bytes).toBeGreaterThan(38 * 1024);
      const topic = await readFile(join(a, 'memory', 'topics', 'topic-0.md'), 'utf8');
      expect(await readFile(join(b, 'memory', 'topics', 'topic-0.md'), 'utf8')).toBe(topic);
      const s = structureOf('/topic-0.md', topic);
      expect(s.frontMatter).toEqual(['title', 'tags', 'updated']);
      expect(s.tableRows.length).toBeGreaterThan(0);
      expect(s.codeBlocks.length).toBeGreaterThan(0);
      expect(topic).toMatch(/\p{Script=Han}/u);
      expect(topic).toMatch(/\p{Script=Cyrillic}|\p{Script=Arabic}|\p{Script=Hiragana}|[äöüé]/u);
      expect(await readdir(join(a, 'sessions', 'x'))).toHaveLength(3);
      // the sessions' writes are in the store, as an agent made them
      expect(topic).toContain('- **Owner of service 0-0**: owner-900');
    } finally {
      await Promise.all([a, b].map((d) => rm(d, { recursive: true, force: true })));
    }
  });
});
