import type { SessionDigest, ToolCall } from '../sessions/digest.js';
import { errorKey, sameError, type ErrorKey } from '../sessions/errorSignature.js';
import { errorLines } from '../sessions/errors.js';

/**
 * One error across sessions, however each tool framed it: failed calls are grouped by what their failures share,
 * not by one normalised headline. Two ties, each by structure and frequency alone: an error line that is the same
 * error (errorSignature.ts `sameError`, whichever tool printed it), or a **rare name** — a name (errorNames.ts:
 * a quoted word, `Net::SSLeay`, `utcToZonedTime`, `TS2305`) that the failed output of `min` sessions or more
 * prints, in the lines that carry the failure of two or more, and that no call that passed ever prints. A compiler, a bundler
 * and a test runner that name the same missing export share that export's name and nothing else.
 */

/** Memory tools fail for reasons of their own (a path, a conflict): what they print is no lesson about the work. */
const memoryTools = new Set(['memory', 'session.error']);

/** A failed call, or one whose output reports an error: where it is, and the lines that carry its error. */
export interface Failure {
  session: SessionDigest;
  index: number;
  call: ToolCall;
  lines: string[];
}

/** Failed calls of `min` sessions or more that show one error, with the lines and rare names that tie them. */
export interface ErrorGroup {
  failures: Failure[];
  /** Each tying error line as first seen, with its place among its call's lines. */
  lines: { line: string; order: number }[];
  /** The rare names every failure of the group prints. */
  names: string[];
}

/** The error lines of a failed call: as its digest found them in the whole output, else read from its excerpt. */
export const linesOf = (c: ToolCall): string[] => c.errorLines ?? errorLines(c.error ?? '');

export function failuresOf(sessions: readonly SessionDigest[]): Failure[] {
  return sessions.flatMap((session) =>
    session.toolCalls.flatMap((call, index) =>
      (call.error || call.reported) && !memoryTools.has(call.name)
        ? [{ session, index, call, lines: linesOf(call) }]
        : [],
    ),
  );
}

interface Tie {
  members: Set<number>;
  lines: { line: string; order: number }[];
  names: string[];
}

/** Ties by an error line: each line of each failure joins the first tie whose line is the same error. */
function lineTies(failures: readonly Failure[]): Tie[] {
  const ties: (Tie & { key: ErrorKey })[] = [];
  failures.forEach((f, i) =>
    f.lines.forEach((line, order) => {
      const key = errorKey(line);
      let t = ties.find((k) => sameError(k.key, key));
      if (!t) ties.push((t = { key, members: new Set(), lines: [{ line, order }], names: [] }));
      t.members.add(i);
    }),
  );
  return ties;
}

/**
 * Ties by a rare name: printed by the failed output of `min` sessions or more, in the lines that carry the
 * failure of two of them or more, and by no call that passed in any session.
 */
function nameTies(failures: readonly Failure[], sessions: readonly SessionDigest[], min: number): Tie[] {
  const passing = new Set(sessions.flatMap((s) => s.passingNames ?? []));
  const where = new Map<string, Set<number>>();
  failures.forEach((f, i) => {
    for (const n of f.call.names ?? []) if (!passing.has(n)) where.set(n, (where.get(n) ?? new Set()).add(i));
  });
  const sessionsOf = (members: Iterable<number>) => new Set([...members].map((i) => failures[i]!.session.sessionId));
  const ties: Tie[] = [];
  for (const [name, members] of where) {
    if (sessionsOf(members).size < min) continue;
    // named where it failed in two sessions or more: the thing the error is about, not what was printed around it
    const carried = [...members].filter((i) => failures[i]!.lines.some((l) => l.includes(name)));
    if (sessionsOf(carried).size < 2) continue;
    // the error as the first of them printed it
    const lines = failures[carried[0]!]!.lines.flatMap((line, order) => (line.includes(name) ? [{ line, order }] : []));
    ties.push({ members, lines, names: [name] });
  }
  return ties;
}

/**
 * Errors seen in `min` sessions or more: the ties of `min` sessions or more, those that hold the same sessions
 * joined (one error's lines and names recur together; each tie's lines in the order its tool printed them).
 */
export function errorGroups(sessions: readonly SessionDigest[], min: number): ErrorGroup[] {
  const failures = failuresOf(sessions);
  const sessionKey = (t: Tie) => [...new Set([...t.members].map((i) => failures[i]!.session.sessionId))].sort();
  const groups = new Map<string, Tie>();
  // an error a passing call's output reported (a log read) counts beside two sessions or more whose calls failed
  const failed = (t: Tie) => new Set([...t.members].flatMap((i) => (failures[i]!.call.error ? [i] : [])));
  const counts = (t: Tie) => sessionKey(t).length >= min && sessionKey({ ...t, members: failed(t) }).length >= 2;
  const byLine = lineTies(failures).filter(counts);
  // a rare name inside one error the lines already tie (an address each of ten sessions printed) splits nothing
  const within = (t: Tie) =>
    byLine.some((l) => [...t.members].every((m) => l.members.has(m)) && sessionKey(l).length > sessionKey(t).length);
  const byName = nameTies(failures, sessions, min).filter((t) => counts(t) && !within(t));
  for (const t of [...byLine, ...byName]) {
    const ids = sessionKey(t);
    const g = groups.get(ids.join(','));
    if (!g) groups.set(ids.join(','), { members: new Set(t.members), lines: [...t.lines], names: [...t.names] });
    else {
      for (const m of t.members) g.members.add(m);
      g.lines.push(...t.lines.filter((l) => !g.lines.some((o) => o.line === l.line)));
      g.names.push(...t.names);
    }
  }
  return [...groups.values()].map((g) => ({
    failures: [...g.members].sort((a, b) => a - b).map((i) => failures[i]!),
    lines: g.lines,
    names: g.names,
  }));
}
