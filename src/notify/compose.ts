/**
 * What an alert says, composed by the worker from the cycle's own signed records and its configuration,
 * never from words a workflow passes: a page only for an outcome the run's records show (a regression, a
 * promotion undone, a failure), a review notice only for a change set the run stored. Numbers, ids, names
 * from the configuration and fixed sentences: nothing in it comes from a caller. Pure.
 */
import type { Alert } from './webhook.js';
import { shortId } from '../names/ids.js';

export type AlertKind = 'page' | 'notify' | 'review' | 'reminder';

export interface RunRecord {
  event: string;
  at: string;
  data?: Record<string, unknown>;
}

export interface AlertAgent {
  /** `<fleet>/<agent>`. */
  name: string;
  id: string;
  reviewers: string[];
  threshold: number;
  reviewTimeoutMs: number;
}

/** The failure types a page may name (anything else is an `error`). */
const knownFailures = new Set([
  'InvalidInput',
  'LiveStoreChanged',
  'SnapshotCorrupt',
  'AuditConflict',
  'ChangeSetTampered',
  'WebhookFailed',
  'ClaudeApiError',
  'BudgetExceeded',
  'ManagedDreamFailed',
  'StoreLockTimeout',
  'Unauthorized',
]);

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const fixed = (v: unknown) => num(v)?.toFixed(3) ?? '?';
const last = (rs: readonly RunRecord[], event: string) => [...rs].reverse().find((r) => r.event === event);

type Composed = Pick<Alert, 'summary' | 'severity' | 'details'>;

function page(a: AlertAgent, rs: readonly RunRecord[]): Composed | string {
  const base = num(last(rs, 'baseline-scored')?.data?.score);
  const failed = last(rs, 'cycle-failed') ?? last(rs, 'rollback-failed');
  if (failed) {
    const type = /^([A-Za-z]+):/.exec(String(failed.data?.reason ?? failed.data?.error ?? ''))?.[1];
    const named = type && knownFailures.has(type) ? ` (${type})` : '';
    const undo = rs.some((r) => r.event === 'rollback-failed') ? '; undoing its promotion failed' : '';
    return { summary: `dreamgate: ${a.name} cycle failed${named}${undo}`, severity: 'error', details: {} };
  }
  const undone = last(rs, 'rolled-back');
  if (undone) {
    const v = last(rs, 'verified')?.data;
    const mismatched = Array.isArray(v?.mismatched) ? (v.mismatched as unknown[]).map(String).slice(0, 10) : [];
    const why =
      v && v.matches === false
        ? `live store differs from the candidate at ${mismatched.join(', ')}`
        : v
          ? `live score ${fixed(v.score)} below the gate`
          : 'undone after the cycle failed';
    return {
      summary: `dreamgate: ${a.name} promotion rolled back: ${why}`,
      severity: 'error',
      details: { verifyScore: num(v?.score), restored: undone.data?.restored },
    };
  }
  const gate = last(rs, 'gate-failed');
  if (gate) {
    const d = gate.data ?? {};
    return {
      summary: `dreamgate: ${a.name} dream regressed the eval (${fixed(d.score)} < ${fixed(base)} − ${a.threshold}); candidate discarded`,
      severity: 'error',
      details: { failing: d.failing, report: d.report },
    };
  }
  return 'no record of this cycle shows a regression, a promotion undone or a failure';
}

/**
 * The alert of `kind` for a run, from its records; or why none is due. `hint` is the workflow's review
 * deadline, taken only when it lies within ten minutes after the one the records give.
 */
export function composeAlert(
  kind: AlertKind,
  a: AlertAgent,
  rs: readonly RunRecord[],
  now: number,
  hint?: string,
): Composed | string {
  const stored = last(rs, 'change-set-stored');
  const changeSet = typeof stored?.data?.changeSet === 'string' ? stored.data.changeSet : undefined;
  const scores = {
    baseline: num(last(rs, 'baseline-scored')?.data?.score),
    post: num(last(rs, 'post-scored')?.data?.score),
    threshold: a.threshold,
    snapshot: last(rs, 'snapshot-taken')?.data?.snapshot,
    changeSet,
  };
  if (kind === 'page') {
    const p = page(a, rs);
    return typeof p === 'string' ? p : { ...p, details: { ...scores, ...p.details } };
  }
  if (!stored || !changeSet) return 'this cycle stored no change set';
  const decided = rs.some((r) => r.event === 'approved' || r.event === 'rejected');
  const from = Date.parse((last(rs, 'post-scored') ?? stored).at);
  const computed = from + a.reviewTimeoutMs;
  const h = hint ? Date.parse(hint) : NaN;
  const deadline = new Date(
    Number.isFinite(h) && h >= computed && h <= computed + 600_000 ? h : computed,
  ).toISOString();
  const short = shortId(changeSet);
  const commands = {
    review: `dreamgate review ${a.id}`,
    approve: `dreamgate approve ${a.id} ${short}`,
    reject: `dreamgate reject ${a.id} ${short} --reason "…"`,
  };
  const waiting = { ...scores, reviewers: a.reviewers, deadline, ...commands };
  if (kind === 'review' || kind === 'reminder') {
    if (decided) return 'the change set is already decided';
    return kind === 'review'
      ? { summary: `dreamgate: ${a.name} change set ${short} waits for review`, severity: 'info', details: waiting }
      : {
          summary: `dreamgate: ${a.name} change set ${short} is discarded at ${deadline} unless reviewed`,
          severity: 'warning',
          details: waiting,
        };
  }
  // a review that timed out: the run waited for one (it opened in review, or a quarantine asked for one)
  const opened = rs.find((r) => r.event === 'cycle-opened')?.data?.effectiveMode;
  const reviewed = opened === 'review' || rs.some((r) => r.event === 'review-required');
  if (reviewed && !decided && now >= computed - 60_000) {
    const minutes = a.reviewTimeoutMs / 60_000;
    return {
      summary: `dreamgate: ${a.name} change set waited ${minutes} min for review and was discarded`,
      severity: 'warning',
      details: scores,
    };
  }
  const counts = (stored.data?.summary ?? {}) as Record<string, unknown>;
  // an automatic cycle promoted the applied tier: the owners hear what waits for a person
  const suggested = num(counts.suggested) ?? 0;
  if (!reviewed && suggested > 0 && rs.some((r) => r.event === 'promoted'))
    return {
      summary: `dreamgate: ${a.name}: promoted the applied tier of change set ${short}; ${suggested} suggestion(s) left for a reviewer (numbered 1–${suggested} in the change set), proposed again at the next dream`,
      severity: 'info',
      details: { ...scores, suggestions: suggested, review: commands.review },
    };
  const quarantined = num(counts.quarantined) ?? 0;
  const held = num(counts.held) ?? 0;
  if (quarantined > 0 || held > 0)
    return {
      summary: `dreamgate: ${a.name}: ${quarantined} session(s) quarantined and ${held} line(s) held by the dream; the cycle goes on without them (onQuarantine: notify)`,
      severity: 'warning',
      details: { ...scores, quarantined, held },
    };
  return 'no record of this cycle shows a review that timed out, a quarantine, held lines or suggestions left';
}
