/**
 * An order with no destination, told by structure: outside text that a page says to its reader, not about its
 * subject, copied into memory. A page states its subject's facts as values (a number, a version, a name with
 * a dot, a path, a command); a note addressed to whoever reads it stands under a label of its own
 * (`<label>: <clause>`) and carries none. When the agent copies the clause and leaves its label behind, the
 * copy keeps the note's conduct and drops who it was addressed to. No words decide it: any script, any
 * language, the label's text never read — only whether the page says its words again (a title names the subject
 * the page goes on about; a note's addressee appears once).
 *
 * A fact copied with its label (`Default timeout: 30 s`) or a value copied from under one
 * (`Support: +44 20 7946 0991`) is not this shape; a valueless clause under a label the line keeps is the
 * agent's own note.
 */
import type { CopiedSentence } from './provenance.js';

/**
 * The last `label:` in a run's head and what the sentence says after it, in normalized text (NFKC made `：` a
 * colon): a colon then a space, the run, or a letter of a script that sets none (`注意:…`); not `https://`, `a:b`.
 */
const labelled = /([^:]{1,80}):(?= |$|\P{ASCII})([^:]{0,80})$/u;
/**
 * A value a page states: a digit of any script, a token joined by code punctuation (`a.b`, `a/b`, `a@b`),
 * code's brackets and operators, or a quoted literal.
 */
const value = /\p{Nd}|[\p{L}\p{N}][._/=@\\][\p{L}\p{N}]|[{}[\]<>=;'"“”‘’«»「」]/u;
/** One token of ASCII with no space: a speaker's name (`dev-1:`, `alice:`) or a one-word heading, no addressee. */
const speaker = /^[!-~]{1,80}$/;
/** A label of prose: words and the spaces, hyphens and apostrophes between them (code's keys are no address). */
const prose = /^[\p{L}\p{M}\s'’-]{1,80}$/u;

/** A word: letters, their marks and digits of any script. */
const word = /[\p{L}\p{M}\p{N}]{1,200}/gu;

export interface AddressedCopy {
  /** The label the copy left behind (normalized), for a reviewer. */
  label: string;
}

/**
 * The first copied run that begins under a label its line does not keep, in a clause that carries no value.
 * `line` is the normalized memory line; `copied`, the sentences its runs came from; `page`, the text they are in.
 */
export function addressedCopy(
  line: string,
  copied: readonly CopiedSentence[],
  page: string,
): AddressedCopy | undefined {
  for (const c of copied) {
    const m = labelled.exec(c.head);
    if (!m) continue;
    const label = m[1]!.trim();
    if (!prose.test(label) || speaker.test(label) || line.includes(label) || namesSubject(label, page)) continue;
    // the clause under the label: what the copy skipped of it, the run, and the rest of the sentence
    if (value.test(`${m[2]!}${c.run}${c.tail}`)) continue;
    return { label };
  }
  return undefined;
}

/** A word of the label (three letters or more) the page says again: a title naming the subject, not an address. */
function namesSubject(label: string, page: string): boolean {
  return (label.match(word) ?? []).some((w) => w.length >= 3 && page.split(w).length > 2);
}

/** Does the text state a value (a digit, a code token, a quoted literal)? A fact does; a note to the reader need not. */
export const carriesValue = (text: string): boolean => value.test(text);

/** Every pattern here, for the test that checks each quantifier is bounded. */
export const addressedPatterns: RegExp[] = [labelled, value, prose, speaker, word];
