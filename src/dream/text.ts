/** Reading memory lines as facts: normalization, `subject: value` facts, and when two lines state the same fact. */

/** A line that states something (not blank, not a heading, fence, rule or table border). */
export function isFactLine(line: string): boolean {
  const t = line.trim();
  if (t === '' || t.startsWith('#') || t.startsWith('```') || t.startsWith('<!--')) return false;
  if (/^[-*_=]{3,}$/.test(t) || /^\|?[\s:|-]+\|?$/.test(t)) return false;
  return /[\p{L}\p{N}]/u.test(t);
}

/**
 * The line without list marker, emphasis, code ticks and trailing punctuation. A task item keeps its state
 * ("[x] " or "[ ] "): a done item and an open one are never the same line.
 */
export function stripMarkup(line: string): string {
  let task = '';
  const t = line
    .trim()
    .replace(/^(?:[-*+]|\d{1,9}[.)])\s{1,8}(?:\[([ xX])\]\s{1,8})?/, (_, box?: string) => {
      if (box !== undefined) task = box === ' ' ? '[ ] ' : '[x] ';
      return '';
    })
    .replace(/\*\*|__|`/g, '')
    .replace(/[.;。]+$/, '')
    .trim();
  return task + t;
}

/** Lower-case, markup stripped, whitespace collapsed: two lines equal here say the same thing. */
export function normalizeLine(line: string): string {
  return stripMarkup(line).normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

export interface KeyedFact {
  /** What the line is about, normalized ("staging database host"). */
  subject: string;
  value: string;
  /** The value as the line writes it (markup aside), to put another value in its place. */
  raw: string;
  /** Written as a `Label: value` line (a label), or as a sentence ("The X is v", "X uses v"). */
  form: 'label' | 'sentence';
}

function normalizeSubject(s: string): string {
  return s
    .toLowerCase()
    .replace(/^(?:the|our|my|their|this|that)\s+/, '')
    .replace(/['’]s\b/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

function normalizeValue(v: string): string {
  return v
    .toLowerCase()
    .replace(/^["'“”‘’]+|["'“”‘’]+$/g, '')
    .replace(/^(?:now|currently)\s+/, '')
    .replace(/[.;。]+$/, '')
    .replace(/\s+/g, ' ')
    .trim();
}

const rawValue = (v: string) => v.trim().replace(/[.;。]+$/, '');

// a label names a thing only when it is a short phrase of words: not a date, version, id, URL, path or sentence
const notASubject = (s: string) =>
  s.split(' ').length > 6 ||
  // a date, version or id, or a number alone; words with a number (`Service 0 owner`, `db1 host`) name a thing
  /\d{4}-\d{1,2}|\d[.:]\d|^[\d\s#-]+$|^\S*\d\S*$/.test(s) || // (one word with a digit: an id)
  /[.!?;/\\<>|`=[\](){}]|https?|->|→/.test(s.replace(/(?<=\w)\.(?=\w)/g, '')) || // a sentence, URL, path or edge
  !/\p{L}/u.test(s);

/**
 * Reads a `Label: value` line (`**Label:** value`, `- Label: value`, `名稱：值`) and the short sentences
 * "The subject is value" and "subject uses value" as a (subject, value) fact; anything else is not a keyed
 * fact. A sentence's value must be short (a value, not a clause).
 */
export function parseKeyedFact(line: string): KeyedFact | undefined {
  const t = stripMarkup(line);
  if (t.length > 300 || t.length < 3) return undefined;
  const label = /^(?<s>[^:=：]{1,60}?)\s{0,4}(?::\s{1,4}|：\s{0,4}|=\s{1,4})(?<v>\S.{0,280})$/u.exec(t);
  if (label?.groups) {
    const subject = normalizeSubject(label.groups.s!);
    const value = normalizeValue(label.groups.v!);
    if (!notASubject(subject) && value !== '') return { subject, value, raw: rawValue(label.groups.v!), form: 'label' };
    return undefined;
  }
  const sentence =
    /^(?<s>.{2,60}?)\s+(?:is|are|was set to|is set to|uses|use|runs on|lives at|lives in)\s+(?<v>.{1,80})$/i.exec(t);
  if (sentence?.groups) {
    const subject = normalizeSubject(sentence.groups.s!);
    const value = normalizeValue(sentence.groups.v!);
    if (notASubject(subject) || value === '' || value.split(' ').length > 3) return undefined;
    return { subject, value, raw: rawValue(sentence.groups.v!), form: 'sentence' };
  }
  return undefined;
}

// words that only hold a sentence together; relation words (not, over, before, to, …) are kept
const fillers = new Set(
  'a an the of on onto in into at for with by is are was were be been being it its this that these those and or please also just then'.split(
    ' ',
  ),
);
const relations = new Set(
  'not no never without instead rather than over before after from to until unless except vs versus but only'.split(
    ' ',
  ),
);
const hasSpaces = (s: string) => /\s/.test(s.trim());

/**
 * A key two lines share only when they state the same fact in other words: the same words (fillers
 * aside, in any order) with every relation ("A not B", "A over B", "A before B") between the same words.
 * "Use pnpm, not npm, in web/" and "In web/ use pnpm, not npm" share it; "Meal costs …" and "Lodging
 * costs …", or "prefers email over phone" and "prefers phone over email", do not.
 */
export function factKey(line: string): string {
  const n = normalizeLine(line);
  // symbols carry meaning words do not: ✅ and ❌ mark opposite examples, `;` and `&&` chain commands apart
  const marks = (n.match(/[\p{S}&]+/gu) ?? []).sort().join(' ');
  // scripts written without spaces between words: the text itself, punctuation and spacing aside
  // (a mark between two digits stays: `21-3` and `21.3` are two numbers, not one)
  if (!hasSpaces(n) || /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u.test(n))
    return `${n.replace(/(?<!\d)[\p{P}\p{S}\s]|[\p{P}\p{S}\s](?!\d)/gu, '')}|${marks}`;
  const tokens = n
    .split(/[\s,;:!?()"“”'‘’]+/)
    .map((w) => w.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, ''))
    .filter((w) => w !== '' && !fillers.has(w));
  const words = tokens.filter((w) => !relations.has(w));
  const triples: string[] = [];
  tokens.forEach((w, i) => {
    if (!relations.has(w)) return;
    const before =
      tokens
        .slice(0, i)
        .reverse()
        .find((x) => !relations.has(x)) ?? '';
    const after = tokens.slice(i + 1).find((x) => !relations.has(x)) ?? '';
    triples.push(`${before}<${w}>${after}`);
  });
  // a bare key of words would merge "A, not B" into "B, not A": the relations are part of the key
  return `${[...words].sort().join(' ')}|${triples.sort().join(' ')}|${marks}`;
}

/** Do two lines state the same fact: equal when normalized, the same keyed fact, or the same fact key. */
export function sameFact(a: string, b: string): boolean {
  if (normalizeLine(a) === normalizeLine(b)) return true;
  const fa = parseKeyedFact(a);
  const fb = parseKeyedFact(b);
  if (fa && fb) return fa.subject === fb.subject && fa.value === fb.value;
  return factKey(a) === factKey(b);
}
