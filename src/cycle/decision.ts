/**
 * A reviewer's decision on a change set, as an update or a signal carries it, and the exact text a
 * reviewer signs. Anyone with write access to the namespace can send one, so every field is checked for
 * shape, type and size before anything else looks at it.
 *
 * Pure (no Node built-ins): the workflow validates with it, the command line builds with it.
 */
import { scopedName, type AgentScope } from '../names/scope.js';
import { safeName } from '../util/display.js';
import { personNamePattern, shortId } from '../names/ids.js';
import { isCycleObject } from '../names/keys.js';

export type Verdict = 'approve' | 'reject';

export interface Decision {
  reviewer: string;
  /** The change set the reviewer saw: its full sha256, or a prefix of at least 8 hex digits. */
  changeSetId: string;
  /** The cycle the reviewer saw (its run id); a decision for another cycle is refused. */
  cycle?: string;
  /** When the reviewer decided (ISO 8601); part of what is signed. */
  at?: string;
  comment?: string;
  /** Why a change set is rejected (reject only, required). */
  reason?: string;
  /** Keep only these paths of the change set. */
  onlyPaths?: string[];
  /** The reviewer's own contents: an S3 key (snapshots bucket) of a JSON { path: content } object, and its sha256. */
  editedKey?: string;
  editedSha256?: string;
  /** Quarantined sessions whose memory lines the reviewer puts back. */
  restoredSessions?: string[];
  /** Suggestions the reviewer accepts, by the number `dreamgate review` prints beside each (SPEC §4 tiers). */
  acceptedSuggestions?: number[];
  /** `ssh-keygen -Y sign` over `signedText(...)`, namespace `dreamgate-decision`. */
  signature?: string;
}

export const limits = {
  reviewer: 64,
  comment: 1_000,
  reason: 1_000,
  paths: 500,
  path: 1_024,
  sessions: 100,
  session: 128,
  suggestions: 1_000,
  key: 1_024,
  signature: 8_192,
} as const;

/** How a refused or ignored payload is shown and recorded: short, on one line. */
export const recordedLength = 80;

const hex = (min: number) => new RegExp(`^[0-9a-f]{${min},64}$`);
const sessionPattern = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const uuidish = /^[0-9A-Za-z-]{8,64}$/;

const fields: Record<keyof Decision, true> = {
  reviewer: true,
  changeSetId: true,
  cycle: true,
  at: true,
  comment: true,
  reason: true,
  onlyPaths: true,
  editedKey: true,
  editedSha256: true,
  restoredSessions: true,
  acceptedSuggestions: true,
  signature: true,
};

export type Parsed = { ok: true; decision: Decision } | { ok: false; why: string };

/**
 * Checks a payload's shape, types and sizes. Never throws, whatever it is given (null, a number, a
 * megabyte string); the reason names the field and never echoes its value.
 */
