/** The fact lines of a store as the derived suite reads them (derive.ts), and how it compares their text. */
import { isArchivePath } from '../memory/paths.js';
import type { MemoryStore } from '../memory/store.js';
import { parseKeyedFact } from '../dream/text.js';
import { strip } from './tokens.js';

export interface Fact {
  path: string;
  line: number;
  section: string;
  text: string;
  label?: string;
}

const markdown = /\.(md|markdown|mdx)$/i;

/**
 * The fact lines of a store: in a markdown file, the lines of its paragraphs and list items, each under its
 * nearest heading (front matter, fenced code, tables, HTML comments and index links are structure, which
 * the do-no-harm check guards); in a plain-text file, every line. JSON, YAML and other files hold no facts
 * for this suite. One pass over the lines: a store of 2,000 files is read in well under a second.
 */
export function factsOf(store: MemoryStore): Fact[] {
  const out: Fact[] = [];
  for (const [path, content] of store.files) {
    if (isArchivePath(path)) continue;
    const isMarkdown = markdown.test(path);
    if (!isMarkdown && !/\.txt$/i.test(path)) continue;
    const lines = content.split('\n');
    let i = 0;
    if (isMarkdown && /^---\s*$/.test(lines[0] ?? '')) {
      const end = lines.findIndex((l, j) => j > 0 && /^(---|\.\.\.)\s*$/.test(l));
      if (end > 0) i = end + 1;
    }
    let fence: string | undefined;
    let comment = false;
    let section = '';
    for (; i < lines.length; i++) {
      const text = lines[i]!.replace(/\r$/, '');
      const t = text.trim();
      if (isMarkdown) {
        const f = /^(`{3,}|~{3,})/.exec(t);
        if (fence) {
          if (f && t.startsWith(fence)) fence = undefined;
          continue;
        }
        if (f) {
          fence = f[1]!;
          continue;
        }
        if (comment || t.startsWith('<!--')) {
          comment = !t.includes('-->');
          continue;
        }
        const h = /^#{1,6}\s+(.*?)\s*#*$/.exec(t);
        if (h) {
          section = h[1]!;
          continue;
        }
        if (t.startsWith('|') || /^[-*_=]{3,}$/.test(t) || isIndexLine(t)) continue;
      }
      if (t === '' || !/[\p{L}\p{N}]/u.test(t)) continue;
      const label = labelOf(t);
      out.push({ path, line: i + 1, section, text, ...(label ? { label } : {}) });
    }
  }
  return out;
}

/** A list item that is a link to another memory file (an index entry): it follows its file, not a fact. */
function isIndexLine(t: string): boolean {
  const m = /^(?:[-*+]|\d+[.)])\s+\[[^\]]*\]\(\s*<?([^)\s>]+)>?\s*\)/.exec(t);
  return m !== null && !/^[a-z][a-z0-9+.-]*:/i.test(m[1]!) && !m[1]!.startsWith('#');
}

/** The subject a line gives a value to (`Label: value`, "The subject is value"), read as the dreamer reads it. */
export function labelOf(text: string): string | undefined {
  return parseKeyedFact(text)?.subject;
}

export const normalized = (t: string) =>
  strip(t)
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[.;]+$/, '')
    .replace(/\s+/g, ' ')
    .trim();
