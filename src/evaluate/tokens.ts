/**
 * The tokens that identify a fact on a line of memory, for the derived suite: its values (numbers, versions,
 * hosts, paths, identifiers) and its rarest words, taken the same way in every script.
 */
import { redactKnown } from '../sessions/screen.js';

/**
 * A fact to find on one line: all of its values and at least `need` of its words; where it came from, for a
 * reviewer and the YAML comments.
 */
export interface DerivedItem extends FactTokens {
  from: string;
  text: string;
}

export interface FactTokens {
  values: string[];
  words: string[];
  need: number;
  /** Words that must stand on the line as whole words: what tells a superseded value from its successor ("Pro"). */
  whole?: string[];
}

const stopWords = new Set(
  (
    'about above after again also always among another because been before being below between both could does doing done down during each ' +
    'either every from further have having here into itself just like made make many more most much must never none only onto other over same ' +
    'should since some such than that their them then there these they this those through under until upon very were what when where ' +
    'which while will with within would your yours used uses using need needs note please also able'
  ).split(' '),
);

/** A line as a reviewer reads it in a case: without its list marker. */
export const shown = (t: string) => t.replace(/^\s*(?:[-*+]|\d+[.)])\s+/, '').trim();

export const strip = (t: string) =>
  t
    .replace(/^\s*(?:[-*+]|\d+[.)])\s+(?:\[[ xX]\]\s+)?/, '')
    .replace(/\*\*|__|`/g, '')
    .trim();

/**
 * The line as tokens are taken from it: markup becomes a gap, never glue, so every token is a substring of
 * the line as written (`brightness**2` gives "brightness" and "2", not "brightness2").
 */
export const tokenSource = (t: string) =>
  t
    .replace(/^\s*(?:[-*+>]|\d+[.)])\s+(?:\[[ xX]\]\s+)?/, '')
    .replace(/[`*~]+|(?<![\p{L}\p{N}])_+|_+(?![\p{L}\p{N}])/gu, ' ')
    .trim();

const valuePattern = /[\p{L}\p{N}_]*\d[\p{L}\p{N}_./:@+%-]*|[\p{L}\p{N}_-]+(?:[./@:][\p{L}\p{N}_-]+)+|--?[a-z][\w-]+/gu;
const wordPattern = /[\p{L}][\p{L}\p{M}'’-]*/gu;
const isCjk = (w: string) =>
  /[\p{Script=Han}\p{Script=Hangul}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}]/u.test(w);

/** Values: what identifies a fact (numbers, versions, hosts, paths, flags, identifiers). */
export function valuesOf(text: string): string[] {
  const found = text.match(valuePattern) ?? [];
  return [
    ...new Set(
      found.map((v) => v.replace(/[.,:;!?)]+$/, '').toLowerCase()).filter((v) => v !== '' && !/redacted/.test(v)),
    ),
  ];
}

/** Words worth matching, each as a stem so that "prefers" still finds "preferred". */
export function wordsOf(text: string): string[] {
  const found = text.replace(valuePattern, ' ').match(wordPattern) ?? [];
  const out = new Set<string>();
  for (const raw of found) {
    const w = raw.toLowerCase().replace(/['’-]+$/, '');
    if (/redacted/.test(w)) continue;
    if (isCjk(w)) {
      if (w.length >= 2) out.add(w.slice(0, 4));
      continue;
    }
    if (w.length < 4 || stopWords.has(w)) continue;
    out.add(/^[a-z]+$/.test(w) && w.length > 6 ? w.slice(0, w.length - 2) : w);
  }
  return [...out];
}

/**
 * What a line must still hold for its fact to be supported: every value (at most four) and, of its rarest
 * words (two beside values, else four), one beside values or all but one without: a fact merged with its
 * re-worded duplicate is still found, a fact deleted is not. Longer words first: "onto" and "main" say less
 * than "rebase".
 */
export function factTokens(text: string, wordFrequency: (w: string) => number = () => 0): FactTokens {
  const clean = redactKnown(tokenSource(text)).text.replace(/\[REDACTED:[^\]]*\]/g, ' ');
  const values = valuesOf(clean).slice(0, 4);
  const words = wordsOf(clean)
    .filter((w) => !values.some((v) => v.includes(w)))
    .sort(
      (a, b) =>
        Number(b.length >= 5) - Number(a.length >= 5) ||
        wordFrequency(a) - wordFrequency(b) ||
        b.length - a.length ||
        (a < b ? -1 : 1),
    )
    .filter((w, i, all) => !all.some((o, j) => j !== i && o !== w && o.includes(w)))
    .slice(0, values.length > 0 ? 2 : 4);
  const need = values.length > 0 ? Math.min(1, words.length) : Math.max(1, words.length - 1);
  return { values, words, need: Math.min(need, words.length) };
}

export const hasTokens = (t: FactTokens) => t.values.length + t.words.length > 0;
