/**
 * What a dream must keep of a file (front matter, headings, table rows, code; for JSON and YAML, that it
 * parses), computed once per blob: by the sha256 of its content, for every stage of a worker that asks.
 * Parsing is most of a large store's dream; a store's unchanged files are the same blobs in the dream and
 * in its do-no-harm check, and night after night.
 */
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { BlobCache, clearedWithBlobCaches } from '../util/blobCache.js';
import type { Root, RootContent } from 'mdast';
import { parse as parseYaml } from 'yaml';
import {
  documentKind,
  documentOf,
  parseMarkdownTree,
  plainText,
  startLine,
  type DocumentKind,
  type MarkdownDocument,
} from './markdown.js';

export interface Structure {
  /** Front-matter keys, or null when the file has none; `invalid` when it does not parse. */
  frontMatter: string[] | null | 'invalid';
  headings: string[];
  tableRows: string[];
  codeBlocks: string[];
  /** For JSON and YAML files: does the whole file parse. */
  parses?: boolean;
}

/** Enough for a 5,000-file store's structures; they are a fraction of the files' size. */
export const structureCacheBytes = 16 * 2 ** 20;
/** The structures kept, least recently used dropped first; bounded by the bytes of the files they came from. */
const known = new LRUCache<string, { structure: Structure; bytes: number }>({
  maxSize: structureCacheBytes,
  sizeCalculation: (v) => Math.max(1, v.bytes),
});
clearedWithBlobCaches(known);
/** How often a structure was found parsed (for tests and profiles). */
export const structureCache = { hits: 0, misses: 0, entries: () => known.size, bytes: () => known.calculatedSize };

const blobKey = (kind: DocumentKind, content: string) =>
  `${kind}:${createHash('sha256').update(content).digest('hex')}`;

function remember(key: string, structure: Structure, bytes: number): Structure {
  known.set(key, { structure, bytes }); // a file larger than the whole cache is not kept
  return structure;
}

function recalled(key: string): Structure | undefined {
  const hit = known.get(key);
  if (hit) structureCache.hits++;
  else structureCache.misses++;
  return hit?.structure;
}

function frontMatterKeys(value: string, kind: 'yaml' | 'toml'): string[] | 'invalid' {
  if (kind === 'toml') return value.split('\n').flatMap((l) => /^\s*([A-Za-z0-9_.-]+)\s*=/.exec(l)?.[1] ?? []);
  try {
    const doc = parseYaml(value) as unknown;
    return doc && typeof doc === 'object' && !Array.isArray(doc) ? Object.keys(doc) : [];
  } catch {
    return 'invalid';
  }
}

function parses(kind: 'json' | 'yaml', path: string, content: string): boolean {
  try {
    if (kind === 'yaml') parseYaml(content);
    else if (path.endsWith('.json')) JSON.parse(content);
    else for (const line of content.split('\n')) if (line.trim()) JSON.parse(line); // JSON lines
    return true;
  } catch {
    return false;
  }
}

/** A markdown document's structure from its parsed tree. */
function markdownStructure(tree: Root, lines: readonly string[]): Structure {
  const s: Structure = { frontMatter: null, headings: [], tableRows: [], codeBlocks: [] };
  const visit = (node: RootContent) => {
    const type = node.type as string; // 'toml' comes from remark-frontmatter, outside mdast's types
    if (type === 'yaml' || type === 'toml')
      s.frontMatter = frontMatterKeys((node as { value: string }).value, type as 'yaml' | 'toml');
    else if (node.type === 'heading') s.headings.push(`${'#'.repeat(node.depth)} ${plainText(node).trim()}`);
    else if (node.type === 'table')
      for (const row of node.children) s.tableRows.push(lines[startLine(row)]!.replace(/\r$/, '').trim());
    else if (node.type === 'code') s.codeBlocks.push(`${node.lang ?? ''}\n${node.value.replace(/\r/g, '')}`);
    if ('children' in node) for (const child of node.children as RootContent[]) visit(child);
  };
  for (const node of tree.children) visit(node);
  return s;
}

export function structureOf(path: string, content: string): Structure {
  const kind = documentKind(path);
  if (kind === 'other') return { frontMatter: null, headings: [], tableRows: [], codeBlocks: [] };
  const key = blobKey(kind, content);
  const hit = recalled(key);
  if (hit) return hit;
  const structure =
    kind === 'markdown'
      ? markdownStructure(parseMarkdownTree(content), content.split('\n'))
      : { frontMatter: null, headings: [], tableRows: [], codeBlocks: [], parses: parses(kind, path, content) };
  return remember(key, structure, content.length);
}

/**
 * Parsed documents by blob, without their path (the units name it as they are handed out): a parsed document
 * is about three times its file in memory, so this holds a 5,000-file store of 1 KB files three times over.
 */
export const documentCache = new BlobCache<MarkdownDocument>('markdown documents', 48 * 2 ** 20, 3);

/** The document of a blob, at `path`: copies, so that no caller changes what the next one is handed. */
function atPath(doc: MarkdownDocument, path: string): MarkdownDocument {
  return {
    path,
    lines: [...doc.lines],
    headings: doc.headings.map((h) => ({ ...h })),
    rows: [...doc.rows],
    code: doc.code.map((c) => ({ ...c })),
    units: doc.units.map((u) => ({ ...u, path, scope: `${path}${u.scope}` })), // a scope starts with its path
  };
}

/**
 * A markdown file parsed once for both its editable units and its structure (kept for `structureOf`), and
 * once per blob for every later stage, night or re-dream that reads the same bytes.
 */
export function parseDocument(path: string, content: string): MarkdownDocument {
  const doc = documentCache.get(content, () => {
    const lines = content.split('\n');
    const tree = parseMarkdownTree(content);
    const key = blobKey('markdown', content);
    if (!recalled(key)) remember(key, markdownStructure(tree, lines), content.length);
    return documentOf('', lines, tree);
  });
  return atPath(doc, path);
}
