import type { Evidence } from '../memory/changeSet.js';
import type { SessionDigest, ToolCall } from '../sessions/digest.js';
import { errorKey, sameError, type ErrorKey } from '../sessions/errorSignature.js';
import { clipWords, errorLines, errorSignature, headlineOf } from '../sessions/errors.js';

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
 * What fixed a failed call, found by structure: after the last call that failed with the same error, the step
 * after which it stopped recurring. A retry of the same command that now succeeds fixed nothing itself: what
 * came between (the last other call that succeeded, else the user's words) did. No retry: the first other call
 * that succeeded.
 */
export function fixFor(s: Pick<SessionDigest, 'toolCalls' | 'userStatements'>, i: number): Fix | undefined {
  const calls = s.toolCalls;
  const failed = calls[i]!;
  const keys = linesOf(failed).map(errorKey);
  const recurs = (c: ToolCall) =>
    c.name === failed.name && !!c.error && linesOf(c).some((l) => keys.some((k) => sameError(k, errorKey(l))));
  const last = calls.findLastIndex((c, k) => k >= i && recurs(c));
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

/** The error lines of a failed call: as its digest found them in the whole output, else read from its excerpt. */
export const linesOf = (c: ToolCall): string[] => c.errorLines ?? errorLines(c.error ?? '');

/** What worked next: another call, or what the user said. */
export type Fix = { call: ToolCall } | { told: string };

interface Cluster {
  tool: string;
  /** The error line as first seen (level prefix aside), and its order among its call's error lines. */
  line: string;
  key: ErrorKey;
  order: number;
  example: string;
  hits: Map<string, Evidence>;
  fixes: Map<string, { text: string; count: number }>;
}

/**
 * Mistakes made in at least `min` sessions, with the call that fixed them when a later call succeeded. Each
 * error line of a failed call is clustered by its signature on its own, so one session that prints one more
 * line (a wrapper's "command exited with 1") still counts; lines that recur in the same sessions are one
 * lesson, named by all of them.
 */
export function recurringMistakes(sessions: readonly SessionDigest[], min = minSessionsForPattern): Lesson[] {
  const clusters: Cluster[] = [];
  for (const s of sessions) {
    s.toolCalls.forEach((call, i) => {
      if (!call.error || call.name === 'memory') return;
      const fix = fixFor(s, i);
      linesOf(call).forEach((line, order) => {
        // the same error however it was framed: the first cluster of the tool whose first line is alike
        const key = errorKey(line);
        let c = clusters.find((k) => k.tool === call.name && sameError(k.key, key));
        if (!c) {
          const example = clipWords(call.input.split('\n')[0]!, 120);
          clusters.push((c = { tool: call.name, line, key, order, example, hits: new Map(), fixes: new Map() }));
        }
        if (!c.hits.has(s.sessionId)) c.hits.set(s.sessionId, { session_id: s.sessionId, event_id: call.eventId });
        // what worked next, counted by its shape across sessions
        if (fix && !c.fixes.has(`${s.sessionId}`)) {
          const text =
            'told' in fix
              ? `the user said "${clipWords(fix.told, 160)}"`
              : `\`${fix.call.input ? `${fix.call.name} ${fix.call.input}` : fix.call.name}\``;
          const shape = 'told' in fix ? '\0told' : `${fix.call.name}\0${normalizeError(fix.call.input)}`;
          const seen = c.fixes.get(shape);
          c.fixes.set(shape, { text: seen?.text ?? text, count: (seen?.count ?? 0) + 1 });
        }
      });
    });
  }
  // lines of one error recur in the same sessions: one lesson, its lines in the order the tool prints them
  const lessons = new Map<string, { signature: string; clusters: Cluster[] }>();
  for (const c of clusters) {
    if (c.hits.size < min) continue;
    const id = `${c.tool}\0${[...c.hits.keys()].sort().join(',')}`;
    const l = lessons.get(id) ?? { signature: `${c.tool}\0${c.key.signature}`, clusters: [] };
    l.clusters.push(c);
    lessons.set(id, l);
  }
  return [...lessons.values()]
    .map(({ signature, clusters: cs }) => {
      // every line of the error goes to the headline, which names it by the lines that carry its identifier
      const ordered = [...cs].sort((a, b) => a.order - b.order);
      const first = ordered[0]!;
      const fixes = new Map<string, { text: string; count: number }>();
      for (const c of cs)
        for (const [k, f] of c.fixes)
          fixes.set(k, { text: f.text, count: Math.max(fixes.get(k)?.count ?? 0, f.count) });
      const fix = [...fixes.entries()].sort((a, b) => b[1].count - a[1].count || (a[0] < b[0] ? -1 : 1))[0]?.[1].text;
      const sessionIds = [...first.hits.keys()].sort();
      return {
        tool: first.tool,
        error: headlineOf(ordered.map((c) => c.line)),
        signature,
        ...(first.example ? { example: first.example } : {}),
        ...(fix ? { fix } : {}),
        sessions: sessionIds,
        evidence: sessionIds.map((id) => first.hits.get(id)!),
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
