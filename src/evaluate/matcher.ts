/** Finding a derived fact on one line of a store, fast enough for 40,000 facts over a whole store. */
import { LRUCache } from 'lru-cache';
import { clearedWithBlobCaches } from '../util/blobCache.js';
import { safeText } from '../util/display.js';
import type { Matcher } from './suite.js';
import { shown, type DerivedItem } from './tokens.js';

/**
 * A store's text as a matcher reads it: its lines lower-cased, the set of them (most facts are found as
 * they were, in one lookup), and where each file's lines are. Built once per text and shared by every
 * matcher of a suite, so 40,000 facts are judged in a moment rather than in a 40,000 × 40,000 scan.
 */
class TextView {
  readonly lower: string;
  readonly lines: string[];
  readonly exact: Set<string>;
  readonly files = new Map<string, [number, number]>();

  constructor(public text: string) {
    this.lower = text.toLowerCase();
    this.lines = this.lower.split('\n');
    this.exact = new Set(this.lines.map((l) => shown(l)));
    let open: [string, number] | undefined;
    this.lines.forEach((l, i) => {
      // currentText() introduces each file with "## <path>"; a look in the wrong place only costs time
      if (!l.startsWith('## /')) return;
      if (open) this.files.set(open[0], [open[1], i]);
      open = [l.slice(3), i + 1];
    });
    if (open) this.files.set(open[0], [open[1], this.lines.length]);
  }

  #pieces: Map<string, number[]> | undefined;
  #sorted: string[] | undefined;

