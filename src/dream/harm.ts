/**
 * The do-no-harm check, for every dreamer: in a file that survives the dream, a change may not remove
 * front-matter keys, headings or table rows, change a code block, or leave a JSON or YAML file that parsed
 * unparseable; and no line may leave the store without a trace of where it went.
 */
import { blockLeaves } from './codeValues.js';
import { cellsOf, documentKind } from './markdown.js';
import { structureOf } from './structure.js';
import { normalizeLine } from './text.js';

/** What `b` lacks of `a`, counting repeats. */
function missing(a: readonly string[], b: readonly string[]): string[] {
  const left = new Map<string, number>();
  for (const x of b) left.set(x, (left.get(x) ?? 0) + 1);
  const out: string[] = [];
  for (const x of a) {
    const n = left.get(x) ?? 0;
    if (n > 0) left.set(x, n - 1);
    else out.push(x);
  }
  return out;
}

const clip = (s: string, n = 60) => JSON.stringify(s.length > n ? `${s.slice(0, n)}…` : s);

/**
 * Why an edit of `path` from `before` to `after` breaks its structure; empty when it keeps it. With `codeValues`
 * (a suggestion a reviewer accepts, never the applied tier) a code block may have numbers of its values changed
 * in place, when it still reads as the syntax it read as before.
 */
export function structureHarm(path: string, before: string, after: string, codeValues = false): string[] {
  if (before === after) return [];
  const kind = documentKind(path);
  const a = structureOf(path, before);
  const b = structureOf(path, after);
  const out: string[] = [];
  if (kind === 'json' || kind === 'yaml') {
    if (a.parses && !b.parses) out.push(`leaves the ${kind.toUpperCase()} file unparseable`);
    return out;
  }
  if (kind !== 'markdown') return out;
  if (Array.isArray(a.frontMatter)) {
    if (b.frontMatter === 'invalid') out.push('leaves the front matter unparseable');
    else {
      const gone = missing(a.frontMatter, b.frontMatter ?? []);
      if (gone.length > 0) out.push(`removes front-matter key${gone.length > 1 ? 's' : ''} ${gone.join(', ')}`);
    }
  }
  const headings = missing(a.headings, b.headings);
  if (headings.length > 0)
    out.push(`removes heading ${clip(headings[0]!)}${headings.length > 1 ? ` and ${headings.length - 1} more` : ''}`);
  const rows = editedInPlace(missing(a.tableRows, b.tableRows), missing(b.tableRows, a.tableRows));
  if (rows.length > 0) out.push(`removes ${rows.length} table row(s), first ${clip(rows[0]!)}`);
  const code = codeValues
    ? numbersEdited(missing(a.codeBlocks, b.codeBlocks), missing(b.codeBlocks, a.codeBlocks))
    : missing(a.codeBlocks, b.codeBlocks);
  if (code.length > 0) out.push(`changes ${code.length} code block(s) (first: ${clip(code[0]!.split('\n')[1] ?? '')})`);
  return out;
}

/** The code blocks gone that no block with only numbers changed took the place of (the same syntax, still parsing). */
function numbersEdited(gone: readonly string[], added: readonly string[]): string[] {
  const skeleton = (block: string) => block.replace(/\d+(?:\.\d+)*/g, '#');
  const leaves = (block: string) => {
    const [lang, ...body] = block.split('\n');
    return blockLeaves(lang!, body.join('\n')).length;
  };
  const left = [...added];
  return gone.filter((block) => {
    const i = left.findIndex((b) => skeleton(b) === skeleton(block) && (leaves(block) === 0 || leaves(b) > 0));
    if (i === -1) return true;
    left.splice(i, 1);
    return false;
  });
}

/**
 * The rows gone that no row took the place of: a row edited in place (as many cells, one cell changed, the
 * table as long as before) keeps the table whole; the old row is still traced (it went to the archive).
 */
function editedInPlace(gone: readonly string[], added: readonly string[]): string[] {
  const cells = (row: string) => cellsOf(row).map((c) => c.text.trim());
  const left = [...added];
  return gone.filter((row) => {
    const mine = cells(row);
    const i = left.findIndex((r) => {
      const c = cells(r);
      return c.length === mine.length && c.filter((x, k) => x !== mine[k]).length === 1;
    });
    if (i === -1) return true;
    left.splice(i, 1);
    return false;
  });
}

/**
 * Non-blank lines of `before` that are nowhere in the candidate (compared normalized): information a
 * change removes. A line that moved (to another place, another file or /archive/) is still somewhere.
 */
export function untracedLines(
  before: string,
  everywhere: { has(line: string): boolean },
): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  before.split('\n').forEach((text, i) => {
    const n = normalizeLine(text);
    if (n !== '' && /[\p{L}\p{N}]/u.test(n) && !everywhere.has(n)) out.push({ line: i + 1, text });
  });
  return out;
}

/** Every normalized line of a set of files, for `untracedLines`. */
export function lineIndex(contents: Iterable<string>): Set<string> {
  const out = new Set<string>();
  for (const c of contents) for (const l of c.split('\n')) out.add(normalizeLine(l));
  return out;
}

/**
 * The normalized lines of a store, file by file: what is somewhere once a few files are replaced, asked for
 * many candidates (each suggestion) without indexing the whole store again for each.
 */
export class StoreLines {
  private readonly byPath = new Map<string, Set<string>>();
  /** How many files hold each line. */
  private readonly holders = new Map<string, number>();

  constructor(files: Iterable<readonly [string, string]>) {
    for (const [path, content] of files) {
      const lines = lineIndex([content]);
      this.byPath.set(path, lines);
      for (const l of lines) this.holders.set(l, (this.holders.get(l) ?? 0) + 1);
    }
  }

  /** The lines of the store with `replaced` in place of its files of the same paths (new paths added). */
  with(replaced: ReadonlyMap<string, string>): { has(line: string): boolean } {
    const added = lineIndex(replaced.values());
    return {
      has: (line) => {
        if (added.has(line)) return true;
        let n = this.holders.get(line) ?? 0;
        for (const path of replaced.keys()) if (n > 0 && this.byPath.get(path)?.has(line)) n--;
        return n > 0;
      },
    };
  }
}
