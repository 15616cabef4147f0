/**
 * What an agent's next cycle starts from, derived from the signed records of its newest cycle run rather than
 * read from a counter anyone who can write `state.json` could set: hybrid trust (unedited approvals in a row)
 * and the newest session a kept dream read. Each run's first record (`cycle-opened`, signed by the worker
 * that opened it) carries what it started from, so one run's records are enough. Pure.
 */

/** A record as far as the derivation reads it. */
export interface RunRecord {
  event: string;
  data?: Record<string, unknown>;
}

export interface Standing {
  /** Unedited approvals in a row, for hybrid mode. */
  trust: number;
  /** Time (ms) of the newest session the last kept dream read. */
  lastKeptSessionAt: number | null;
}

export const fresh: Standing = { trust: 0, lastKeptSessionAt: null };

/** Outcomes that end a streak of trust, as the cycle's own records show them. */
const resets = new Set([
  'rejected',
  'rolled-back',
  'cycle-discarded',
  'cycle-rejected',
  'cycle-timed_out',
  'cycle-rolled_back',
]);

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Where the agent stands after one run, from that run's signed records. */
export function standingAfter(records: readonly RunRecord[]): Standing {
  const opened = records.find((r) => r.event === 'cycle-opened')?.data ?? {};
  const before: Standing = {
    trust: Math.max(0, Math.floor(num(opened.trust) ?? 0)),
    lastKeptSessionAt: num(opened.lastKeptSessionAt),
  };
  const promoted = records.find((r) => r.event === 'promoted');
  if (records.some((r) => resets.has(r.event))) return { ...before, trust: 0 };
  if (!promoted) return before;
  const approval = records.find((r) => r.event === 'approved')?.data;
  const edited = approval && (approval.onlyPaths || approval.edited || approval.restoredSessions);
  return {
    trust: !approval ? before.trust : edited ? 0 : before.trust + 1,
    lastKeptSessionAt: num(promoted.data?.newestSessionAt) ?? before.lastKeptSessionAt,
  };
}
