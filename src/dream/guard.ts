import { detectInjection, hasHiddenCharacters, hasSecret } from '../sessions/screen.js';
import type { MemoryStore } from '../memory/store.js';

/**
 * The check after the dream and on a reviewer's edit (defence in depth): text that instructs the agent,
 * hides characters or holds a secret is refused, whatever wrote it. It reads a file as a document, not line
 * by line: an order or a secret split over the lines of one paragraph or list item is still one. Text the
 * store already had (moved, not added) is not new. Returns why (the lines and the detector, never the text).
 */

/** One paragraph, list item or heading: the lines a reader takes as one sentence or one value. */
interface Unit {
  first: number;
  last: number;
  lines: string[];
}

const blockStart = /^\s{0,3}(?:[-*+]\s|\d{1,9}[.)]\s|#{1,6}\s|>|```|~~~|\||<)/;

/** Splits a document into units: a blank line, a new list item, a heading, a fence or a table row starts one. */
function unitsOf(text: string): Unit[] {
  const units: Unit[] = [];
  let open: Unit | undefined;
  for (const [i, line] of text.split('\n').entries()) {
    if (line.trim() === '') {
      open = undefined;
      continue;
    }
    // an indented line that starts no block of its own continues the item or paragraph above it
    if (!open || blockStart.test(line)) {
      open = { first: i + 1, last: i + 1, lines: [] };
      units.push(open);
    }
    open.lines.push(line);
    open.last = i + 1;
  }
  return units;
}

/** `line 3 adds` or `lines 3–4 add`. */
const where = (u: Unit, verb: string) =>
  u.first === u.last ? `line ${u.first} ${verb}s` : `lines ${u.first}–${u.last} ${verb}`;

/**
 * Screens a whole file as session text is screened: hidden characters line by line; instructions to the agent
 * and secrets over each paragraph or list item, its lines joined (with a space, and for a value cut in two,
 * without one). `known` holds the trimmed lines the store already had: a unit made only of them is not new.
 */
export async function screenDocument(
  path: string,
  text: string,
  known: ReadonlySet<string> = new Set(),
): Promise<string | undefined> {
  for (const [i, line] of text.split('\n').entries())
    if (!known.has(line.trim()) && hasHiddenCharacters(line))
      return `${path} line ${i + 1} adds invisible or control characters (zero-width, bidi, tag or terminal control characters)`;
  for (const u of unitsOf(text)) {
    if (u.lines.every((l) => known.has(l.trim()))) continue;
    const parts = u.lines.map((l) => l.trim());
    const spaced = parts.join(' ');
    if (await hasSecret(spaced)) return `${path} ${where(u, 'add')} a secret`;
    if (parts.length > 1 && (await hasSecret(parts.join(''))))
      return `${path} ${where(u, 'add')} a secret, cut over lines`;
    // as if from outside: memory that tells the agent what to remember or obey is an attacker's goal
    const finding = detectInjection(spaced, true);
    if (finding) return `${path} ${where(u, 'add')} instruction-like text (${finding.detector})`;
  }
  return undefined;
}

/** The trimmed lines of a store: text a dream or an edit moves rather than adds. */
export function knownLines(store: MemoryStore): Set<string> {
  const known = new Set<string>();
  for (const content of store.files.values()) for (const line of content.split('\n')) known.add(line.trim());
  return known;
}

/** Paths of `candidate` that add refused text compared with `base`. */
export async function refusedPaths(
  base: MemoryStore,
  candidate: MemoryStore,
): Promise<{ path: string; reason: string }[]> {
  const known = knownLines(base);
  const out: { path: string; reason: string }[] = [];
  for (const [path, content] of candidate.files) {
    if (base.get(path) === content) continue;
    const reason = await screenDocument(path, content, known);
    if (reason) out.push({ path, reason: reason.slice(path.length + 1) });
  }
  return out;
}
