/**
 * The scripts a text's letters are written in. The list is Unicode's Script property values of the world's
 * written languages (closed: the standard's own list, no word of any language); Japanese kana count with Han,
 * as Japanese is written with both. Each code point is classified once.
 */
const names = [
  'Latin',
  'Cyrillic',
  'Greek',
  'Armenian',
  'Georgian',
  'Hebrew',
  'Arabic',
  'Syriac',
  'Thaana',
  'Nko',
  'Devanagari',
  'Bengali',
  'Gurmukhi',
  'Gujarati',
  'Oriya',
  'Tamil',
  'Telugu',
  'Kannada',
  'Malayalam',
  'Sinhala',
  'Thai',
  'Lao',
  'Tibetan',
  'Myanmar',
  'Khmer',
  'Mongolian',
  'Ethiopic',
  'Cherokee',
  'Canadian_Aboriginal',
  'Hangul',
  'Han',
  'Hiragana',
  'Katakana',
  'Bopomofo',
  'Yi',
  'Tifinagh',
  'Javanese',
  'Balinese',
  'Sundanese',
  'Tai_Le',
  'Tai_Tham',
  'Tai_Viet',
  'Ol_Chiki',
  'Adlam',
  'Vai',
  'Bamum',
];
const tests = names.map((name) => ({ name, re: new RegExp(`^\\p{Script=${name}}$`, 'u') }));
const letter = /\p{L}/u;
const known = new Map<number, string>();

function scriptOfLetter(ch: string): string {
  const cp = ch.codePointAt(0)!;
  let s = known.get(cp);
  if (s === undefined) {
    s = tests.find((t) => t.re.test(ch))?.name ?? 'Other';
    if (s === 'Hiragana' || s === 'Katakana') s = 'Han';
    if (known.size < 100_000) known.set(cp, s);
  }
  return s;
}

export interface ScriptCount {
  script: string;
  letters: number;
  /** Of the text's letters. */
  share: number;
}

/** The scripts of a text's letters, most letters first. */
export function scriptsOf(text: string): ScriptCount[] {
  const counts = new Map<string, number>();
  let total = 0;
  for (const ch of text) {
    if (ch.charCodeAt(0) < 0x80) {
      if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')) {
        counts.set('Latin', (counts.get('Latin') ?? 0) + 1);
        total++;
      }
      continue;
    }
    if (!letter.test(ch)) continue;
    const s = scriptOfLetter(ch);
    counts.set(s, (counts.get(s) ?? 0) + 1);
    total++;
  }
  return [...counts]
    .map(([script, n]) => ({ script, letters: n, share: n / total }))
    .sort((a, b) => b.letters - a.letters);
}

/** Every pattern here, for the test that checks each quantifier is bounded. */
export const scriptPatterns: RegExp[] = [letter, ...tests.map((t) => t.re)];
