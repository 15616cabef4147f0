/**
 * Values inside fenced code and config blocks as the old place of an update: `"react": "^18.2.0"` in a
 * package.json snippet, `image: postgres:14` in a compose file, `DB_POOL_SIZE=10` in a .env block. A block is
 * read by its syntax (JSON, YAML, TOML, .env lines), with the parsers the project already uses, never by its
 * words: each scalar with a digit is found on its line, named by its key (and by the name a value such as
 * `postgres:14` carries itself). Such a line is never a unit a dream takes out; a session's newer value may
 * only replace its number in place, as a suggestion (the line keeps its syntax, the old line goes to the archive).
 */
import { parse as parseToml } from 'smol-toml';
import { parse as parseYaml } from 'yaml';
import { anchoredValues, type Anchored } from './anchors.js';
import type { PreparedInput } from './dreamer.js';
import type { Fact } from './facts.js';
import type { CodeBlock, MarkdownDocument } from './markdown.js';
import { normalizeLine } from './text.js';

/** One scalar of a block: the keys that lead to it and its text as the block writes it. */
interface Leaf {
  keys: string[];
  text: string;
}

/** A `.env` or shell assignment line: `KEY=value`, `export KEY=value`. */
const assignment = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(.*)$/;
const langs = {
  json: /^(?:json5?|jsonc|package\.json|tsconfig)$/,
  yaml: /^(?:ya?ml|docker-compose|compose)$/,
  toml: /^(?:toml|pyproject(?:\.toml)?|cargo(?:\.toml)?)$/,
  env: /^(?:env|dotenv|\.env|properties|ini|sh|bash|shell|zsh|console)$/,
};

/** The scalars of a parsed value, each with its keys (an array's items under the key that holds the array). */
function leavesOf(value: unknown, keys: string[] = [], out: Leaf[] = []): Leaf[] {
  if (Array.isArray(value)) for (const v of value) leavesOf(v, keys, out);
  else if (value instanceof Date) out.push({ keys, text: value.toISOString() });
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) leavesOf(v, [...keys, k], out);
  else if (typeof value === 'string' || typeof value === 'number') out.push({ keys, text: String(value) });
  return out;
}

/** The block's scalars by the syntax its info string names, or the first syntax its text parses as a mapping in. */
export function blockLeaves(lang: string, body: string): Leaf[] {
  const asObject = (v: unknown) => (v && typeof v === 'object' ? leavesOf(v) : undefined);
  const tries: Record<keyof typeof langs, () => Leaf[] | undefined> = {
    json: () => asObject(JSON.parse(body)),
    yaml: () => (/^\s*[\w"'.-]+\s*:/m.test(body) ? asObject(parseYaml(body)) : undefined),
    toml: () => asObject(parseToml(body)),
    env: () => {
      const lines = body.split('\n').filter((l) => l.trim() !== '' && !/^\s*#/.test(l));
      if (lines.length === 0 || !lines.every((l) => assignment.test(l))) return undefined;
      return lines.map((l) => {
        const [, key, value] = assignment.exec(l)!;
        return { keys: [key!], text: value!.replace(/^(['"])(.*)\1\s*$/, '$2').trim() };
      });
    },
  };
  const named = (Object.keys(langs) as (keyof typeof langs)[]).find((k) => langs[k].test(lang));
  // a block with no info string (or another one) is read as whichever syntax it parses in
  const order: (keyof typeof langs)[] = named ? [named] : ['json', 'toml', 'env', 'yaml'];
  for (const kind of order)
    try {
      const leaves = tries[kind]();
      if (leaves) return leaves;
    } catch {
      // not this syntax
    }
  return [];
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The anchors of one line of a block holding `leaf`: the key names the number of the value (`react` = `18.2.0`),
 * and a name the value carries names its own number (`postgres:14`: `postgres` = `14`). Undefined when the line
 * does not hold the key and the value as written.
 */
export function leafAnchors(line: string, leaf: Leaf): Anchored[] | undefined {
  const key = leaf.keys.at(-1);
  const keyAt = key === undefined ? null : new RegExp(`(?<![\\w@/.-])["']?${escape(key)}["']?\\s*[:=]`).exec(line);
  const from = keyAt ? keyAt.index + keyAt[0].length : 0;
  const at = line.indexOf(leaf.text, from);
  if (at === -1 || (key !== undefined && !keyAt && !/^\s*-\s/.test(line))) return undefined;
  const core = /\d+(?:\.\d+)*/.exec(leaf.text);
  if (!core) return undefined;
  const value = { text: core[0], at: at + core.index, kind: 'number' as const, aside: false };
  const out: Anchored[] = [];
  // a key of a few words or an identifier names the value (not `version`-like keys of every package alone: the
  // anchor is compared by rarity, like any other)
  if (keyAt && key && /\p{L}/u.test(key)) out.push({ anchor: key, value });
  for (const a of anchoredValues(leaf.text))
    if (!out.some((o) => o.anchor === a.anchor)) out.push({ ...a, value: { ...a.value, at: at + a.value.at } });
  return out.length > 0 ? out : undefined;
}

/** The lines of the store's fenced code blocks that hold a number of a value, as facts a newer line may update. */
export function codeFacts(docs: ReadonlyMap<string, MarkdownDocument>, input: PreparedInput): Fact[] {
  const out: Fact[] = [];
  for (const doc of docs.values())
    for (const block of doc.code) {
      const body = doc.lines.slice(block.start, block.end + 1);
      const indent = Math.min(...body.filter((l) => l.trim()).map((l) => /^\s*/.exec(l)![0].length));
      const leaves = blockLeaves(block.lang, body.map((l) => l.slice(indent)).join('\n'));
      const taken = new Set<number>();
      for (const leaf of leaves.filter((l) => /\d/.test(l.text))) {
        const i = lineOf(body, leaf, taken);
        if (i === undefined) continue;
        taken.add(i);
        out.push(factAt(doc, block, block.start + i, input, leafAnchors(body[i]!, leaf)!));
      }
    }
  return out;
}

/** The first line of the block not yet taken that holds the leaf as written under its key. */
function lineOf(body: readonly string[], leaf: Leaf, taken: ReadonlySet<number>): number | undefined {
  for (let i = 0; i < body.length; i++) if (!taken.has(i) && leafAnchors(body[i]!, leaf)) return i;
  return undefined;
}

function factAt(doc: MarkdownDocument, block: CodeBlock, i: number, input: PreparedInput, anchored: Anchored[]): Fact {
  const text = doc.lines[i]!;
  const line = input.inputLine(doc.path, i + 1);
  return {
    path: doc.path,
    start: i,
    end: i,
    text,
    scope: `${doc.path}\0code\0${block.start}`,
    block: block.start,
    section: doc.headings.filter((h) => h.line < i).at(-1)?.text ?? '',
    removable: true,
    checked: null,
    line,
    lastLine: line,
    norm: normalizeLine(text),
    row: true,
    anchored,
  };
}
