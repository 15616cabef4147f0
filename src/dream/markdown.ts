/**
 * Memory files as documents. A markdown file is parsed into a tree (remark: CommonMark, GFM tables and task
 * lists, YAML/TOML front matter) before anyone edits it, so front matter, code, diagrams, tables and HTML
 * are nodes a dream can recognise and leave alone, not lines that happen to look alike.
 */
import type { List, ListItem, Paragraph, Root, RootContent } from 'mdast';
import { gfmFromMarkdown } from 'mdast-util-gfm';
import { gfm } from 'micromark-extension-gfm';
import remarkFrontmatter from 'remark-frontmatter';
import remarkParse from 'remark-parse';
import { unified, type Processor } from 'unified';

export type DocumentKind = 'markdown' | 'json' | 'yaml' | 'other';

/** What a path holds, by its extension. Only markdown is ever edited line by line. */
export function documentKind(path: string): DocumentKind {
  const name = path.slice(path.lastIndexOf('/') + 1).toLowerCase();
  if (/\.(md|markdown|mdx)$/.test(name)) return 'markdown';
  if (/\.(json|jsonl|ndjson)$/.test(name)) return 'json';
  if (/\.(ya?ml)$/.test(name)) return 'yaml';
  return 'other';
}

/**
 * One editable piece of a markdown document: a list item without nested blocks, a one-line paragraph, or
 * one line of a paragraph whose every line is a `Label: value` line. Lines are 0-based and inclusive.
 */
export interface Unit {
  path: string;
  start: number;
  end: number;
  /** The unit's lines as they are in the file. */
  text: string;
  /** File, heading path and enclosing list items: two units are in one scope only when all three agree. */
  scope: string;
  /**
   * The block the unit belongs to within its scope (its list, or its paragraph): two lists of one section,
   * each under its own lead-in ("**Variant 2:**", "**Correct:**"), are two records, not one.
   */
  block: number;
  /** The nearest heading's text ('' before the first heading). */
  section: string;
  /** May the unit be taken out without breaking the structure around it (a lead-in or a parent may not). */
  removable: boolean;
  /** A task-list item's state: a done item and an open one are never the same line. */
  checked: boolean | null;
}

export interface Heading {
  line: number;
  depth: number;
  text: string;
}

export interface MarkdownDocument {
  path: string;
  lines: string[];
  units: Unit[];
  headings: Heading[];
  /** The body rows of the document's tables (0-based lines, header rows aside): never units, but a value's old place. */
  rows: number[];
  /** Fenced code blocks, anywhere in the tree: their info string and the lines between the fences (0-based, inclusive). */
  code: CodeBlock[];
}

export interface CodeBlock {
  lang: string;
  start: number;
  end: number;
}

/**
 * GFM as remark-gfm reads it, without its pass that turns a bare URL or e-mail in a text node into a link node
 * after the parse (a seventh of every parse's time): a dream reads blocks, and inline nodes only as their
 * text, which that pass leaves as it was (a link's text is the literal it replaced).
 */
function gfmBlocks(this: Processor): void {
  const data = this.data();
  (data.micromarkExtensions ??= []).push(gfm());
  (data.fromMarkdownExtensions ??= []).push(gfmFromMarkdown().map((e) => ({ ...e, transforms: [] })));
}

const processor = unified().use(remarkParse).use(remarkFrontmatter, ['yaml', 'toml']).use(gfmBlocks);

export function parseMarkdownTree(content: string): Root {
  return processor.parse(content);
}

export const startLine = (n: { position?: { start: { line: number } } }) => (n.position?.start.line ?? 1) - 1;
const endLine = (n: { position?: { end: { line: number } } }) => (n.position?.end.line ?? 1) - 1;

/** Inline text of a node (headings), without markup. */
export function plainText(node: unknown): string {
  if (!node || typeof node !== 'object') return '';
  const n = node as { value?: unknown; children?: unknown[] };
  if (typeof n.value === 'string') return n.value;
  return (n.children ?? []).map(plainText).join('');
}

// a `Label: value` line, with the label optionally bold or italic (`**Why:**`, `- **Owner**: …`, `名稱：…`)
const labelLine = /^\s{0,8}(?:[-*+]\s{1,4})?(?:\*\*|__|\*|_)?[^\s:*_：][^:：\n]{0,60}?(?:\*\*|__|\*|_)?\s{0,2}[:：]/u;

/**
 * Parses a markdown document into its editable units and headings. Everything else (front matter, code,
 * HTML, tables, block quotes, rules, definitions) is structure: it produces no unit and is never edited.
 */
export function parseMarkdown(path: string, content: string): MarkdownDocument {
  return documentOf(path, content.split('\n'), parseMarkdownTree(content));
}

