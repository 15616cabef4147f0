import { createHash } from 'node:crypto';
import type { Evidence } from '../memory/changeSet.js';
import { shortId } from '../names/ids.js';

/** A reviewer's earlier no to a proposal, known by the proposal's fingerprint (see `proposalFingerprint`). */
export interface EarlierDecision {
  fingerprint: string;
  /** Rejected whole, or left out of an approval (`--only`). */
  verdict: 'rejected' | 'edited-away';
  reviewer: string;
  /** When it was decided (ISO 8601). */
  at: string;
  changeSetId: string;
  reason?: string;
}

/** What the change set says of a proposal a reviewer turned down before and that is proposed again. */
export interface Override {
  kind: 'rejected' | 'edited-away';
  changeSetId: string;
  reviewer: string;
  at: string;
  /** The sessions, newer than the decision, that the proposal cites. */
  sessions: string[];
}

/** The words of lines that one side has and the other has not, as a sorted set: order and repeats do not count. */
function wordsOf(lines: string[], ignore: ReadonlySet<string>): string[] {
  const words = new Set<string>();
  for (const line of lines)
    for (const w of line.toLowerCase().match(/[\p{L}\p{N}_./-]+/gu) ?? [])
      if (!ignore.has(w) && !/^\d+$/.test(w)) words.add(w);
  return [...words].sort();
}

/**
 * A proposal's identity across cycles: the file, what it does, and the words of the lines it adds and takes
 * out. The sessions it cites and counts are left out, so the same lesson with one more session behind it
 * keeps its fingerprint, and lines elsewhere in the file do not change it.
 */
export function proposalFingerprint(
  change: { op: string; path: string; new_path?: string; evidence?: readonly Evidence[] },
  before: string,
  after: string,
): string {
  const was = new Set(before.split('\n'));
  const now = new Set(after.split('\n'));
  const cited = new Set(
    (change.evidence ?? []).flatMap((e) =>
      [e.session_id, ...(e.event_id ? [e.event_id] : [])].map((x) => x.toLowerCase()),
    ),
  );
  const added = wordsOf(
    [...now].filter((l) => !was.has(l)),
    cited,
  );
  const removed = wordsOf(
    [...was].filter((l) => !now.has(l)),
    cited,
  );
  const identity = [change.op, change.path, change.new_path ?? '', added, removed];
  return createHash('sha256').update(JSON.stringify(identity)).digest('hex');
}

export type Judged = { kind: 'held'; why: string } | { kind: 'override'; override: Override; note: string } | undefined;

const day = (iso: string) => iso.slice(0, 10);

/**
 * Whether a proposal a reviewer rejected before may be made again: only with a session newer than the
 * decision among those it cites (new evidence), and then the change set says which decision it overrides.
 */
export function judge(
  fingerprint: string,
  evidence: readonly Evidence[],
  decisions: readonly EarlierDecision[],
  endedAt: ReadonlyMap<string, number>,
): Judged {
  const earlier = decisions
    .filter((d) => d.fingerprint === fingerprint)
    .sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0))[0];
  if (!earlier) return undefined;
  const decided = Date.parse(earlier.at);
  const newer = [...new Set(evidence.map((e) => e.session_id))].filter((s) => (endedAt.get(s) ?? -Infinity) > decided);
  const what = `${earlier.verdict === 'rejected' ? 'rejected' : 'left out of an approval'} by ${earlier.reviewer} on ${day(earlier.at)} (change set ${shortId(earlier.changeSetId)}${earlier.reason ? `: ${earlier.reason.slice(0, 120)}` : ''})`;
  if (newer.length === 0) return { kind: 'held', why: `${what}; no session since says it again` };
  const override: Override = {
    kind: earlier.verdict,
    changeSetId: earlier.changeSetId,
    reviewer: earlier.reviewer,
    at: earlier.at,
    sessions: newer,
  };
  return {
    kind: 'override',
    override,
    note: `proposed again over the proposal ${what}: new evidence in ${newer.join(', ')}`,
  };
}
