/**
 * Updates whose only common ground with the older line is a rare name, in any language: `- **Build Tool**: Vite
 * 7.3.0` and a session's `Vite обновлён до 7.4.1`, `開発言語: C++17` and `言語標準を C++20 に変更`. An anchor is a
 * token that is a name by its form, whatever the script around it (capitals inside or at its start, a joined
 * identifier `QUERY_MAX_CODES`, `Next.js`, the letters of a token with digits `python:3.12-slim`, a code span),
 * rare by how few of the store's lines give it a value; the value it carries is the number that follows it in
 * the same clause. Two lines that share an anchor, each carrying a value of one kind that differs, are a
 * suggested update of the older line: the words around the values need not agree, so it is never applied.
 */
import { evidenceOf, writtenAt, type Fact } from './facts.js';
import type { Groups } from './supersession.js';
import { measureAt, unitAgreement } from './measures.js';
import { parseKeyedFact } from './text.js';
import { holds, shape, valuesOf, withPairs, type Pair, type Value } from './valueAlign.js';
import { isJournal } from './values.js';

/** A value a line gives an anchor: the number that follows it in the same clause. */
export interface Anchored {
  anchor: string;
  value: Value;
  /** A lower-case word right before a version (`node v20`): a name only where another line names it by its form. */
  weak?: true;
  /** What anchors are compared by in one store (anchorUpdates): the anchor's key, or the shorter variant's. */
  key?: string;
}

