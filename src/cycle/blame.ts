import { diffArrays } from 'diff';
import type { AgentScope } from '../config/scope.js';
import type { ChangeSet, Evidence } from '../memory/changeSet.js';
import type { MemoryStore } from '../memory/store.js';
import type { SessionLabel } from '../sessions/labels.js';
import { ChangeSetTampered, type CycleObjects } from './objects.js';

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

/** An audit record as blame reads it (the audit log's records, verified and vouched for by the caller). */
export interface LoggedRecord {
  cycle_id: string;
  cycle_started_at: string;
  event: string;
  actor?: string;
  data?: Record<string, unknown>;
}

/** Where blame reads a kept cycle's change set and the snapshot it applied to. */
export interface BlameSources {
  objects: Pick<CycleObjects, 'loadChangeSet'>;
  restore(snapshotId: string): Promise<MemoryStore>;
}

/** A file's history from the log: each kept cycle's change to it, the sessions' labels, and what could not be read. */
export interface BlameHistory {
  history: FileChange[];
  labels: Record<string, SessionLabel>;
  warnings: string[];
}

/** The change set a kept cycle promoted: the newest stored or revised one its records name. */
async function keptChangeSet(
  scope: AgentScope,
  cycleId: string,
  rs: readonly LoggedRecord[],
  objects: BlameSources['objects'],
): Promise<ChangeSet | string | undefined> {
  const stored = [...rs].reverse().find((r) => r.event === 'change-set-revised' || r.event === 'change-set-stored');
  const id = stored?.data?.changeSet;
  if (typeof id !== 'string') return undefined;
  // the change set lives in the (unlocked) snapshots bucket: it must still be what the log recorded
  return objects.loadChangeSet(scope, id).catch((err: unknown) => {
    if (!(err instanceof ChangeSetTampered)) throw err;
    return `cycle ${cycleId}: its change set ${err.missing ? 'is missing' : 'does not match the sha256 the audit log recorded'}; its lines are shown as the agent's`;
  });
}

/** What one kept cycle's change did to `path`, against the snapshot the cycle started from. */
function fileChangeOf(
  cycleId: string,
  rs: readonly LoggedRecord[],
  change: ChangeSet['changes'][number],
  base: MemoryStore,
  path: string,
): FileChange {
  const approval = rs.find((r) => r.event === 'approved');
  return {
    cycleId,
    at: rs[0]!.cycle_started_at,
    ...(approval?.actor ? { approvedBy: approval.actor } : {}),
    before: base.get(change.path),
    after: change.op === 'delete' ? undefined : (change.after ?? base.get(change.path)),
    evidence: change.evidence,
    reason: change.reason,
    movedIn: (change.moved ?? [])
      .filter((m) => m.to.path === path)
      .map((m) => ({ line: m.to.line, from: `${m.from.path}:${m.from.line}` })),
  };
}

/**
 * The history of one memory file from an agent's audit records, oldest cycle first: every kept cycle whose
 * change set (loaded through the checking loader) changed it, against the snapshot that cycle started from.
 */
export async function blameHistory(
  scope: AgentScope,
  path: string,
  records: readonly LoggedRecord[],
  sources: BlameSources,
): Promise<BlameHistory> {
  const byCycle = new Map<string, LoggedRecord[]>();
  for (const r of records) byCycle.set(r.cycle_id, [...(byCycle.get(r.cycle_id) ?? []), r]);
  const out: BlameHistory = { history: [], labels: {}, warnings: [] };
  for (const [cycleId, rs] of byCycle) {
    if (!rs.some((r) => r.event === 'cycle-kept')) continue;
    const snapshotId = rs.find((r) => r.event === 'snapshot-taken')?.data?.snapshot;
    if (typeof snapshotId !== 'string') continue;
    const cs = await keptChangeSet(scope, cycleId, rs, sources.objects);
    if (typeof cs === 'string') out.warnings.push(cs);
    if (typeof cs !== 'object') continue;
    const change = cs.changes.find((ch) => ch.path === path || ch.new_path === path);
    if (!change) continue;
    out.history.push(fileChangeOf(cycleId, rs, change, await sources.restore(snapshotId), path));
    Object.assign(out.labels, cs.sessions?.labels ?? {});
  }
  return out;
}
