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
  /** Lines the change moved into this file (1-based in `after`), and where each came from: not the sessions'. */
  movedIn?: { line: number; from: string }[];
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
  /** The cycle that redacted a secret on this line: the line itself stays whoever's it was. */
  redactedBy?: string;
  /** Where a line the cycle moved here came from (`/notes/infra.md:12`). */
  movedFrom?: string;
}

const split = (text: string | undefined) =>
  text === undefined || text === '' ? [] : text.replace(/\n$/, '').split('\n');

/** The marker a dream puts where a secret was (src/sessions/screen.ts writes it). */
const redactionMark = /\[REDACTED:[A-Za-z0-9_.-]{1,64}\]/g;

/**
 * Whether `after` is `before` with secrets redacted: the same text around each marker, something else where
 * each marker is. Such a line is still the line its author wrote.
 */
export function isRedactionOf(before: string, after: string): boolean {
  if (before === after || !redactionMark.test(after)) return false;
  redactionMark.lastIndex = 0;
  const literal = after
    .split(redactionMark)
    .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.+?');
  return new RegExp(`^${literal}$`, 's').test(before);
}

/** The next version of a file's lines, each attributed: kept lines keep theirs, added ones are the change's. */
function step(lines: BlameLine[], h: FileChange): BlameLine[] {
  const next: BlameLine[] = [];
  const moved = new Map((h.movedIn ?? []).map((m) => [m.line, m.from]));
  let i = 0;
  let removed: BlameLine[] = [];
  for (const part of diffArrays(
    lines.map((l) => l.line),
    split(h.after),
  )) {
    const n = part.count ?? part.value.length;
    if (part.removed) {
      removed = lines.slice(i, i + n);
      i += n;
      continue;
    }
    for (const line of part.value) {
      if (!part.added) {
        next.push(lines[i++]!);
        continue;
      }
      // a redacted line is its author's still; a moved one came from elsewhere, not from the change's sessions
      const author = h.cycleId ? removed.find((r) => isRedactionOf(r.line, line)) : undefined;
      const from = moved.get(next.length + 1);
      if (author) next.push({ ...author, line, redactedBy: h.cycleId });
      else
        next.push({
          line,
          cycleId: h.cycleId,
          at: h.at,
          ...(h.approvedBy ? { approvedBy: h.approvedBy } : {}),
          sessions: from ? [] : [...new Set(h.evidence.map((e) => e.session_id))],
          reason: h.reason,
          origin: 'dream',
          ...(from ? { movedFrom: from } : {}),
        });
    }
    removed = [];
  }
  return next;
}

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
  for (const h of history) lines = step(lines, h);
  const agentsOwn = history.length ? ('agent' as const) : ('before-dreamgate' as const);
  return step(lines, {
    cycleId: '',
    at: '',
    before: undefined,
    after: current,
    evidence: [],
    reason: '',
  }).map((l) => (l.cycleId === '' ? { line: l.line, sessions: [], origin: agentsOwn } : l));
}
