/**
 * A line's sentences, as pieces that put together give the line back: a hold can take one sentence of a line
 * and leave the rest as the agent wrote it. A sentence ends at a stop followed by a space (any script's
 * terminator, `\p{Sentence_Terminal}`) or at `; `; the line's list or quote marker stays with the first piece.
 * Any script, no words.
 */
const boundary = /(?<=(?:[.!?](?=\s)|(?![.!?])\p{Sentence_Terminal}|;(?=\s))\s{1,20})(?=\S)/gu;

/** A line's list or quote marker and indentation: `- `, `> `, `  1. `, `- [x] `. */
const listMarker = /^\s{0,12}(?:[-*+>]\s{1,4}){0,3}(?:\d{1,3}[.)]\s{1,4})?(?:\[[ xX]\]\s{1,4})?/u;

/** The pieces of `line`, in order; their concatenation is `line`. One piece when there is no boundary. */
export function sentencesOf(line: string): string[] {
  const starts = [0, ...[...line.matchAll(boundary)].map((m) => m.index)];
  return starts.map((s, i) => line.slice(s, starts[i + 1] ?? line.length));
}

/** The line without its pieces at `held`: what stays of it; undefined when none or all are held. */
export function withoutPieces(line: string, held: readonly number[]): string | undefined {
  const pieces = sentencesOf(line);
  if (held.length === 0 || held.length >= pieces.length) return undefined;
  const kept = pieces
    .filter((_, i) => !held.includes(i))
    .join('')
    .trimEnd();
  // the first piece carries the line's marker (`- `, `> `, indentation): kept when that piece is taken
  const marker = listMarker.exec(line)![0];
  return held.includes(0) && !kept.startsWith(marker) ? `${marker}${kept.trimStart()}` : kept;
}

/** Every pattern here, for the test that checks each quantifier is bounded. */
export const sentencePatterns: RegExp[] = [boundary, listMarker];