  /** Lines holding `piece` as a whole run of letters and digits (built on first use: only moved facts need it). */
  withPiece(piece: string): number[] {
    if (!this.#pieces) {
      const m = (this.#pieces = new Map());
      this.lines.forEach((l, i) => {
        for (const p of new Set(l.match(piecePattern) ?? [])) {
          const at = m.get(p);
          if (at) at.push(i);
          else m.set(p, [i]);
        }
      });
    }
    return this.#pieces.get(piece) ?? [];
  }

  #prefixes = new Map<string, number[]>();

  /** Lines holding a run that starts with `prefix`, in order. */
  withPrefix(prefix: string): number[] {
    const cached = this.#prefixes.get(prefix);
    if (cached) return cached;
    this.withPiece(prefix);
    const keys = (this.#sorted ??= [...this.#pieces!.keys()].sort());
    let lo = 0;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (keys[mid]! < prefix) lo = mid + 1;
      else hi = mid;
    }
    const out = new Set<number>();
    for (let i = lo; i < keys.length && keys[i]!.startsWith(prefix); i++)
      for (const l of this.#pieces!.get(keys[i]!)!) out.add(l);
    const lines = [...out].sort((a, b) => a - b);
    this.#prefixes.set(prefix, lines);
    return lines;
  }

  /**
   * Lines that can hold a value, when its shape tells: inside a value, a run between two separators is a whole
   * run of any line that holds it, and its last run starts one; a value of one run tells nothing.
   */
  linesFor(values: readonly string[]): number[] | undefined {
    const lists: number[][] = [];
    for (const v of values) {
      const runs = v.match(piecePattern) ?? [];
      if (runs.length >= 3) lists.push(...runs.slice(1, -1).map((r) => this.withPiece(r)));
      else if (runs.length === 2) lists.push(this.withPrefix(runs[1]!));
    }
    if (lists.length === 0) return undefined;
    // every value is required: a line must be on every list (each in line order, so a merge finds them)
    lists.sort((a, b) => a.length - b.length);
    let out = lists[0]!;
    for (const other of lists.slice(1, 4)) {
      const next: number[] = [];
      for (let i = 0, j = 0; i < out.length && j < other.length;)
        if (out[i]! < other[j]!) i++;
        else if (out[i]! > other[j]!) j++;
        else {
          next.push(out[i]!);
          i++;
          j++;
        }
      out = next;
    }
    return out;
  }
}

export const piecePattern = /[\p{L}\p{N}]+/gu;

let shared: TextView | undefined;
function viewOf(text: string): TextView {
  if (shared?.text !== text) return (shared = new TextView(text));
  // the same text as another string object: adopt it, so the next 40,000 lookups compare references, not megabytes
  shared.text = text;
  return shared;
}

/**
 * Matchers by the item they test: a cycle's evaluations (baseline, post, each revision, verify) ask the same
 * derived cases of the stores they score, so each is compiled once per cycle rather than once per evaluation.
 */
const compiled = new LRUCache<string, Matcher>({
  // bounded in memory, not count: a matcher keeps about four times its item's text (strings and patterns)
  maxSize: 24 * 2 ** 20,
  sizeCalculation: (_m, key) => 4 * key.length,
});
clearedWithBlobCaches(compiled);

/** Does one line of `text` hold the fact's tokens? (Case-insensitive; the YAML form is the same test as a regex.) */
export function tokenMatcher(item: DerivedItem): Matcher {
  const key = JSON.stringify([item.values, item.words, item.need, item.whole ?? [], item.from, item.text]);
  let m = compiled.get(key);
  if (!m) compiled.set(key, (m = compileMatcher(item)));
  return m;
}

function compileMatcher(item: DerivedItem): Matcher {
  // a number stands alone: "8 minutes" is not found in "18 minutes" or "2028"
  const values = item.values.map((t) => {
    // only a number is a pattern (digits need no escaping); any other value (`c++17`) is found as it is written
    if (!/^\d+$/.test(t)) return (l: string) => l.includes(t.toLowerCase());
    const alone = new RegExp(`(?<!\\d)${t}(?!\\d)`);
    return (l: string) => alone.test(l);
  });
  const words = item.words.map((t) => t.toLowerCase());
  const whole = (item.whole ?? []).map((w) => new RegExp(wholeWord(w), 'i'));
  const holds = (l: string) =>
    values.every((v) => v(l)) &&
    words.filter((w) => l.includes(w)).length >= item.need &&
    whole.every((w) => w.test(l));
  const line = shown(item.text).toLowerCase();
  const path = item.from.startsWith('/') ? item.from.slice(0, item.from.lastIndexOf(':')).toLowerCase() : undefined;
  const required = item.values.map((v) => v.toLowerCase());
  return {
    source: safeText(
      `${item.from} ${JSON.stringify(item.text.length > 80 ? `${item.text.slice(0, 79)}…` : item.text)}`,
    ),
    test(text) {
      const v = viewOf(text);
      if (v.exact.has(line)) return true; // the line as it was
      const own = path ? v.files.get(path) : undefined;
      if (own) for (let i = own[0]; i < own[1]; i++) if (holds(v.lines[i]!)) return true; // edited in place
      // moved or merged elsewhere: on the lines its values' shape points to, else anywhere it can be
      const where = v.linesFor(required);
      if (where) return where.some((i) => holds(v.lines[i]!));
      if (!required.every((r) => v.lower.includes(r))) return false; // a value found nowhere: lost
      return v.lines.some(holds);
    },
  };
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** A word standing alone: "pro" is not found in "provider" or "pro2". */
const wholeWord = (w: string) => `(?<![a-z0-9])${escape(w)}(?![a-z0-9])`;

function combinations<T>(xs: T[], k: number): T[][] {
  if (k === 0) return [[]];
  if (xs.length < k) return [];
  const [first, ...rest] = xs as [T, ...T[]];
  return [...combinations(rest, k - 1).map((c) => [first, ...c]), ...combinations(rest, k)];
}

/** The same test, written as a SPEC §3 regular expression item. */
export function itemRegex(item: DerivedItem): string {
  const has = (t: string) => `(?=.*${escape(t)})`;
  const values = item.values.map((v) => (/^\d+$/.test(v) ? `(?=.*(?<!\\d)${v}(?!\\d))` : has(v))).join('');
  const sets = combinations(item.words, item.need).map((c) => c.map(has).join(''));
  const words = sets.length > 1 ? `(?:${sets.join('|')})` : (sets[0] ?? '');
  const whole = (item.whole ?? []).map((w) => `(?=.*${wholeWord(w)})`).join('');
  return `/^${values}${words}${whole}.*$/im`;
}
