import type { Root } from 'mdast';
import remarkFrontmatter from 'remark-frontmatter';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import { unified } from 'unified';
import { describe, expect, it } from 'vitest';
import { documentOf, parseMarkdownTree, plainText } from '../../../src/dream/markdown.js';

/** The parser as remark-gfm configures it, bare-URL links and all: what the dream read before. */
const remarkGfmTree = (content: string): Root =>
  unified().use(remarkParse).use(remarkFrontmatter, ['yaml', 'toml']).use(remarkGfm).parse(content);

/** Every block with its place, and every heading's and table cell's text: all a dream reads of a tree. */
function blocks(tree: Root): string[] {
  const out: string[] = [];
  const visit = (n: Root | Root['children'][number], depth: number) => {
    const at = n.position ? `${n.position.start.line}:${n.position.end.line}` : '';
    if (['heading', 'tableCell', 'paragraph'].includes(n.type)) out.push(`${depth} ${n.type} ${at} ${plainText(n)}`);
    else if (n.type !== 'text' && n.type !== 'link') out.push(`${depth} ${n.type} ${at}`);
    if ('children' in n) for (const c of n.children) visit(c as Root['children'][number], depth + 1);
  };
  visit(tree, 0);
  return out;
}

const doc = [
  '---',
  'title: links',
  '---',
  '# Docs at https://example.com/a_b_c and www.example.org.',
  '',
  '## Mail mailto:ops@example.com, xmpp:bot@example.com/x or ops@example.com',
  '',
  '- Host: http://db.internal:5432/app (primary)',
  '- [x] see www.example.com/*star*/ and **https://x.io/y**',
  '  - nested: user@example.co.uk; not a link: a@b, 1.2.3',
  '',
  '| site | url |',
  '| ---- | --- |',
  '| docs | https://example.com/docs?a=1&b=2) |',
  '',
  'Plain text with https://example.com. And a trailing (www.example.com)',
  '',
  '```sh',
  'curl https://example.com',
  '```',
].join('\n');

describe('the dream parser', () => {
  it('reads the same blocks, places and text as remark-gfm with its bare-URL pass', () => {
    const before = remarkGfmTree(doc);
    const after = parseMarkdownTree(doc);
    expect(blocks(after)).toEqual(blocks(before));
    expect(documentOf('/a.md', doc.split('\n'), after)).toEqual(documentOf('/a.md', doc.split('\n'), before));
  });

  it('still reads tables, task lists and front matter (GFM and front matter stay on)', () => {
    const types = blocks(parseMarkdownTree(doc)).map((b) => b.split(' ')[1]);
    expect(types).toEqual(expect.arrayContaining(['yaml', 'table', 'tableRow', 'list', 'listItem', 'code']));
    const doc2 = documentOf('/a.md', doc.split('\n'), parseMarkdownTree(doc));
    expect(doc2.units.find((u) => u.text.includes('[x]'))?.checked).toBe(true);
  });
});
