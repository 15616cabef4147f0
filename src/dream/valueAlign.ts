/**
 * Which value of an older line a newer line gives another value of, in any language: values are found by
 * their form (a token with a digit, a code span, a capitalised name, the value of a `Label: value` line), and
 * paired by what stands around them (character pairs of the words just before and after each value), never by
 * the words a store uses.
 */
import { measureAt, unitAgreement, type Measure } from './measures.js';
import { parseKeyedFact, type KeyedFact } from './text.js';

export type ValueKind = 'number' | 'name';

export interface Value {
  text: string;
  at: number;
  kind: ValueKind;
  /** Inside brackets: a remark (when, why, what it was) rather than what the line states. */
  aside: boolean;
}

/** A pair of values of one kind: `from` in the older line, `to` in the newer, and how alike their surroundings are. */
export interface Pair {
  from: Value;
  to: Value;
  score: number;
}

// letters of scripts with case: a value glued to them is one token (C++17, python:3.12, eu-central-1, 64k)
const L = '\\p{Script=Latin}\\p{Script=Cyrillic}\\p{Script=Greek}';
const identifier = new RegExp(`[${L}\\p{Nd}+#~]+(?:[.:\\-/_][${L}\\p{Nd}+#]+)*`, 'gu');
const numberCore = /\d+(?:[.:]\d+)*/u;
const capitalised = new RegExp(
  `(?<![${L}\\p{Nd}])\\p{Lu}[${L}\\p{Nd}+#./-]*(?: \\p{Lu}[${L}\\p{Nd}+#./-]*){0,2}`,
  'gu',
);
const codeSpan = /`([^`\s]{2,40})`/gu;
const spaceless = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;

/** The shape of a value: `3.4.1` and `3.3.0` share one, `05:30-13:30` and `06:00-14:00` another. */
export const shape = (v: string): string => v.replace(/\p{L}+/gu, 'a').replace(/\d+/g, '9');

function depthAt(text: string): number[] {
  const depth: number[] = [];
  let d = 0;
  for (const ch of text) {
    if ('([（【'.includes(ch)) d++;
    for (let i = 0; i < ch.length; i++) depth.push(d);
    if (')]）】'.includes(ch)) d = Math.max(0, d - 1);
  }
  return depth;
}

/** Where the line's own text starts (after list markers, check boxes, quote marks and emphasis). */
const contentStart = (text: string) => /^[\s>*+\-–•]*(?:\d{1,3}[.)]\s+)?(?:\[[ xX]\]\s*)?[*_]*/u.exec(text)![0].length;

/** The values of a line, each once per place (a number's core inside a longer token too: `3.12` in `python:3.12-slim`). */
export function valuesOf(line: string): Value[] {
  // a redaction marker (`[REDACTED:github-token]`) is the dream's own text, not a value of the store
  const text = line.replace(/\[[A-Z][A-Z_-]*:[^\]\s]*\]/g, (m) => ' '.repeat(m.length));
  const depth = depthAt(text);
  const out: Value[] = [];
  const add = (t: string, at: number, kind: ValueKind) => {
    if (!out.some((v) => v.at === at && v.text === t)) out.push({ text: t, at, kind, aside: (depth[at] ?? 0) > 0 });
  };
  for (const m of text.matchAll(identifier)) {
    if (!/\d/.test(m[0])) continue;
    add(m[0], m.index, 'number');
    const core = numberCore.exec(m[0]);
    if (core && core[0] !== m[0]) add(core[0], m.index + core.index, 'number');
  }
  const first = contentStart(text);
  for (const m of text.matchAll(capitalised))
    if (m.index > first && !/\d/.test(m[0])) add(m[0].replace(/[./-]+$/, ''), m.index, 'name');
  for (const m of text.matchAll(codeSpan)) if (!/\d/.test(m[1]!)) add(m[1]!, m.index + 1, 'name');
  // the value of a `Label: value` line is a name, whatever its case (`**Host:** bonker (…)`)
  const keyed = parseKeyedFact(text);
  if (keyed?.form === 'label') {
    const head = keyed.raw.split(/\s*[,;(（—–]/u)[0]!.trim();
    const at = text.lastIndexOf(head);
    if (head !== '' && at > 0 && head.split(/\s+/).length <= 3 && head.length <= 40 && !/\d/.test(head))
      add(head, at, 'name');
  }
  return out;
}

const boundary = /[;,。，；、|]|\.\s|\s[—–-]\s/u;

/** Character pairs of the (up to `count`) words on one side of a value, up to a clause boundary. */
function side(text: string, from: number, to: number, before: boolean, count = 3): Set<string> {
  let s = text.slice(Math.max(0, from), Math.min(text.length, to)).toLowerCase();
  const parts = s.split(boundary);
  s = (before ? parts.at(-1) : parts[0]) ?? '';
  const chunks = (s.match(/\p{L}+/gu) ?? []).map((c) =>
    spaceless.test(c) ? (before ? c.slice(-4) : c.slice(0, 4)) : c,
  );
  const words = before ? chunks.slice(-count) : chunks.slice(0, count);
  const grams = new Set<string>();
  for (const w of words) {
    if (w.length === 1) grams.add(w);
    for (let i = 0; i + 1 < w.length; i++) grams.add(w.slice(i, i + 2));
  }
  return grams;
}

const dice = (a: Set<string>, b: Set<string>) =>
  a.size === 0 || b.size === 0 ? 0 : (2 * [...a].filter((g) => b.has(g)).length) / (a.size + b.size);

/** How alike the surroundings of two values are: 0 (nothing shared) to 2 (the same words on both sides). */
export function contextScore(a: string, av: Value, b: string, bv: Value): number {
  const [x, y] = [around(a, av), around(b, bv)];
  // a label may stand right before a value or a few words earlier: the nearer three words, or five
  const before = Math.max(dice(x.before3, y.before3), dice(x.before5, y.before5));
  const after = dice(x.after, y.after);
  // the word right before both values is the same (`port 3456` / `port 3500`, `Java 17` / `Java 21`): a label
  return before + after + (x.label !== undefined && lower(x.label) === lower(y.label ?? '') ? 0.3 : 0);
}

/** What stands around a value of a line: read once per value, as a line is scored against many candidates. */
interface Around {
  before3: Set<string>;
  before5: Set<string>;
  after: Set<string>;
  /** The word right before the value. */
  label: string | undefined;
}

function around(text: string, v: Value): Around {
  const known = lineOf(text).around;
  const key = `${v.at}:${v.text.length}`;
  let a = known.get(key);
  if (!a) {
    const end = v.at + v.text.length;
    a = {
      before3: side(text, v.at - 48, v.at, true, 3),
      before5: side(text, v.at - 48, v.at, true, 5),
      after: side(text, end, end + 40, false),
      label: /([\p{L}]+)[^\p{L}\p{N}]{0,3}$/u.exec(text.slice(Math.max(0, v.at - 40), v.at))?.[1],
    };
    known.set(key, a);
  }
  return a;
}

const lower = (s: string) => s.toLowerCase();
const overlaps = (a: Value, b: Value) => a.at < b.at + b.text.length && b.at < a.at + a.text.length;
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** The text holds the value as a value of its own (`1200` in `600/800/1200`, not in `12000`). */
export const holds = (text: string, v: string): boolean => {
  const { folded } = lineOf(text);
  if (folded === null || v === '' || !ascii.test(v)) return valuePattern(v).test(text);
  // an ASCII value in a text with no character that folds to ASCII: the places it stands are those of its
  // ASCII-folded text, and only the edges are for the regular expression (one per value cost most of a dream)
  const want = foldAscii(v);
  for (let at = folded.indexOf(want); at !== -1; at = folded.indexOf(want, at + 1)) {
    valueStart.lastIndex = at;
    valueEnd.lastIndex = at + v.length;
    if (valueStart.test(text) && valueEnd.test(text)) return true;
  }
  return false;
};
const ascii = /^[ -~\t\r\n]*$/; // printable ASCII and whitespace
/** The edges of `valuePattern`, tried where the value stands; sticky, so each is read at `lastIndex` only. */
const valueStart = /(?<![\p{L}\p{N}.])/iuy;
const valueEnd = /(?![\p{N}]|\.\d)/iuy;
/** Case-folds ASCII letters only: the text keeps its length, so a place in it is a place in the text. */
const foldAscii = (s: string) => s.replace(/[A-Z]+/g, lower);
/** Under case-insensitive Unicode matching only `ſ` (U+017F) and the Kelvin sign (U+212A) match an ASCII letter. */
const foldsToAscii = /[\u017f\u212a]/u;
/** Compiled once per value: a store's lines are aligned pair by pair, and compiling was most of a dream's time. */
const valuePatterns = new Map<string, RegExp>();
function valuePattern(v: string): RegExp {
  let p = valuePatterns.get(v);
  if (!p) {
    if (valuePatterns.size >= 10_000) valuePatterns.clear(); // bounded: values of one store at a time
    p = new RegExp(`(?<![\\p{L}\\p{N}.])${escape(v)}(?![\\p{N}]|\\.\\d)`, 'iu');
    valuePatterns.set(v, p);
  }
  return p;
}
/** Every word of a name, by its first letters, in the text (`Иван Иванов` in `вместо Ивана Иванова`). */
const names = (text: string, name: string) =>
  (name.match(/[\p{L}\p{N}]+/gu) ?? []).every((w) =>
    lower(text).includes(lower(w.slice(0, Math.max(3, w.length - 2)))),
  );
const year = (v: string) => /^(?:19|20)\d\d$/.test(v);

/** The unit a number value is given in: read after its digits (`300ms`, `10-minute`, `15 นาที`) or before (`%75`). */
function measureOf(text: string, v: Value): Measure | undefined {
  const core = numberCore.exec(v.text);
  if (!core) return undefined;
  const at = v.at + core.index;
  return measureAt(text, at, at + core[0].length);
}

/** Two numbers that can be two values of one thing: one shape, a year only for a year, within a factor of ten. */
function comparable(a: string, b: string): boolean {
  if (shape(a) !== shape(b) || year(a) !== year(b)) return false;
  if (!/^\d+$/.test(a)) return true;
  const [x, y] = [Number(a), Number(b)];
  return x > 0 && y > 0 && Math.max(x, y) / Math.min(x, y) <= 10;
}

/** Two names that can be two values of one thing; one of a list of alternatives (`JSON/SQLite` → `SQLite`) is. */
function choice(from: string, to: string): boolean {
  const [a, b] = [lower(from), lower(to)];
  if (a.split('/').includes(b)) return true;
  // one inside the other (`Config.godrays` / `Config.godraysSize`) is the same thing said in full; a code constant
  // (`DATE`, `PASSWORD`) is a word of the code, not a name
  return !a.includes(b) && !b.includes(a) && [from, to].every(nameLike) && form(from) === form(to);
}

/** Alternatives are written alike: two acronyms (`US`/`EU`), two capitalised names, or two lower-case ids. */
const form = (v: string) => (!/\p{Ll}/u.test(v) ? 'acronym' : /^\p{Lu}/u.test(v) ? 'capitalised' : 'lower');

/** A name: a word of three letters or more or an acronym (`EU`), not a code constant, path or call (`DATE`, `a/b/`, `f()`). */
const nameLike = (v: string) =>
  (v.length >= 3 || /^\p{Lu}{2}$/u.test(v)) && !/^[A-Z_]{4,}$/.test(v) && !/[_=(){}]|^\/|\/$/.test(v);

/**
 * The values of `older` that `newer` gives another value of: pairs of one kind whose surroundings agree, the
 * newer value one the older line does not hold and not a remark in brackets, the older value not said again
 * by the newer line in the same surroundings (a restatement); each value in one pair at most, best first.
 * Numbers first: names pair only where no number does, and only when the newer line names the older value too
 * (`GitLab CI … GitHub Actions 워크플로는 삭제`, `Yoga вместо Apollo Server`): names are many.
 */
export function alignValues(older: string, newer: string): Pair[] {
  const [o, n] = [lineOf(older), lineOf(newer)];
  const [ko, kn] = [o.keyed, n.keyed];
  // two keyed lines speak of one thing when the newer one's subject or text names a word of the older subject
  if (ko && kn && (series(ko.subject, kn.subject) || !speaksOf(ko.subject, `${kn.subject} ${newer}`))) return [];
  const [mine, theirs] = [o.values, n.values];
  const pairs = (kind: ValueKind): Pair[] => {
    const out: Pair[] = [];
    for (const to of theirs) {
      if (to.kind !== kind || to.aside || holds(older, to.text)) continue;
      for (const from of mine) {
        if (from.kind !== kind || lower(from.text) === lower(to.text)) continue;
        if (kind === 'number' ? !comparable(from.text, to.text) : !choice(from.text, to.text)) continue;
        const named = kind === 'number' ? holds(newer, from.text) : names(newer, from.text);
        if (kind === 'name' && !named) continue;
        // one unit on both sides (`5 min` / `15 นาที`) says the same quantity; a duration and a size are two things
        const units = kind === 'number' ? unitAgreement(measureOf(older, from), measureOf(newer, to)) : 'unknown';
        if (units === 'other') continue;
        const context = contextScore(older, from, newer, to);
        const score = context + (named ? 0.3 : 0) + (units === 'same' ? 0.3 : 0);
        if (score < (kind === 'number' ? 0.5 : 0.8)) continue;
        // the newer line says the older value again where the older line says it: a restatement of it
        const again = theirs.filter((v) => lower(v.text) === lower(from.text) && !v.aside);
        if (again.some((v) => contextScore(older, from, newer, v) >= context)) continue;
        out.push({ from, to, score });
      }
    }
    return out.sort((a, b) => b.score - a.score);
  };
  const numbers = pairs('number');
  const chosen: Pair[] = [];
  for (const p of numbers.length > 0 ? numbers : pairs('name'))
    if (!chosen.some((c) => overlaps(c.from, p.from) || overlaps(c.to, p.to) || c.to.text === p.to.text))
      chosen.push(p);
  return chosen;
}

interface Line {
  keyed: KeyedFact | undefined;
  /** Its values outside the subject: a value inside a line's subject (`v1 服务: …`) names which thing it is about. */
  values: Value[];
  /** Its text with ASCII letters in lower case, or null when a character of it matches an ASCII letter too. */
  folded: string | null;
  /** The surroundings of its values, by place and length (`around`). */
  around: Map<string, Around>;
}

/** What alignment reads of a line, once per text: a sentence is aligned with each of its many candidates. */
const lines = new Map<string, Line>();
function lineOf(text: string): Line {
  let line = lines.get(text);
  if (!line) {
    if (lines.size >= 20_000) lines.clear(); // bounded: the lines of one store at a time
    const keyed = parseKeyedFact(text);
    const values = valuesOf(text).filter((v) => !inSubject(text, keyed, v));
    line = { keyed, values, folded: foldsToAscii.test(text) ? null : foldAscii(text), around: new Map() };
    lines.set(text, line);
  }
  return line;
}

/** The value stands before where the line's keyed value starts: in its subject. */
function inSubject(text: string, keyed: KeyedFact | undefined, v: Value): boolean {
  if (!keyed) return false;
  const start = text.lastIndexOf(keyed.raw);
  return start > 0 && v.at < start;
}

const subjectWords = (s: string) =>
  new Set([
    ...(s.toLowerCase().match(/\p{L}{3,}/gu) ?? []).filter((w) => !spaceless.test(w)),
    ...[...s.matchAll(/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]{2,}/gu)].flatMap((m) =>
      Array.from({ length: m[0].length - 1 }, (_, i) => m[0].slice(i, i + 2)),
    ),
  ]);

/** Two subjects of a series (`v1 服务`, `v2 服务`): the same words around another number name two things. */
const series = (a: string, b: string) => a !== b && a.replace(/\d+/g, '9') === b.replace(/\d+/g, '9');

/** The text names a word of the subject (`Beta release moves to …` of `Target Beta Release`), or it has none. */
function speaksOf(subject: string, text: string): boolean {
  const mine = subjectWords(subject);
  return mine.size === 0 || [...subjectWords(text)].some((w) => mine.has(w));
}

/**
 * The pairs with the other places a unit of several lines says each paired value (`5001` on one line,
 * `http://localhost:5001` on the next): one paragraph says one thing, so the value changes everywhere in it.
 */
export function everywhere(older: string, pairs: readonly Pair[]): Pair[] {
  if (!older.includes('\n')) return [...pairs];
  const out = [...pairs];
  for (const p of pairs)
    for (const v of valuesOf(older))
      if (v.text === p.from.text && !out.some((q) => overlaps(q.from, v))) out.push({ ...p, from: v });
  return out;
}

/** The older text with each paired value replaced by its newer one. */
export function withPairs(older: string, pairs: readonly Pair[]): string {
  let out = older;
  for (const p of [...pairs].sort((a, b) => b.from.at - a.from.at))
    out = `${out.slice(0, p.from.at)}${p.to.text}${out.slice(p.from.at + p.from.text.length)}`;
  return out;
}
