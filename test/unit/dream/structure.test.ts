import { describe, expect, it } from 'vitest';
import {
  documentCache,
  parseDocument,
  structureCache,
  structureCacheBytes,
  structureOf,
} from '../../../src/dream/structure.js';

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

describe('parseDocument', () => {
  it('gives the same document for the same blob under any path, and a changed blob its own', () => {
    const n = Date.now() + 1;
    const fresh = parseDocument('/a.md', doc(n));
    const misses = documentCache.misses;
    const again = parseDocument('/b/c.md', doc(n));
    expect(documentCache.misses).toBe(misses); // served from the cache
    expect(again.path).toBe('/b/c.md');
    expect(again.units.map((u) => [u.path, u.scope.split('\0')[0], u.text])).toEqual(
      fresh.units.map((u) => ['/b/c.md', '/b/c.md', u.text]),
    );
    expect({
      ...again,
      path: '/a.md',
      units: again.units.map((u) => ({ ...u, path: '/a.md', scope: u.scope.replace('/b/c.md', '/a.md') })),
    }).toEqual(fresh);
    const changed = parseDocument('/a.md', doc(n).replace(`- fact ${n}`, `- fact ${n + 1}`));
    expect(documentCache.misses).toBe(misses + 1);
    expect(changed.units.at(-1)!.text).toBe(`- fact ${n + 1}`);
  });

  it('hands out copies: what one caller changes, the next does not see', () => {
    const n = Date.now() + 2;
    const one = parseDocument('/a.md', doc(n));
    one.lines[0] = 'changed';
    one.units[0]!.text = 'changed';
    const two = parseDocument('/a.md', doc(n));
    expect(two.lines[0]).toBe('---');
    expect(two.units[0]!.text).not.toBe('changed');
  });
});
