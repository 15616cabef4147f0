import type { Evidence } from '../memory/changeSet.js';
import type { SessionDigest, ToolCall } from '../sessions/digest.js';
import { errorHeadline, errorSignature } from '../sessions/errors.js';

/** How many distinct sessions must show a mistake or a workflow before it becomes memory. */
export const minSessionsForPattern = 3;

const memoryTools = new Set(['memory', 'session.error']);

export interface Lesson {
  tool: string;
  error: string;
  signature: string;
  /** The call that failed, as first seen (a redacted one-line summary of its input). */
  example?: string;
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

/** The call that fixed a failed one: a later success of the same program, else of the same tool, else any. */
function fixFor(calls: readonly ToolCall[], i: number): ToolCall | undefined {
  const failed = calls[i]!;
  const later = calls.slice(i + 1).filter((c) => !c.error && !memoryTools.has(c.name));
  const program = (c: ToolCall) => c.input.trim().split(/\s+/)[0] ?? '';
  return (
    later.find((c) => c.name === failed.name && program(c) !== '' && program(c) === program(failed)) ??
    later.find((c) => c.name === failed.name) ??
    later[0]
  );
}

/** Mistakes made in at least `min` sessions, with the call that fixed them when a later call succeeded. */
export function recurringMistakes(sessions: readonly SessionDigest[], min = minSessionsForPattern): Lesson[] {
  const groups = new Map<
    string,
    {
      tool: string;
      error: string;
      example: string;
      hits: Map<string, Evidence>;
      fixes: Map<string, { text: string; count: number }>;
    }
  >();
  for (const s of sessions) {
    s.toolCalls.forEach((call, i) => {
      if (!call.error || call.name === 'memory') return;
      const signature = `${call.name}\0${normalizeError(call.error)}`;
      let g = groups.get(signature);
      if (!g)
        groups.set(
          signature,
          (g = {
            tool: call.name,
            error: errorHeadline(call.error),
            example: call.input.split('\n')[0]!.slice(0, 120),
            hits: new Map(),
            fixes: new Map(),
          }),
        );
      if (!g.hits.has(s.sessionId)) g.hits.set(s.sessionId, { session_id: s.sessionId, event_id: call.eventId });
      // what worked next: the first later call that succeeded, counted by its shape across sessions
      const fix = fixFor(s.toolCalls, i);
      if (fix) {
        const text = fix.input ? `${fix.name} ${fix.input}` : fix.name;
        const key = `${fix.name}\0${normalizeError(fix.input)}`;
        const seen = g.fixes.get(key);
        g.fixes.set(key, { text: seen?.text ?? text, count: (seen?.count ?? 0) + 1 });
      }
    });
  }
  return [...groups.entries()]
    .filter(([, g]) => g.hits.size >= min)
    .map(([signature, g]) => {
      const fix = [...g.fixes.entries()].sort((a, b) => b[1].count - a[1].count || (a[0] < b[0] ? -1 : 1))[0]?.[1].text;
      const sessionIds = [...g.hits.keys()].sort();
      return {
        tool: g.tool,
        error: g.error,
        signature,
        ...(g.example ? { example: g.example } : {}),
        ...(fix ? { fix } : {}),
        sessions: sessionIds,
        evidence: sessionIds.map((id) => g.hits.get(id)!),
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
