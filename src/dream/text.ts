/** Reading memory lines as facts: normalization, `subject: value` facts, and similarity. */

/** A line that states something (not blank, not a heading, fence, rule or table border). */
export function isFactLine(line: string): boolean {
  const t = line.trim();
  if (t === '' || t.startsWith('#') || t.startsWith('```') || t.startsWith('<!--')) return false;
  if (/^[-*_=]{3,}$/.test(t) || /^\|?[\s:|-]+\|?$/.test(t)) return false;
  return /[\p{L}\p{N}]/u.test(t);
}

/** The line without list marker, emphasis, code ticks and trailing punctuation. */
export function stripMarkup(line: string): string {
  return line
    .trim()
    .replace(/^(?:[-*+]|\d+[.)])\s+(?:\[[ xX]\]\s+)?/, '')
    .replace(/\*\*|__|`/g, '')
    .replace(/[.;]+$/, '')
    .trim();
}

/** Lower-case, markup stripped, whitespace collapsed: two lines equal here say the same thing. */
export function normalizeLine(line: string): string {
  return stripMarkup(line).normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

export interface KeyedFact {
  subject: string;
  value: string;
}

// Words that start a line with a colon without naming a subject ("Note: …").
const notSubjects = new Set([
  'note',
  'notes',
  'todo',
  'tip',
  'warning',
  'important',
  'example',
  'e.g',
  'nb',
  'fix',
  'update',
  'lesson',
  'reminder',
  'why',
  'how',
  'see',
  'also',
  'caveat',
  'context',
  'question',
  'answer',
  'q',
  'a',
]);

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
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * Reads `subject: value`, `The subject is value` and `subject uses value` as the same fact
 * (subject, value); anything else is not a keyed fact.
 */
export function parseKeyedFact(line: string): KeyedFact | undefined {
  const t = stripMarkup(line);
  if (t.length > 200 || t.length < 3) return undefined;
  const patterns = [
    /^(?<s>[^:=]{2,60}?)\s*(?::|=|→|->)\s+(?<v>.+)$/,
    /^(?<s>.{2,60}?)\s+(?:is|are|was set to|is set to)\s+(?<v>.+)$/i,
    /^(?<s>.{2,60}?)\s+(?:uses|use|runs on|lives at|lives in)\s+(?<v>.+)$/i,
  ];
  for (const p of patterns) {
    const m = p.exec(t);
    if (!m?.groups) continue;
    const subject = normalizeSubject(m.groups.s!);
    const value = normalizeValue(m.groups.v!);
    const words = subject.split(' ');
    if (words.length > 6 || notSubjects.has(subject) || /^https?$/.test(subject) || value === '') continue;
    if (/[.!?:]/.test(subject)) continue; // a sentence or a label, not a subject
    return { subject, value };
  }
  return undefined;
}

/** Tokens that carry identity: numbers, versions, hosts, flags, paths, identifiers. They must match for two lines to be duplicates. */
export function salientTokens(line: string): string {
  const tokens =
    normalizeLine(line).match(/[\p{L}\p{N}_./:@+-]*\d[\p{L}\p{N}_./:@+-]*|--?[a-z][\w-]*|[\w.-]*[/@][\w./@-]+/gu) ?? [];
  return [...new Set(tokens.map((t) => t.replace(/[.,:;]+$/, '')))].sort().join(' ');
}

/** Character 3-gram shingles of the normalized line (stop words kept: they are cheap and mostly shared). */
export function shingles(line: string): Set<string> {
  const t = ` ${normalizeLine(line)
    .replace(/[^\p{L}\p{N} ]/gu, ' ')
    .replace(/\s+/g, ' ')} `;
  const out = new Set<string>();
  for (let i = 0; i + 3 <= t.length; i++) out.add(t.slice(i, i + 3));
  return out;
}

export function jaccard(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let inter = 0;
  const [small, large] = a.size < b.size ? [a, b] : [b, a];
  for (const x of small) if (large.has(x)) inter++;
  return inter / (a.size + b.size - inter);
}

/**
 * Lines at or above this shingle similarity, with the same salient tokens, are near duplicates. Chosen
 * with the paraphrase and near-miss pairs in test/unit/dream/text.test.ts.
 */
export const nearDuplicateThreshold = 0.75;

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const numHashes = 32;
const bands = 8;
const rows = numHashes / bands;
const seeds = Array.from({ length: numHashes }, (_, i) => fnv1a(`seed-${i}`));

function mix(x: number, seed: number): number {
  let h = (x ^ seed) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** MinHash signature of a shingle set. */
export function minhash(sh: Set<string>): number[] {
  const hashes = [...sh].map(fnv1a);
  return seeds.map((seed) => {
    let min = 0xffffffff;
    for (const h of hashes) {
      const v = mix(h, seed);
      if (v < min) min = v;
    }
    return min;
  });
}

/** Pairs of indices that share a locality-sensitive band: the only pairs worth comparing. */
export function candidatePairs(signatures: number[][]): Array<[number, number]> {
  const n = signatures.length;
  const seen = new Set<number>(); // a * n + b: no string per pair
  const pairs: Array<[number, number]> = [];
  for (let b = 0; b < bands; b++) {
    const buckets = new Map<string, number[]>();
    signatures.forEach((sig, i) => {
      const key = sig.slice(b * rows, (b + 1) * rows).join(',');
      const list = buckets.get(key);
      if (list) list.push(i);
      else buckets.set(key, [i]);
    });
    for (const list of buckets.values()) {
      if (list.length < 2 || list.length > 200) continue; // a huge bucket is boilerplate, not duplicates
      for (let x = 0; x < list.length; x++)
        for (let y = x + 1; y < list.length; y++) {
          const k = list[x]! * n + list[y]!;
          if (!seen.has(k)) {
            seen.add(k);
            pairs.push([list[x]!, list[y]!]);
          }
        }
    }
  }
  return pairs;
}

export function isNearDuplicate(
  a: string,
  b: string,
  sa = shingles(a),
  sb = shingles(b),
  ta = salientTokens(a),
  tb = salientTokens(b),
): boolean {
  if (normalizeLine(a) === normalizeLine(b)) return true;
  return ta === tb && jaccard(sa, sb) >= nearDuplicateThreshold;
}
