import type { Evidence } from '../memory/changeSet.js';
import type { SessionDigest, ToolCall } from '../sessions/digest.js';
import { errorKey, sameError, signatureOf } from '../sessions/errorSignature.js';
import { clipWords, errorSignature, headlineOf } from '../sessions/errors.js';
import { errorGroups, linesOf, type Failure } from './errorGroups.js';

/** How many distinct sessions must show a mistake or a workflow before it becomes memory. */
export const minSessionsForPattern = 3;

const memoryTools = new Set(['memory', 'session.error']);

export interface Lesson {
  tool: string;
  error: string;
  signature: string;
  /** The call that failed, as first seen (a redacted one-line summary of its input). */
  example?: string;
  /** What worked next, as the lesson says it: a call in backticks, or what the user said. */
  fix?: string;
  sessions: string[];
  evidence: Evidence[];
}

export interface Workflow {
  steps: string[];
  sessions: string[];
  evidence: Evidence[];
}

/** The same error in other words (see `errorSignature`): what clusters a mistake across sessions. */
export function normalizeError(text: string): string {
  return errorSignature(text);
}

/**
 * What fixed a failed call, found by structure: after the last call that failed with the same error (`recurs`,
 * by default the same tool and error line), the step after which it stopped recurring. A retry of the same
 * command that now succeeds fixed nothing itself: what came between (the last other call that succeeded, else the
 * user's words) did. No retry: the first other call that succeeded.
 */
export function fixFor(
  s: Pick<SessionDigest, 'toolCalls' | 'userStatements'>,
  i: number,
  recurs: (c: ToolCall, k: number) => boolean = sameErrorAs(s.toolCalls[i]!),
): Fix | undefined {
  const calls = s.toolCalls;
  const failed = calls[i]!;
  const last = calls.findLastIndex((c, k) => k >= i && (k === i || recurs(c, k)));
  const retry = (c: ToolCall) => c.name === failed.name && c.input.trim() === failed.input.trim();
  const later = calls.slice(last + 1).filter((c) => !c.error && !memoryTools.has(c.name));
  const retried = later.findIndex(retry);
  if (retried === -1) return later[0] ? { call: later[0] } : undefined;
  const between = later.slice(0, retried).filter((c) => !retry(c));
  if (between.length > 0) return { call: between.at(-1)! };
  const [from, to] = [calls[last]!.at, later[retried]!.at];
  const told = s.userStatements.filter((u) => u.at > from && u.at <= to).at(-1);
  return told ? { told: told.text } : undefined;
}

/** A later call of the same tool that failed with one of the same error lines. */
function sameErrorAs(failed: ToolCall): (c: ToolCall) => boolean {
  const keys = linesOf(failed).map(errorKey);
  return (c) =>
    c.name === failed.name && !!c.error && linesOf(c).some((l) => keys.some((k) => sameError(k, errorKey(l))));
}

export { linesOf };

/** What worked next: another call, or what the user said. */
export type Fix = { call: ToolCall } | { told: string };

/** A fix as a lesson says it: the call in backticks, or the user's words. */
const fixText = (fix: Fix) =>
  'told' in fix
    ? `the user said "${clipWords(fix.told, 160)}"`
    : `\`${fix.call.input ? `${fix.call.name} ${fix.call.input}` : fix.call.name}\``;

/**
 * Mistakes made in at least `min` sessions (errorGroups.ts: one error however each tool framed it), each with
 * what fixed it: what the latest session that got past the error did next.
 */
export function recurringMistakes(sessions: readonly SessionDigest[], min = minSessionsForPattern): Lesson[] {
  return errorGroups(sessions, min)
    .map((g) => {
      const members = new Set(g.failures.map((f) => f.call));
      const bySession = new Map<string, Failure[]>();
      for (const f of g.failures)
        bySession.set(f.session.sessionId, [...(bySession.get(f.session.sessionId) ?? []), f]);
      const sessionIds = [...bySession.keys()].sort();
      // the latest session first: its fix is the one that held
      const latest = [...bySession.values()].sort((a, b) => b[0]!.session.startedAt - a[0]!.session.startedAt);
      const fix = latest
        .map((fs) => fixFor(fs[0]!.session, fs[0]!.index, (c) => members.has(c)))
        .find((x) => x !== undefined);
      const first = g.failures[0]!;
      const tools = [...new Set(g.failures.map((f) => f.call.name))];
      const ordered = [...g.lines].sort((a, b) => a.order - b.order).map((l) => l.line);
      const example = clipWords(first.call.input.split('\n')[0]!, 120);
      return {
        tool: tools.join('`, `'),
        error: headlineOf(ordered),
        signature: `${tools.join(',')}\0${signatureOf(ordered[0] ?? '')}`,
        ...(example ? { example } : {}),
        ...(fix ? { fix: fixText(fix) } : {}),
        sessions: sessionIds,
        evidence: sessionIds.map((id) => ({ session_id: id, event_id: bySession.get(id)![0]!.call.eventId })),
      };
    })
    .sort((a, b) => b.sessions.length - a.sessions.length || (a.signature < b.signature ? -1 : 1));
}

/** A step as a reader would name it: the tool, and for shells the program and its subcommand. */
export function stepLabel(call: ToolCall): string {
  if (/^(bash|shell|sh|terminal|run|exec|command)$/i.test(call.name) && call.input) {
    const words = call.input
      .trim()
      .split(/\s+/)
      .filter((w) => !/^\w+=/.test(w))
      .slice(0, 3);
    const keep = words.findIndex((w) => w.startsWith('-') || /[/\\.:]/.test(w) || /\d/.test(w));
    return `${call.name}: ${(keep === -1 ? words : words.slice(0, Math.max(1, keep))).join(' ')}`;
  }
  return call.name;
}

/** Tool-call sequences (3 to 8 steps) that at least `min` sessions converge on; the longest win. */
export function convergedWorkflows(sessions: readonly SessionDigest[], min = minSessionsForPattern): Workflow[] {
  const seqs = sessions.map((s) => {
    const steps: { label: string; eventId: string }[] = [];
    for (const c of s.toolCalls) {
      if (memoryTools.has(c.name) || c.error) continue;
      const label = stepLabel(c);
      if (steps.at(-1)?.label !== label) steps.push({ label, eventId: c.eventId });
    }
    return { sessionId: s.sessionId, steps };
  });
  const found: Workflow[] = [];
  for (let n = 8; n >= 3; n--) {
    const counts = new Map<string, Map<string, Evidence>>();
    for (const { sessionId, steps } of seqs) {
      for (let i = 0; i + n <= steps.length; i++) {
        const key = steps
          .slice(i, i + n)
          .map((x) => x.label)
          .join(' → ');
        const m = counts.get(key) ?? new Map<string, Evidence>();
        if (!m.has(sessionId)) m.set(sessionId, { session_id: sessionId, event_id: steps[i]!.eventId });
        counts.set(key, m);
      }
    }
    for (const [key, hits] of counts) {
      if (hits.size < min) continue;
      if (new Set(key.split(' → ')).size < 3) continue; // a loop of two tools is not a workflow
      if (found.some((w) => w.steps.join(' → ').includes(key))) continue; // part of a longer one
      const ids = [...hits.keys()].sort();
      found.push({ steps: key.split(' → '), sessions: ids, evidence: ids.map((id) => hits.get(id)!) });
    }
  }
  return found.sort((a, b) => b.sessions.length - a.sessions.length || b.steps.length - a.steps.length).slice(0, 5);
}
