import { errorCode, errorLevel, errorName, unquoted } from './errorSignature.js';
import { clipWords, errorExcerpt, errorLines, stripTerminal } from './errors.js';

/**
 * The names a tool's output speaks of, by their shape alone: what is quoted (`'RNMmkv'`, `"database"`), a
 * qualified name (`Net::SSLeay`), an identifier written as code (`utcToZonedTime`, `SECRET_KEY`,
 * `FirebaseError`) and an error's own code (`E403`, `TS2305`). A file named bare is where an error happened,
 * not what it is about (three errors in one file are three errors): only a quoted one counts. Three tools
 * that print one error frame it in their own words but name the same things: the names one error's outputs
 * share, and no output that passed prints, tie them together (see src/dream/errorGroups.ts).
 */

const shapes = [
  // a quoted word: the thing the message is about, as the tool quotes it
  /(?<=["'`‘“])[^\s"'`’”]{2,60}(?=["'`’”])/u,
  // a qualified name (`Net::SSLeay`, `LWP::Protocol::https`)
  /\b[A-Za-z_]\w*(?:::[A-Za-z_]\w*)+/u,
  // identifiers written as code: camelCase, PascalCase with a hump, CAPS then lower (`RNMmkv`), SNAKE_CAPS
  /\b[a-z]+[A-Z][A-Za-z0-9]*\b|\b[A-Z][a-z0-9]+[A-Z][A-Za-z0-9]*\b|\b[A-Z]{2,}[a-z][A-Za-z0-9]*\b/u,
  /\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b/u,
  // an error's own code or name (`E403`, `TS2305`, `ENOENT`)
  errorName,
];
/** Every shape in one pass over the text. */
const anyName = new RegExp(shapes.map((r) => `(?:${r.source})`).join('|'), 'gu');

/** A name worth comparing: letters in it, not a number, a version or a time, and not a bare word's punctuation. */
const worth = (n: string) =>
  n.length >= 3 && n.length <= 60 && /\p{L}/u.test(n) && !/^[vV]?\d[\d.:-]*[a-z]?$/.test(n) && !/^[-.]|[-.]$/.test(n);

/** The distinct names of `text`, each as printed, at most `max` (a huge output is read from its last 100 KB). */
export function namesIn(text: string, max = 400): string[] {
  const tail = text.length > 100_000 ? text.slice(-100_000) : text;
  // colours and overwritten progress lines aside (most outputs have none: the cheap test first)
  const t = tail.includes('\u001b') || tail.includes('\r') ? stripTerminal(tail) : tail;
  const out = new Set<string>();
  for (const m of t.matchAll(anyName)) {
    const name = m[0].replace(/[.,;:]+$/, '');
    if (worth(name)) out.add(name);
    if (out.size >= max) break;
  }
  return [...out];
}

/** What a tool result tells of errors: a failed call's error, or an error a call that passed reports. */
export interface ResultErrors {
  /** A failed call's opening and error lines (`errorExcerpt`). */
  excerpt?: string;
  lines: string[];
  /** The names the failure speaks of: a failed call's whole output, or the lines a passing one reports. */
  names: string[];
  /** The call passed but its output reports an error (a log it read): lines at error level that name it. */
  reported: boolean;
  /** Names of a passing output outside the error it reports (none beyond `budget`: bounded work). */
  passing: string[];
}

/**
 * A line of a passing output that reports an error: at error level, and naming the error by a name, a code or
 * an exception's label (`error: Exception: Request failed …`).
 */
const reports = (l: string) => {
  const bare = unquoted(l);
  const mark = errorLevel.exec(bare);
  if (!mark) return false;
  const after = bare.slice(mark.index + mark[0].length);
  return errorName.test(bare) || errorCode.test(bare) || /^\s*[A-Z][A-Za-z]+:\s/.test(after);
};

export function resultErrors(output: string, failed: boolean, budget: boolean): ResultErrors {
  if (failed) {
    const lines = errorLines(output).map((l) => clipWords(l, 500));
    return { excerpt: errorExcerpt(output), lines, names: namesIn(output), reported: false, passing: [] };
  }
  const lines = stripTerminal(output.slice(-100_000))
    .split('\n')
    .filter(reports)
    .slice(0, 3)
    .map((l) => clipWords(l.trim(), 500));
  const names = lines.length > 0 ? namesIn(lines.join('\n')) : [];
  const passing = budget ? namesIn(output).filter((n) => !names.includes(n)) : [];
  return { lines, names, reported: lines.length > 0, passing };
}