export function parseDecision(verdict: Verdict, raw: unknown): Parsed {
  const no = (why: string): Parsed => ({ ok: false, why });
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return no(`a decision is an object, not ${raw === null ? 'null' : Array.isArray(raw) ? 'an array' : typeof raw}`);
  const o = raw as Record<string, unknown>;
  const unknown = Object.keys(o).filter((k) => !(k in fields));
  if (unknown.length > 0)
    return no(
      `unknown field ${JSON.stringify(unknown[0]!.slice(0, 40))}${unknown.length > 1 ? ` (+${unknown.length - 1})` : ''}`,
    );
  const text = (k: keyof Decision, max: number, pattern?: RegExp, required = false): string | undefined | Parsed => {
    const v = o[k];
    if (v === undefined) return required ? no(`${k} is required`) : undefined;
    if (typeof v !== 'string') return no(`${k} must be a string, not ${v === null ? 'null' : typeof v}`);
    if (v.length > max) return no(`${k} is ${v.length} characters; at most ${max}`);
    if (pattern && !pattern.test(v)) return no(`${k} is not well formed`);
    return v;
  };
  const list = (
    k: keyof Decision,
    maxItems: number,
    maxLength: number,
    pattern?: RegExp,
  ): string[] | undefined | Parsed => {
    const v = o[k];
    if (v === undefined) return undefined;
    if (!Array.isArray(v)) return no(`${k} must be a list of strings`);
    if (v.length === 0 || v.length > maxItems) return no(`${k} has ${v.length} entries; 1 to ${maxItems}`);
    for (const [i, x] of v.entries()) {
      if (typeof x !== 'string') return no(`${k}[${i}] must be a string`);
      if (x.length > maxLength) return no(`${k}[${i}] is ${x.length} characters; at most ${maxLength}`);
      if (pattern && !pattern.test(x)) return no(`${k}[${i}] is not well formed`);
    }
    return v as string[];
  };
  const d: Record<string, unknown> = {};
  const steps: [keyof Decision, string | string[] | number[] | undefined | Parsed][] = [
    ['reviewer', text('reviewer', limits.reviewer, personNamePattern, true)],
    ['changeSetId', text('changeSetId', 64, hex(8), true)],
    ['cycle', text('cycle', 64, uuidish)],
    ['at', text('at', 40, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$/)],
    ['comment', text('comment', limits.comment)],
    ['reason', text('reason', limits.reason, undefined, verdict === 'reject')],
    ['onlyPaths', list('onlyPaths', limits.paths, limits.path, /^\//)],
    ['editedKey', text('editedKey', limits.key, /^[A-Za-z0-9][A-Za-z0-9._:/@+-]*$/)],
    ['editedSha256', text('editedSha256', 64, hex(64))],
    ['restoredSessions', list('restoredSessions', limits.sessions, limits.session, sessionPattern)],
    ['acceptedSuggestions', numbers(o.acceptedSuggestions)],
    [
      'signature',
      text(
        'signature',
        limits.signature,
        /^-----BEGIN SSH SIGNATURE-----\n[A-Za-z0-9+/=\n]+-----END SSH SIGNATURE-----\n?$/,
      ),
    ],
  ];
  for (const [k, v] of steps) {
    if (isRefusal(v)) return v;
    if (v !== undefined) d[k] = v;
  }
  if ((d.editedKey === undefined) !== (d.editedSha256 === undefined))
    return no('editedKey and editedSha256 go together');
  if (verdict === 'reject' && (d.onlyPaths || d.editedKey || d.restoredSessions || d.acceptedSuggestions))
    return no('a rejection cannot narrow, edit, restore or accept suggestions');
  if (verdict === 'approve' && d.reason !== undefined)
    return no('reason is for a rejection; an approval has a comment');
  return { ok: true, decision: d as unknown as Decision };
}

/** `acceptedSuggestions`: 1 to `limits.suggestions` distinct suggestion numbers, in ascending order. */
function numbers(v: unknown): number[] | undefined | Parsed {
  const k = 'acceptedSuggestions';
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) return { ok: false, why: `${k} must be a list of suggestion numbers` };
  if (v.length === 0 || v.length > limits.suggestions)
    return { ok: false, why: `${k} has ${v.length} entries; 1 to ${limits.suggestions}` };
  for (const [i, x] of v.entries())
    if (!Number.isSafeInteger(x) || (x as number) < 1 || (i > 0 && (x as number) <= (v[i - 1] as number)))
      return { ok: false, why: `${k}[${i}] is not a suggestion number (whole numbers from 1, ascending, once each)` };
  return v as number[];
}

function isRefusal(v: unknown): v is Parsed & { ok: false } {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && (v as Parsed).ok === false;
}

/** The cycle a decision is checked against: whose, which cycle, the change set it waits on, who may decide. */
export interface DecidingCycle {
  scope: AgentScope;
  /** The cycle's id (its first run's id). */
  cycleId: string;
  /** The full id of the pending change set. */
  pending: string;
  reviewers: readonly string[];
}

/**
 * The checks a parsed decision passes wherever it is acted on (the cycle's validator, and the worker before it
 * checks a signature): a listed reviewer, the pending change set, this cycle, an edit among this cycle's
 * objects. Why not, or undefined.
 */
export function decisionRefusal(d: Decision, t: DecidingCycle): string | undefined {
  if (!t.reviewers.includes(d.reviewer))
    return `${d.reviewer} is not a reviewer of ${scopedName(t.scope)} (reviewers: ${t.reviewers.join(', ')})`;
  if (!t.pending.startsWith(d.changeSetId))
    return `names change set ${shortId(d.changeSetId)}, not the pending ${shortId(t.pending)}`;
  if (d.cycle !== undefined && d.cycle !== t.cycleId) return `is for cycle ${d.cycle}, not ${t.cycleId}`;
  if (d.editedKey && !isCycleObject(t.scope, t.cycleId, d.editedKey))
    return `editedKey is not one of this cycle's objects`;
  return undefined;
}

/** Whether a decision narrows, edits or restores: the reviewer changed the dream (hybrid trust starts again). */
export const edits = (d: Decision): boolean => Boolean(d.onlyPaths || d.editedKey || d.restoredSessions);

/**
 * Whether a decision asks for another change set than the pending one's applied tier: narrowed, edited,
 * restored or with suggestions accepted. That change set is made and evaluated again before promotion.
 */
export const revises = (d: Decision): boolean => edits(d) || Boolean(d.acceptedSuggestions);

/**
 * Why the suggestions a decision accepts are not all in the change set, which numbers its `count`
 * suggestions 1 to `count` (`summarize`'s `suggested`); undefined when they are.
 */
export function unknownSuggestions(d: Pick<Decision, 'acceptedSuggestions'>, count: number): string | undefined {
  const unknown = (d.acceptedSuggestions ?? []).filter((n) => n > count);
  if (unknown.length === 0) return undefined;
  return `acceptedSuggestions (--accept) ${unknown.join(' ')}: no such suggestion in this change set (${count === 0 ? 'it has none' : `suggestions: 1 to ${count}`})`;
}

/** What a signature covers: the decision and the cycle it is for, so it cannot be replayed on another. */
export interface SignedContext {
  fleet: string;
  agent: string;
  cycle: string;
  /** The full id of the pending change set. */
  changeSetId: string;
  verdict: Verdict;
}

/**
 * The exact text a reviewer signs: one JSON object with sorted keys and no spaces. Fleet, agent, cycle and
 * change set come from the cycle, not the message, so a signature made for one cycle fails on any other.
 * Edits are covered by their hash, not their S3 key.
 */
export function signedText(ctx: SignedContext, d: Decision): string {
  const body: Record<string, unknown> = {
    v: 1,
    fleet: ctx.fleet,
    agent: ctx.agent,
    cycle: ctx.cycle,
    changeSetId: ctx.changeSetId,
    verdict: ctx.verdict,
    reviewer: d.reviewer,
    at: d.at ?? null,
    comment: d.comment ?? null,
    reason: d.reason ?? null,
    onlyPaths: d.onlyPaths ?? null,
    editedSha256: d.editedSha256 ?? null,
    restoredSessions: d.restoredSessions ?? null,
    // only when present: the text of every decision signed before suggestions existed stays the same
    ...(d.acceptedSuggestions ? { acceptedSuggestions: d.acceptedSuggestions } : {}),
  };
  return JSON.stringify(
    Object.fromEntries(
      Object.keys(body)
        .sort()
        .map((k) => [k, body[k]]),
    ),
  );
}

/** A payload that was refused, as it may be shown and recorded: its kind, a short escaped reviewer, its size. */
export function described(raw: unknown): { reviewer: string; bytes: number } {
  const reviewer =
    typeof raw === 'object' && raw !== null && typeof (raw as { reviewer?: unknown }).reviewer === 'string'
      ? safeName((raw as { reviewer: string }).reviewer, recordedLength)
      : '(none)';
  let bytes: number;
  try {
    bytes = JSON.stringify(raw)?.length ?? 0;
  } catch {
    bytes = -1; // not serializable (it came through a payload converter, so it should not happen)
  }
  return { reviewer, bytes };
}
