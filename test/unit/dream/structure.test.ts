import { describe, expect, it } from 'vitest';
import { parseDocument, structureCache, structureCacheBytes, structureOf } from '../../../src/dream/structure.js';

const doc = (n: number) =>
  [
    '---',
    `title: note ${n}`,
    'tags: [a]',
    '---',
    `# Note ${n}`,
    '',
    '| k | v |',
    '| - | - |',
    `| a | ${n} |`,
    '',
    '```sh',
    `echo ${n}`,
    '```',
    '',
    `- fact ${n}`,
    '',
  ].join('\n');

describe('structureOf', () => {
  it('reads front matter, headings, table rows and code from the parsed tree; JSON and YAML parse or not', () => {
    expect(structureOf('/a.md', doc(1))).toEqual({
      frontMatter: ['title', 'tags'],
      headings: ['# Note 1'],
      tableRows: ['| k | v |', '| a | 1 |'],
      codeBlocks: ['sh\necho 1'],
    });
    expect(structureOf('/s.json', '{"a":1}').parses).toBe(true);
    expect(structureOf('/s.json', '{"a":').parses).toBe(false);
    expect(structureOf('/s.yaml', 'a: [1').parses).toBe(false);
    expect(structureOf('/x.txt', 'anything')).toEqual({
      frontMatter: null,
      headings: [],
      tableRows: [],
      codeBlocks: [],
    });
  });

  it('parses a blob once: the dream’s parse serves the do-no-harm check, under any path, the same kind', () => {
    const n = Date.now();
    parseDocument('/one.md', doc(n));
    const { hits, misses } = structureCache;
    const again = structureOf('/another/path.md', doc(n));
    expect([structureCache.hits - hits, structureCache.misses - misses]).toEqual([1, 0]);
    expect(again.headings).toEqual([`# Note ${n}`]);
    expect(again.tableRows).toEqual(['| k | v |', `| a | ${n} |`]);
    // the same bytes as JSON are another question: not a hit
    structureOf('/one.json', doc(n));
    expect(structureCache.misses - misses).toBe(1);
  });

  it('keeps within its byte budget, dropping the least recently used', () => {
    const big = (i: number) => JSON.stringify(`${i}${'x'.repeat(structureCacheBytes / 4)}`);
    for (let i = 0; i < 6; i++) structureOf(`/b${i}.json`, big(i));
    expect(structureCache.bytes()).toBeLessThanOrEqual(structureCacheBytes);
    const { hits, misses } = structureCache;
    structureOf('/b5.json', big(5));
    structureOf('/b0.json', big(0));
    expect([structureCache.hits - hits, structureCache.misses - misses]).toEqual([1, 1]);
  });
});