/** The document's units and headings from its parsed tree (`lines`: the content split at newlines). */
export function documentOf(path: string, lines: string[], tree: Root): MarkdownDocument {
  const units: Unit[] = [];
  const headings: Heading[] = [];
  const titles: string[] = []; // by depth - 1
  const sectionOf = () => titles.filter(Boolean).at(-1) ?? '';
  const scopeOf = (parents: string) => `${path}\0${titles.filter(Boolean).join(' › ')}\0${parents}`;
  const slice = (a: number, b: number) => lines.slice(a, b + 1).join('\n');

  const paragraph = (p: Paragraph, parents: string) => {
    const [a, b] = [startLine(p), endLine(p)];
    const text = slice(a, b);
    const base = { path, scope: scopeOf(parents), block: a, section: sectionOf(), checked: null };
    if (a !== b && lines.slice(a, b + 1).every((l) => labelLine.test(l))) {
      for (let i = a; i <= b; i++) units.push({ ...base, start: i, end: i, text: lines[i]!, removable: true });
      return;
    }
    // a paragraph that ends with a colon introduces the block after it: it goes only with that block
    units.push({ ...base, start: a, end: b, text, removable: !/[:：]\s*$/.test(text) });
  };

  const list = (l: List, parents: string) => {
    const block = startLine(l);
    for (const item of l.children as ListItem[]) {
      const [a, b] = [startLine(item), endLine(item)];
      const kids = item.children;
      const leaf = kids.length === 1 && kids[0]!.type === 'paragraph';
      if (leaf) {
        units.push({
          path,
          start: a,
          end: b,
          text: slice(a, b),
          scope: scopeOf(parents),
          block,
          section: sectionOf(),
          removable: true,
          checked: item.checked ?? null,
        });
        continue;
      }
      // an item with nested blocks: its first line may state something, but the item is a parent, never removed
      const head = kids[0];
      if (head?.type === 'paragraph') {
        const hb = endLine(head);
        units.push({
          path,
          start: a,
          end: hb,
          text: slice(a, hb),
          scope: scopeOf(parents),
          block,
          section: sectionOf(),
          removable: false,
          checked: item.checked ?? null,
        });
      }
      for (const child of kids.slice(head?.type === 'paragraph' ? 1 : 0)) {
        if (child.type === 'list') list(child, `${parents}/${a}`);
      }
    }
  };

  for (const node of tree.children as RootContent[]) {
    switch (node.type) {
      case 'heading': {
        const text = plainText(node).trim();
        headings.push({ line: startLine(node), depth: node.depth, text });
        titles.length = node.depth - 1;
        titles[node.depth - 1] = text;
        break;
      }
      case 'paragraph':
        paragraph(node, '');
        break;
      case 'list':
        list(node, '');
        break;
      default:
        break; // structure: front matter, code, html, table, blockquote, thematic break, definitions
    }
  }
  return { path, lines, units, headings, rows: tableRows(tree), code: codeBlocks(tree, lines) };
}

/** The fenced code blocks of the tree, with a body of one line or more (an indented block has no fences to keep). */
function codeBlocks(tree: Root, lines: readonly string[]): CodeBlock[] {
  const out: CodeBlock[] = [];
  const visit = (node: RootContent) => {
    if (node.type === 'code') {
      const [a, b] = [startLine(node), endLine(node)];
      const fence = /^\s{0,12}(?:[-*+>]\s*)*(`{3,}|~{3,})/;
      // an unclosed fence runs to the end of its container: its last line is code, not a fence
      const end = b > a && fence.test(lines[b] ?? '') && !/\S/.test((lines[b] ?? '').replace(fence, '')) ? b - 1 : b;
      if (fence.test(lines[a] ?? '') && end > a) out.push({ lang: (node.lang ?? '').toLowerCase(), start: a + 1, end });
    } else if ('children' in node) for (const child of node.children as RootContent[]) visit(child);
  };
  for (const node of tree.children) visit(node);
  return out;
}

/** The body rows of the document's tables (0-based lines), header rows aside. */
const tableRows = (tree: Root): number[] =>
  tree.children.flatMap((n) => (n.type === 'table' ? n.children.slice(1).map(startLine) : []));

/**
 * The lines without those dropped, and without a blank line the drop would leave doubled: taking an item out
 * of a list must not leave two blank lines where there was one.
 */
export function withoutLines(lines: readonly string[], drop: ReadonlySet<number>): string[] {
  const all = droppedLines(lines, drop);
  return lines.filter((_, i) => !all.has(i));
}

/** The lines to drop: those asked for, and a blank line the drop would leave doubled. */
export function droppedLines(lines: readonly string[], drop: ReadonlySet<number>): Set<number> {
  const all = new Set(drop);
  for (let i = 0; i < lines.length; i++) {
    if (all.has(i) || lines[i]!.trim() !== '') continue;
    let j = i + 1;
    while (j < lines.length && drop.has(j)) j++;
    if (j > i + 1 && j < lines.length && lines[j]!.trim() === '') all.add(i);
  }
  return all;
}

export interface Cell {
  text: string;
  at: number;
}

/** The cells of a row line, each with where it starts in the line. */
export function cellsOf(line: string): Cell[] {
  const cells: Cell[] = [];
  let start = 0;
  let code = false;
  for (let i = 0; i <= line.length; i++) {
    const ch = line[i];
    if (ch === '`') code = !code;
    else if (ch === '\\') i++;
    else if ((ch === '|' && !code) || i === line.length) {
      cells.push({ text: line.slice(start, i), at: start });
      start = i + 1;
    }
  }
  // the pipes at either end open and close the row: no cells of their own
  if (cells[0]?.text.trim() === '') cells.shift();
  if (cells.at(-1)?.text.trim() === '') cells.pop();
  return cells;
}
