/**
 * The unit a number is written with, in any language: `5 min`, `15 นาที`, `15 phút`, `300ms`, `10-minute`, `%75`,
 * `5 ימים`. The unit words are not typed here: they are generated from the runtime's ICU data (by the build, and
 * again at run time by a runtime of other ICU data), which names the units of every locale it knows (`Intl.NumberFormat(locale, { style: 'unit', unit, unitDisplay })`). A
 * word two units share in different locales (`m`: metre or minute) names neither.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../util/paths.js';

/** A measure a number is given in: the ICU unit and its dimension (durations, data sizes, …). */
export interface Measure {
  unit: string;
  dimension: string;
}

/** The kind of quantity a unit measures, by its ICU identifier: units of one dimension convert into each other. */
function dimensionOf(unit: string): string | undefined {
  if (/second$|^(?:minute|hour|day|week|month|year)$/.test(unit)) return 'duration';
  if (/byte$/.test(unit)) return 'digital';
  return unit === 'percent' ? 'percent' : undefined;
}

/** ICU's units of the quantities settings are given in (timeouts, intervals, sizes, shares). */
const units = Intl.supportedValuesOf('unit').filter((u) => dimensionOf(u) !== undefined);
const displays = ['long', 'short'] as const;
const spaceless =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}]/u;

let table: Map<string, Measure> | undefined;

/** One number of each plural category the locale has (`1 minute`, `2 minutes`; Russian's one, few, many). */
function samplesOf(locale: string): number[] {
  const rules = new Intl.PluralRules(locale);
  const byCategory = new Map<string, number>();
  for (const n of [...Array.from({ length: 112 }, (_, i) => i), 1.5])
    if (!byCategory.has(rules.select(n))) byCategory.set(rules.select(n), n);
  return [...byCategory.values()];
}

/** The unit words of this runtime's ICU data, as the build ships them (`unitWordsFile`). */
export interface UnitWords {
  /** The ICU data they were generated from (`icuData()`): words of other data are not used. */
  icu: string;
  /** Each word and the one unit it names, in the order ICU gave them. */
  words: [string, string][];
}

/** Which ICU data the runtime has: Node's version and ICU's, and any data file given to it instead. */
export const icuData = (): string =>
  JSON.stringify([
    process.version,
    process.versions.icu,
    process.versions.unicode,
    process.versions.cldr,
    process.env.NODE_ICU_DATA ?? '',
    process.execArgv.filter((a) => a.startsWith('--icu-data-dir')),
  ]);

/** Every locale ICU has (by language code: two letters, all tried), each unit's words in it. */
export function generateUnitWords(): UnitWords {
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const codes = [...letters].flatMap((a) => [...letters].map((b) => a + b));
  const found = new Map<string, string | null>(); // null: two units claim the word
  for (const locale of Intl.NumberFormat.supportedLocalesOf(codes)) {
    const samples = samplesOf(locale);
    for (const unit of units)
      for (const unitDisplay of displays) {
        const format = new Intl.NumberFormat(locale, { style: 'unit', unit, unitDisplay, numberingSystem: 'latn' });
        for (const n of samples) {
          const word = wordOf(format.format(n));
          if (word === undefined) continue;
          const had = found.get(word);
          if (had === undefined) found.set(word, unit);
          else if (had !== unit) found.set(word, null);
        }
      }
  }
  const words = [...found].filter((e): e is [string, string] => e[1] !== null);
  return { icu: icuData(), words };
}

/**
 * Generated at build time (scripts/unit-words.js): generating them takes a few hundred milliseconds of a
 * worker's first dream.
 */
export const unitWordsFile = join(projectRoot, 'dist', 'unit-words.json');

/** The unit words a file holds, when they were generated from the ICU data this runtime has. */
export function readUnitWords(file: string): UnitWords | undefined {
  let words: UnitWords;
  try {
    words = JSON.parse(readFileSync(file, 'utf8')) as UnitWords;
  } catch {
    return undefined; // not built (tests run from the sources) or unreadable: generated instead
  }
  return words.icu === icuData() && Array.isArray(words.words) ? words : undefined;
}

/** The unit words of the runtime's ICU: the build's when they are of the same ICU data, else generated on first use. */
function unitWords(): Map<string, Measure> {
  if (table) return table;
  const { words } = readUnitWords(unitWordsFile) ?? generateUnitWords();
  table = new Map(words.map(([word, unit]) => [word, { unit, dimension: dimensionOf(unit)! }]));
  return table;
}

/** The unit's word in a formatted quantity: what is left without the number, spaces and dots. */
function wordOf(formatted: string): string | undefined {
  const word = normal(formatted.replace(/[\d.,\s\u00a0\u202f\u200e\u200f\u061c'’-]+/gu, ' '));
  return word === '' || word.includes(' ') ? undefined : word;
}

const normal = (s: string) => s.trim().toLowerCase().replace(/\.$/u, '');

/** The unit written right after (or, for a sign such as `%`, right before) the number at `at`…`end` of `text`. */
export function measureAt(text: string, at: number, end: number): Measure | undefined {
  const words = unitWords();
  const before = /(%|٪)\s?$/u.exec(text.slice(Math.max(0, at - 2), at));
  if (before) return words.get(before[1]!);
  const after = /^[\s\u00a0\u202f-]?(%|٪|[\p{L}\p{M}µ]+\.?)/u.exec(text.slice(end, end + 24));
  if (!after) return undefined;
  const word = normal(after[1]!);
  const whole = words.get(word);
  if (whole || !spaceless.test(word)) return whole;
  // a script without spaces runs the unit into the next word: the longest unit word the run starts with
  for (let n = word.length - 1; n > 0; n--) {
    const m = words.get(word.slice(0, n));
    if (m) return m;
  }
  return undefined;
}

/**
 * How two numbers' units bear on pairing them: `same` unit (a surer pair), `other` dimensions (a duration and
 * a size are two things: no pair), or `unknown` (one has no unit, or two units of one dimension).
 */
export function unitAgreement(a: Measure | undefined, b: Measure | undefined): 'same' | 'other' | 'unknown' {
  if (!a || !b) return 'unknown';
  if (a.unit === b.unit) return 'same';
  return a.dimension === b.dimension ? 'unknown' : 'other';
}
