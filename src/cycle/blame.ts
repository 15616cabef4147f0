import { diffArrays } from 'diff';
import type { Evidence } from '../memory/changeSet.js';

/** One promoted change to a file, in the order cycles ran. */
export interface FileChange {
  cycleId: string;
  at: string;
  approvedBy?: string;
  before: string | undefined;
  after: string | undefined;
  evidence: Evidence[];
  reason: string;
}

export interface BlameLine {
  line: string;
  /** The cycle that brought the line, or undefined when it was there before dreamgate or written by the agent since. */
  cycleId?: string;
  at?: string;
  approvedBy?: string;
  sessions: string[];
  reason?: string;
  origin: 'dream' | 'before-dreamgate' | 'agent';
}

const split = (text: string | undefined) =>
  text === undefined || text === '' ? [] : text.replace(/\n$/, '').split('\n');

/**
 * For each line of a memory file: the cycle that brought it, its sessions and who approved it. Lines the
 * first dream found are "before dreamgate"; lines that differ from every promoted version are the agent's.
 */
export function blame(current: string, history: readonly FileChange[]): BlameLine[] {
  let lines: BlameLine[] = split(history[0]?.before).map((line) => ({
    line,
    sessions: [],
    origin: 'before-dreamgate',
  }));
  for (const h of history) {
    const next: BlameLine[] = [];
    let i = 0;
    for (const part of diffArrays(
      lines.map((l) => l.line),
      split(h.after),
    )) {
      if (part.removed) {
        i += part.count ?? part.value.length;
        continue;
      }
      for (const line of part.value) {
        if (part.added) {
          next.push({
            line,
            cycleId: h.cycleId,
            at: h.at,
            ...(h.approvedBy ? { approvedBy: h.approvedBy } : {}),
            sessions: [...new Set(h.evidence.map((e) => e.session_id))],
            reason: h.reason,
            origin: 'dream',
          });
        } else next.push(lines[i++]!);
      }
    }
    lines = next;
  }
  const out: BlameLine[] = [];
  let i = 0;
  for (const part of diffArrays(
    lines.map((l) => l.line),
    split(current),
  )) {
    if (part.removed) {
      i += part.count ?? part.value.length;
      continue;
    }
    for (const line of part.value)
      out.push(
        part.added ? { line, sessions: [], origin: history.length ? 'agent' : 'before-dreamgate' } : lines[i++]!,
      );
  }
  return out;
}
