/**
 * The parts of an outside text that address its reader rather than state its subject, found by structure in
 * any language: what a human reader does not see (regions.ts), a sentence in a language neither the rest of
 * the text nor the session is written in (apart.ts), and a clause under a label of prose that states no value
 * (`Hinweis für Assistenten: …`; addressed.ts's shape, the label never read).
 *
 * An agent that obeys such a part rarely copies it: it writes the order in its own words, in the store's
 * language. What carries over a translation is what every language writes alike — names, acronyms, numbers
 * (`NVTX`, `CSRF`, `DataPipe`). A memory line that names something only such a part gave, or that states no
 * value at all right after the agent read one, is tainted by it (CaMeL's and FIDES's flow labels, at the
 * granularity a transcript allows).
 */
import { outlier, languagesOf, proseOf } from './apart.js';
import { regionsOf } from './regions.js';

/** Where a sentence ends: a stop before a space (not `a.b`), any other script's stop, a line's end. */
const sentenceEnd = /(?<=[.!?])(?=\s)|(?<=(?![.!?])\p{Sentence_Terminal})|\n/u;
/** A label of prose before a colon, at the end of what precedes the colon: two to six words of any script. */
const proseLabel =
  /(?:^|[^\p{L}\p{M}'’-])([\p{L}\p{M}][\p{L}\p{M}'’-]{0,30}(?: [\p{L}\p{M}'’-]{1,30}){1,5}) ?[:：] ?(.{1,400})$/u;
/** A value a fact states: a digit of any script, a token joined by code punctuation, code's brackets. */
const value = /\p{Nd}|[\p{L}\p{N}][._/=@\\][\p{L}\p{N}]|[{}<>=`]/u;
/** Names that survive a translation: words in Latin letters and digits. */
const nameToken = /[\p{Script=Latin}\p{Nd}]{2,40}/gu;
const word = /[\p{L}\p{M}]{3,40}/gu;

/** Does a text state a value (a digit, a code token, code's brackets)? */
export const statesValue = (text: string): boolean => value.test(text);

/** The parts of `text` that address its reader. `session`: the languages the session's other texts are in. */
export function addressedParts(text: string, session: ReadonlySet<string>): string[] {
  const body = text.slice(0, 65_536);
  const parts: string[] = [];
  const flags = regionsOf(body, false);
  let from = -1;
  for (let i = 0; i <= body.length; i++) {
    const hidden = i < body.length && (flags[i]! & 1) === 1;
    if (hidden && from === -1) from = i;
    if (!hidden && from !== -1) {
      if (proseOf(body.slice(from, i)).length >= 12) parts.push(body.slice(from, i));
      from = -1;
    }
  }
  const sentences = body.split(sentenceEnd).slice(0, 80);
  const told = sentences.map((s) => languagesOf(s));
  for (let i = 0; i < sentences.length; i++) {
    const s = sentences[i]!;
    const labelled = proseLabel.exec(s.replace(/\s{1,40}/g, ' '));
    // the clause ends where its quotation does (a JSON string's value, a quoted note)
    const clause = labelled?.[2]!.split(/["”»」]/u)[0] ?? '';
    if (labelled && proseOf(clause).length >= 12 && !value.test(clause) && !repeated(labelled[1]!, body)) {
      parts.push(clause);
      continue;
    }
    const [script, ...langs] = told[i]!;
    if (script === undefined) continue;
    const others = sentences.filter((_, j) => j !== i && told[j]!.length > 0);
    const otherTold = told.filter((t, j) => j !== i && t.length > 0);
    if (otherTold.length === 0) continue;
    const share = (key: (t: string[]) => string | undefined, k: string) => {
      let n = 0;
      let all = 0;
      otherTold.forEach((t, j) => {
        const w = proseOf(others[j]!).length;
        all += w;
        if (key(t) === k) n += w;
      });
      return n > all * 0.4;
    };
    if (!share((t) => t[0], script) && !session.has(script)) parts.push(s);
    else if (
      langs.length > 0 &&
      !langs.some((l) => share((t) => t[1], l) || session.has(l)) &&
      otherTold.some((t) => t[1]) &&
      outlier(s, others)
    )
      parts.push(s);
  }
  return parts;
}

/** A word of the label (three letters or more) the text says again elsewhere: a title naming the subject. */
function repeated(label: string, text: string): boolean {
  return (label.match(word) ?? []).some((w) => w.length >= 3 && text.split(w).length > 2);
}

/**
 * Name-like tokens of a text (Latin letters and digits), lower-cased: an acronym of two letters, or three or more.
 * `proper`: only those written with a capital (a name, an acronym, a word that starts a sentence).
 */
export function namesIn(text: string, proper = false): Set<string> {
  const out = new Set<string>();
  for (const m of text.normalize('NFKC').matchAll(nameToken)) {
    const t = m[0];
    if (/^\p{Nd}+$/u.test(t) || (proper && !/\p{Lu}/u.test(t))) continue;
    if (t.length >= 3 || /^\p{Lu}{2}$/u.test(t)) out.add(t.toLowerCase());
  }
  return out;
}

/** Every pattern here, for the test that checks each quantifier is bounded. */
export const taintPatterns: RegExp[] = [sentenceEnd, proseLabel, value, nameToken, word];