// a token of letters, digits and the joiners of names (`Next.js`, `C++17`, `QUERY_MAX_CODES`, `python:3.12-slim`)
export const token = /[\p{L}\p{N}][\p{L}\p{N}\p{M}+#]*(?:[._:\-/][\p{L}\p{N}\p{M}+#]+)*[+#]*/gu;
const cased = /^[\p{Script=Latin}\p{Script=Cyrillic}\p{Script=Greek}\p{N}\p{M}+#._:\-/]+$/u;
/** A clause ends at these: a value past one belongs to another statement. */
const boundary = /[,;。，；、|]|[.!?]\s|\s[—–-]\s/u;
/** How many words may stand between an anchor and its value (`Vite обновлён до 7.4.1`). */
const reach = 3;

/** The name a token is, by its form, or undefined: a word of a cased script with a capital, a joined identifier, the letters before a number. */
export function anchorOf(word: string): string | undefined {
  if (!cased.test(word)) return undefined;
  const digit = word.search(/\p{N}/u);
  if (digit === 0) return undefined;
  if (digit > 0) {
    // the letters of a token with digits name what the digits are a value of (`C++17`, `python:3.12-slim`, `v2` is none)
    const stem = word.slice(0, digit).replace(/[._:\-/v]+$/iu, '');
    return /\p{L}.*[\p{L}+#]|\p{L}[+#]/u.test(stem) && stem.length >= 2 ? stem.toLowerCase() : undefined;
  }
  const named = /\p{Lu}/u.test(word) || /\p{L}[._+#]\p{L}|_|\+\+|#$/u.test(word);
  return named && word.length >= 2 ? word.toLowerCase() : undefined;
}

/**
 * The key two anchors are compared by: one name however it is written (`Node.js`, `nodejs`, `node`; `QUERY_MAX_CODES`,
 * `query-max-codes`): case and the joiners aside, and the `.js` a JavaScript project's name may carry.
 */
export function anchorKey(anchor: string): string {
  const bare = anchor.toLowerCase().replace(/\.?js$/u, '');
  return (/\p{L}.*\p{L}/u.test(bare) ? bare : anchor.toLowerCase()).replace(/[._\-\s]+/gu, '');
}

// a version by its shape right after a word: `v20`, `3.12`, `@19.1` (a bare number after a lower-case word is no version)
const versionAfter = /^(?:\s|@)(?:v\d+(?:\.\d+)*|\d+(?:\.\d+)+)(?![\p{L}\p{N}])/u;
const lowerWord = /^[\p{Script=Latin}\p{Script=Cyrillic}\p{Script=Greek}]{3,}$/u;

/** The anchors of a line and the value each carries; a value inside the line's subject names which thing it is (`v1 服务`). */
export function anchoredValues(line: string): Anchored[] {
  const text = line.replace(/`/g, ' ');
  const keyed = parseKeyedFact(text);
  // a label's own number names which thing it is (`v1 服务: …`); a sentence's subject states one (`Postgres 16 is now …`)
  const subjectEnd = keyed?.form === 'label' ? Math.max(0, text.lastIndexOf(keyed.raw)) : 0;
  const values = valuesOf(text).filter((v) => v.kind === 'number' && v.at >= subjectEnd && !/^\p{L}/u.test(v.text));
  const out: Anchored[] = [];
  for (const m of text.matchAll(token)) {
    const end = m.index + m[0].length;
    const named = anchorOf(m[0]);
    // a lower-case word a version follows (`node v20`, `postgres 16.2`) may name what the other line names by its form
    const weak = named === undefined && lowerWord.test(m[0]) && versionAfter.test(text.slice(end));
    const anchor = named ?? (weak ? m[0].toLowerCase() : undefined);
    if (anchor === undefined) continue;
    const value = values
      .sort((a, b) => a.at - b.at)
      .filter((v) => v.at >= m.index + Math.min(anchor.length, m[0].length) && v.at < m.index + m[0].length + 80)
      .find((v) => v.at < end || within(text.slice(end, v.at)));
    if (!value || out.some((a) => a.anchor === anchor) || (weak && !/^[\s@]v?$/u.test(text.slice(end, value.at))))
      continue;
    out.push({ anchor, value, ...(weak ? { weak: true as const } : {}) });
  }
  // a value belongs to the name nearest before it (`Build Tool: Vite 7.3.0`: Vite's, not the label's)
  return out.filter((a, i) => !out.slice(i + 1).some((b) => b.value === a.value));
}

/** The text between an anchor and a value: the same clause, at most `reach` words. */
const within = (between: string) => !boundary.test(between) && (between.match(/[\p{L}\p{N}]+/gu) ?? []).length <= reach;

/** A version or number: digits joined by dots, a leading `v`, a trailing `.x` or `+` aside (`v18.x`, `7.x+`). */
const core = (v: string) => /\d+(?:\.\d+)*/u.exec(v)?.[0] ?? v;
const year = (v: string) => /^(?:19|20)\d\d$/.test(v);

/** Two values one anchor can carry in turn: one shape, or two versions whose major numbers are near. */
export function sameKind(a: string, b: string): boolean {
  const [x, y] = [core(a), core(b)];
  // `Vite 7` still holds of `7.4.1`: a value said less precisely is the same value
  if (x === y || `${x}.`.startsWith(`${y}.`) || `${y}.`.startsWith(`${x}.`) || year(x) !== year(y)) return false;
  if (shape(a) === shape(b)) return ratio(x, y) <= 10;
  // a bound said with its mark (`1.107+`, `18+`, `v18.x`) is a version of the same form as the bare one
  if (shape(x) === shape(y)) return ratio(x, y) <= 2;
  const dotted = (v: string) => /^v?\d+(?:\.(?:\d+|x))*\+?$/iu.test(v);
  return dotted(a) && dotted(b) && ratio(x, y) <= 2 && !/^\d+$/.test(x) !== !/^\d+$/.test(y);
}
const ratio = (x: string, y: string) => {
  const [p, q] = [Number.parseFloat(x), Number.parseFloat(y)];
  return p > 0 && q > 0 ? Math.max(p, q) / Math.min(p, q) : Infinity;
};

/**
 * How many lines may give an anchor a value for it to still name one thing: a project's own framework is
 * named all over its store, but given a version in a few lines only.
 */
const rareIn = (lines: number) => Math.max(3, Math.ceil(lines * 0.01));
/** How many copies of one value, the only one the store gives a name, a newer value may update together. */
const copies = 6;

/**
 * For each line a session wrote that no other mechanism placed: the older lines in other files that share one
 * of its rare anchors with a value of the same kind that differs. One old value (in up to three copies) is
 * suggested as replaced; several different old values for one anchor say the anchor names several things.
 */
export async function anchorUpdates(
  facts: readonly Fact[],
  groups: Groups,
  fields: ReadonlySet<string>,
  places: { rows: readonly Fact[]; anchorsOf: (line: string) => Anchored[]; written?: readonly Fact[] } = {
    rows: [],
    anchorsOf: () => [],
  },
  /** Gives the event loop a turn now and then (every line of a large store is read for its anchors). */
  breathe: () => Promise<void> = () => Promise.resolve(),
): Promise<void> {
  const anchored = new Map<Fact, Anchored[]>();
  const frequency = new Map<string, number>();
  // lines a session wrote that are no unit (a block quote, a settings file's line) speak as newer lines only
  const written = places.written ?? [];
  const ownRows = new Set(written.map((w) => `${w.path}\0${w.start}`));
  const rows = places.rows.filter((r) => !ownRows.has(`${r.path}\0${r.start}`));
  for (const f of [...facts, ...rows, ...written]) {
    await breathe();
    // a line of a code block comes with the anchors its syntax gives it (codeValues.ts)
    const a = f.anchored ?? (f.text.includes('\n') ? [] : f.row ? places.anchorsOf(f.text) : anchoredValues(f.text));
    anchored.set(f, a);
  }
  // one name however it is written: a key, or the shorter of two keys one of which only adds two letters (`postgres`, `postgresql`)
  const keyOf = variants([...anchored.values()].flatMap((a) => a.map((x) => anchorKey(x.anchor))));
  for (const [f, a] of anchored) {
    const keyed = a.map((x) => ({ ...x, key: keyOf(x.anchor) }));
    anchored.set(f, keyed);
    // a value in brackets is a remark of its line (`pdfkraft 3.2 (PHP 8.2+)`): it does not make the name common
    for (const key of new Set(keyed.filter((x) => !x.value.aside).map((x) => x.key)))
      frequency.set(key!, (frequency.get(key!) ?? 0) + 1);
  }
  const all = [...anchored.keys()];
  const rare = rareIn(all.length);
  // the lines that name each key, in the order of `all`: a line that does not name it carries no value of it
  const namingOf = new Map<string, Fact[]>();
  for (const [f, a] of anchored)
    for (const key of new Set(a.map((x) => x.key!))) {
      const lines = namingOf.get(key);
      if (lines) lines.push(f);
      else namingOf.set(key, [f]);
    }
  const bys = new Set(facts.flatMap((f) => (f.decision ? [f.decision.by] : [])));
  for (const n of [...facts, ...written]) {
    if (!n.written || n.written.untrusted || n.decision || bys.has(n)) continue;
    for (const mine of anchored.get(n)!) {
      const naming = namingOf.get(mine.key!) ?? [];
      const carried = naming.filter((o) => older(o, n, fields) && carries(o, anchored.get(o)!, n, mine));
      const valueOf = (o: Fact) => anchored.get(o)!.find((a) => a.key === mine.key)!.value;
      // remarks in brackets give way to lines that state the value
      const stated = carried.filter((o) => !valueOf(o).aside);
      const olds = stated.length > 0 ? stated : carried;
      const values = new Set(olds.map((o) => valueOf(o).text));
      // a name every line gives one value (copies of one fact) is one thing, however often the store says it
      const only = core([...values][0] ?? '');
      const agreeing =
        values.size === 1 &&
        naming.every(
          (o) =>
            o === n ||
            anchored.get(o)!.every((x) => x.key !== mine.key || x.value.aside || core(x.value.text) === only),
        );
      if ((frequency.get(mine.key!) ?? 0) > rare && !agreeing) continue;
      if (olds.length === 0 || olds.length > (agreeing ? copies : 3) || values.size !== 1) continue;
      const group = groups.next();
      for (const o of olds) {
        const from = narrowed(valueOf(o));
        const pair: Pair = { from, to: narrowed(mine.value), score: 0 };
        o.decision = {
          kind: 'replaced',
          by: n,
          text: withPairs(o.text, [pair]),
          evidence: evidenceOf(n.written),
          tier: 'suggested',
          group,
          anchor: mine.anchor,
        };
      }
      bys.add(n);
      break;
    }
  }
}

/**
 * The key each anchor is compared by: its own, or a shorter key of the store it only adds one or two letters to
 * (`postgresql` → `postgres`, `mongodb` → `mongo`), the shorter being five letters or more.
 */
function variants(keys: readonly string[]): (anchor: string) => string {
  const known = new Set(keys);
  const shorter = (k: string) => {
    for (let cut = 1; cut <= 2; cut++) {
      const stem = k.slice(0, -cut);
      if (stem.length >= 5 && /^\p{L}+$/u.test(k.slice(-cut)) && known.has(stem)) return stem;
    }
    return k;
  };
  return (anchor) => shorter(anchorKey(anchor));
}

/** An older line in another file, undecided, that a session's line may update. */
function older(o: Fact, n: Fact, fields: ReadonlySet<string>): boolean {
  if (o === n || o.decision || !o.removable || o.path === n.path || writtenAt(o) >= writtenAt(n)) return false;
  if (o.start !== o.end || (isJournal(o.path) && !o.written)) return false;
  return !(o.fact && o.fact.subject === n.fact?.subject && fields.has(o.fact.subject));
}

/** The older line gives the anchor a value of the newer one's kind, and does not hold the newer value already. */
function carries(o: Fact, olds: readonly Anchored[], n: Fact, mine: Anchored): boolean {
  const a = olds.find((x) => x.key === mine.key);
  // two lower-case words before versions: neither names anything by its form
  if (a?.weak && mine.weak) return false;
  // values in two units of different quantities (`5 min`, `5 MB`) are two things, whatever name they follow
  const units = a && unitAgreement(measureIn(o.text, a.value), measureIn(n.text, mine.value));
  // a line that holds the newer value already (`600/800/1200` of 1200) lists it, it is not outdated by it
  if (a === undefined || holds(o.text.replace(/`/g, ' '), narrowed(mine.value).text)) return false;
  // a value in brackets is a remark of the newer line (`(App Router, React 19)`), unless the older one says it so too
  if (mine.value.aside && !a.value.aside) return false;
  return units !== 'other' && sameKind(a.value.text, mine.value.text);
}

/** The unit of a value anchoredValues found (in the line with its code marks read as spaces). */
function measureIn(line: string, v: Value) {
  const core = /\d+(?:[.:]\d+)*/u.exec(v.text);
  return core ? measureAt(line.replace(/`/g, ' '), v.at + core.index, v.at + core.index + core[0].length) : undefined;
}

/** The part of a value that is the number (`7.x+` keeps its `+`, `v18.x` its `v`): only that changes. */
function narrowed(v: Value): Value {
  const c = /\d+(?:\.(?:\d+|x))*/u.exec(v.text);
  return c ? { ...v, text: c[0], at: v.at + c.index } : v;
}
