/**
 * A span that stands apart from the text it is in: a sentence of a page written in a language no other
 * sentence of that page is in, and that nobody in the session — the user, the store, the agent — writes in.
 * A page states its subject's facts in its own language; an order planted for whatever model reads it is
 * often written in another (one the author thought no filter reads). Copied into memory, such a sentence is
 * someone else's voice, not the page's fact.
 *
 * No words decide it: the languages are told by tinyld (character n-gram profiles of 62 languages and their
 * scripts, a closed model of written language, not a list of phrases), and a language tinyld does not know
 * still differs from the page by its profile. Text that is not prose (code spans, tokens with digits or code
 * punctuation, addresses) is left out before any language is told.
 */
import { detectAll } from 'tinyld';
import { carriesValue } from './addressed.js';
import { scriptsOf } from './scripts.js';

/** Letters a text needs before its language is told: shorter spans are too noisy to say. */
const minLetters = 20;
/** A candidate language counts when its score is at least this share of the best one's. */
const nearBest = 0.3;
/** At most this many sentences of a page are told (a page's language shows in its first ones). */
const maxSentences = 60;

/** Code spans, URLs, addresses and tokens joined by code punctuation or carrying digits: no language in them. */
const notProse = /`[^`\n]{0,200}`|\S{0,200}(?:[\p{Nd}_/\\@=<>{}[\]#$%&|~^]|[\p{L}\p{N}][.:][\p{L}\p{N}])\S{0,200}/gu;
const letter = /\p{L}/gu;
/** A sentence's end in any script (`.`, `。`, `।`, `۔`, `؟`), or a line's. */
const sentenceEnd = /(?<=\p{Sentence_Terminal})\s{1,20}|\n{1,20}| … /u;

/** The prose of a text: what a language can be told from. */
export const proseOf = (text: string): string =>
  text
    .replace(notProse, ' ')
    .replace(/\s{1,1000}/g, ' ')
    .trim();

const letters = (text: string): number => text.match(letter)?.length ?? 0;

/**
 * The script most of a text's letters are written in (scripts.ts: Unicode's Script property, Japanese kana
 * counted with Han): a language tinyld does not know is still told apart by the script it is written in.
 */
function scriptOf(text: string): string {
  const top = scriptsOf(text)[0]?.script;
  return top === undefined || top === 'Other' ? '' : top;
}

/** tinyld's score from which a guess is taken as the language: below it, only the script is told. */
const sure = 0.5;

/**
 * What can be told of a text's language: its script first, then — when tinyld is sure — its language and those
 * close to it (`Latin:lv`); empty when there is too little prose.
 */
export function languagesOf(text: string): string[] {
  const prose = proseOf(text.slice(0, 4000));
  if (letters(prose) < minLetters) return [];
  const script = scriptOf(prose);
  const all = detectAll(prose);
  const best = all[0]?.accuracy ?? 0;
  if (best < sure) return [script];
  return [script, ...all.filter((c) => c.accuracy >= best * nearBest).map((c) => `${script}:${c.lang}`)];
}

/** A script or language is the page's when its sentences carry more than this share of the page's prose. */
const pageShare = 0.4;

/**
 * The scripts and languages of a page's sentences (the span left out), each told alone and weighted by its
 * letters: those that carry a good share of the page (a few sentences of another language do not make it the
 * page's). `languages` is undefined when no sentence's language could be told.
 */
export function pageLanguages(sentences: readonly string[]): { scripts: Set<string>; languages?: Set<string> } {
  const scripts = new Map<string, number>();
  const languages = new Map<string, number>();
  const add = (m: Map<string, number>, k: string, n: number) => m.set(k, (m.get(k) ?? 0) + n);
  for (const s of sentences) {
    const told = languagesOf(s);
    if (told.length === 0) continue;
    const n = letters(proseOf(s));
    add(scripts, told[0]!, n);
    if (told[1]) add(languages, told[1], n);
  }
  const share = (m: Map<string, number>) => {
    const total = [...m.values()].reduce((a, b) => a + b, 0);
    return new Set([...m].filter(([, n]) => n > total * pageShare).map(([k]) => k));
  };
  return { scripts: share(scripts), ...(languages.size > 0 ? { languages: share(languages) } : {}) };
}

/** A text's character trigrams (letters and marks only, each word padded by a space). */
function trigrams(text: string): Set<string> {
  const p = ` ${proseOf(text).toLowerCase().replace(nonLetters, ' ')} `;
  const out = new Set<string>();
  for (let i = 0; i + 3 <= p.length; i++) {
    const g = p.slice(i, i + 3);
    if (g.trim().length >= 2) out.add(g);
  }
  return out;
}
const nonLetters = /[^\p{L}\p{M}]{1,1000}/gu;

/** The share of a sentence's trigrams that the other texts have. */
function sharedWith(own: Set<string>, others: readonly Set<string>[]): number {
  if (own.size === 0) return 0;
  let hit = 0;
  for (const g of own) if (others.some((o) => o.has(g))) hit++;
  return hit / own.size;
}

/**
 * Does `sentence` share far fewer character trigrams with the page's other sentences than they share with one
 * another? Text of the page's own language shares its endings, its small words; another language does not.
 * Needs two other sentences to compare; a language tinyld does not know guesses erratically, this does not.
 */
export function outlier(sentence: string, others: readonly string[]): boolean {
  const grams = others.map(trigrams).filter((g) => g.size > 0);
  if (grams.length < 2) return false;
  const theirs = grams
    .map((g, i) => sharedWith(g, [...grams.slice(0, i), ...grams.slice(i + 1)]))
    .sort((a, b) => a - b);
  const median = theirs[Math.floor(theirs.length / 2)]!;
  return sharedWith(trigrams(sentence), grams) < median * 0.5;
}

export interface Apart {
  /** The span's language (or script), for a reviewer. */
  language: string;
}

/**
 * The first sentence of `span` (what a line copied from `page`) written in a script, or a language, that
 * neither the rest of the page nor the session (`session`: what `languagesOf` told of its texts) is written in.
 * A script tells it alone; a language tinyld names must also stand out of the page by its trigrams.
 */
export function apartFrom(span: string, page: string, session: ReadonlySet<string>): Apart | undefined {
  const sentences = page
    .split(sentenceEnd)
    .slice(0, maxSentences)
    .filter((s) => letters(proseOf(s)) >= minLetters);
  for (const sentence of span.split(sentenceEnd).slice(0, 8)) {
    // a sentence that states a value (`ESLint 9 flat config` on a Korean page) is the page's fact in a borrowed tongue
    if (carriesValue(sentence)) continue;
    const [script, ...langs] = languagesOf(sentence);
    if (script === undefined) continue;
    const prose = proseOf(sentence);
    const others = sentences.filter((s) => {
      const p = proseOf(s);
      return !(prose.includes(p) || p.includes(prose));
    });
    const around = pageLanguages(others);
    if (around.scripts.size === 0) continue;
    if (!around.scripts.has(script) && !session.has(script)) return { language: langs[0] ?? script };
    if (
      langs.length > 0 &&
      around.languages &&
      !langs.some((l) => around.languages!.has(l) || session.has(l)) &&
      outlier(sentence, others)
    )
      return { language: langs[0]! };
  }
  return undefined;
}

/** Every pattern here, for the test that checks each quantifier is bounded. */
export const apartPatterns: RegExp[] = [notProse, letter, sentenceEnd, nonLetters];
