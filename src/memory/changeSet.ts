import { z } from 'zod';
import { sha256Pattern } from '../names/ids.js';

/** SPEC §4 reasons, plus dreamgate's safety reasons: a secret redacted, a quarantined session's or held lines removed. */
export const reasons = [
  'duplicate',
  'superseded',
  'stale',
  'recurring-mistake',
  'workflow',
  'preference',
  'insight',
  'reorganize',
  'redact',
  'quarantine',
  'hold',
] as const;
export type Reason = (typeof reasons)[number];

export const tiers = ['applied', 'suggested'] as const;
export type Tier = (typeof tiers)[number];

const evidence = z.object({ session_id: z.string().min(1), event_id: z.string().min(1).optional() }).strict();
const sha = z.string().regex(sha256Pattern, 'expected a sha256 in hex');

/** A line of the store: its file, the heading it sits under ('' before the first) and its 1-based number. */
export const placeSchema = z
  .object({ path: z.string(), section: z.string(), line: z.number().int().positive() })
  .strict();
/** A line that left its place, and where it went (the surviving duplicate, the archive). */
export const moveSchema = z.object({ from: placeSchema, to: placeSchema }).strict();
/** What a dream noticed and left for a reviewer (or a model dreamer) to decide. */
export const findingSchema = z
  .object({
    /** SPEC's three, and dreamgate's `instruction`: a line already in memory that reads as an order to obey. */
    kind: z.enum(['duplicate', 'contradiction', 'stale', 'instruction']),
    detail: z.string(),
    at: z.array(placeSchema).min(1),
  })
  .strict();

export const changeSchema = z
  .object({
    op: z.enum(['create', 'update', 'delete', 'rename']),
    path: z.string(),
    new_path: z.string().optional(),
    before_sha256: sha.optional(),
    after: z.string().optional(),
    reason: z.enum(reasons),
    detail: z.string(),
    evidence: z.array(evidence).default([]),
    /** Each line the change takes out of `path`, and where it went. */
    moved: z.array(moveSchema).optional(),
    /**
     * How sure the dream is (SPEC §4): `applied` (the default when absent) is promoted by an automatic cycle;
     * `suggested` only when a reviewer accepts it. A suggested change is the path as it would be with the
     * applied tier and this one suggestion, against the same base; `suggestion` numbers it (from 1), and the
     * changes of one suggestion (a file and its archive) share the number.
     */
    tier: z.enum(tiers).optional(),
    suggestion: z.number().int().positive().optional(),
    /**
     * The earlier decision this proposal is made again over (a rejection, a reviewer's edit, the owner's hand
     * edit since the last promotion), and the newer sessions that make it.
     */
    overrides: z
      .object({
        kind: z.enum(['rejected', 'edited-away', 'owner-edit']).optional(),
        changeSetId: sha,
        reviewer: z.string(),
        at: z.string(),
        sessions: z.array(z.string()),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if ((c.op === 'create' || c.op === 'update') && c.after === undefined)
      ctx.addIssue({ code: 'custom', message: `${c.op} needs "after"` });
    if (c.op !== 'create' && !c.before_sha256)
      ctx.addIssue({ code: 'custom', message: `${c.op} needs "before_sha256"` });
    if (c.op === 'create' && c.before_sha256)
      ctx.addIssue({ code: 'custom', message: 'create must not have "before_sha256"' });
    if (c.op === 'rename' && !c.new_path) ctx.addIssue({ code: 'custom', message: 'rename needs "new_path"' });
    if ((c.tier === 'suggested') !== (c.suggestion !== undefined))
      ctx.addIssue({ code: 'custom', message: 'a suggested change, and only one, needs "suggestion"' });
  });

export const quarantineSchema = z
  .object({
    session_id: z.string(),
    reason: z.string(),
    event_id: z.string().optional(),
    /** Memory lines this session wrote, taken out of the store (kept here and in the audit trail). */
    removed_lines: z.array(z.object({ path: z.string(), line: z.string() }).strict()).default([]),
  })
  .strict();

/** A line a session wrote whose text came from outside content: no cycle promotes it without a reviewer's yes. */
export const heldSchema = z
  .object({
    session_id: z.string(),
    event_id: z.string().optional(),
    path: z.string(),
    line: z.string(),
    /** When a hold took some sentences of the line: the line as the store keeps it (a restore puts `line` back there). */
    kept: z.string().optional(),
    /** Where its text came from: "a web_fetch result (https://…)". */
    source: z.string(),
    reason: z.string(),
  })
  .strict();

export const changeSetSchema = z
  .object({
    agent_id: z.string().min(1),
    dreamer: z.string().min(1),
    base: z.object({ snapshot: z.string().nullable(), sha256: sha }).strict(),
    changes: z.array(changeSchema),
    findings: z.array(findingSchema).default([]),
    quarantined: z.array(quarantineSchema).default([]),
    held: z.array(heldSchema).default([]),
    /** Files the dream could not take as memory (too large, not UTF-8 text): left byte-identical. */
    skipped: z.array(z.object({ path: z.string(), reason: z.string() }).strict()).default([]),
    /** Secrets found and redacted: where and what kind, never the value. */
    redactions: z
      .array(z.object({ where: z.string(), kind: z.string(), count: z.number().int().positive() }).strict())
      .default([]),
    /** Changes the dreamer proposed that were refused before they could reach memory, and why. */
    refused: z.array(z.object({ path: z.string(), reason: z.string() }).strict()).default([]),
    /** Changes a model proposed that failed validation (paths, sizes, before_sha256, evidence): never applied. */
    dropped: z
      .array(z.object({ path: z.string().optional(), op: z.string().optional(), why: z.string() }).strict())
      .optional(),
    /** What a model dreamer spent. */
    usage: z
      .object({
        requests: z.number().int().nonnegative(),
        input_tokens: z.number().int().nonnegative(),
        output_tokens: z.number().int().nonnegative(),
        cache_creation_input_tokens: z.number().int().nonnegative(),
        cache_read_input_tokens: z.number().int().nonnegative(),
        cost_usd: z.number().nonnegative(),
      })
      .strict()
      .optional(),
    /** Sessions the dream read, and those refused as invalid input. */
    sessions: z
      .object({
        used: z.array(z.string()),
        invalid: z.array(z.object({ file: z.string(), error: z.string() }).strict()),
        /** How each session read is shown to a person: when it started, what its user first said. */
        labels: z.record(z.string(), z.object({ started: z.string(), first: z.string() }).strict()).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export type Change = z.output<typeof changeSchema>;
export type ChangeSet = z.output<typeof changeSetSchema>;
export type Quarantine = z.output<typeof quarantineSchema>;
export type Held = z.output<typeof heldSchema>;
export type Evidence = z.output<typeof evidence>;
export type Place = z.output<typeof placeSchema>;
export type Move = z.output<typeof moveSchema>;
export type Finding = z.output<typeof findingSchema>;
export type DroppedChange = NonNullable<ChangeSet['dropped']>[number];

/** A change's tier: absent means applied (change sets made before tiers). */
export const tierOf = (c: Pick<Change, 'tier'>): Tier => c.tier ?? 'applied';

/** The changes that apply as they are: the applied tier (a suggestion applies only once accepted). */
export const appliedChanges = <C extends Pick<Change, 'tier'>>(changes: readonly C[]): C[] =>
  changes.filter((c) => tierOf(c) === 'applied');

/** The suggestions of a change set, by number, each with its changes. */
export function suggestionsOf(cs: Pick<ChangeSet, 'changes'>): Map<number, Change[]> {
  const out = new Map<number, Change[]>();
  for (const c of cs.changes)
    if (tierOf(c) === 'suggested') out.set(c.suggestion!, [...(out.get(c.suggestion!) ?? []), c]);
  return out;
}

/** Counts for a summary line: changes of the applied tier, suggestions, findings, quarantines, holds, each reason applied. */
export function summarize(cs: ChangeSet): Record<string, number> {
  const applied = appliedChanges(cs.changes);
  const out: Record<string, number> = {
    changes: applied.length,
    suggested: suggestionsOf(cs).size,
    findings: cs.findings.length,
    quarantined: cs.quarantined.length,
    ...(cs.held.length > 0 ? { held: cs.held.length } : {}),
  };
  for (const c of applied) out[c.reason] = (out[c.reason] ?? 0) + 1;
  const secrets = storeSecrets(cs);
  if (secrets > 0) out.secretsRedacted = secrets;
  return out;
}

/**
 * Secrets the change set redacts from the store itself (not from sessions): the snapshots taken before it
 * still hold them, which only `dreamgate redact` removes.
 */
export function storeSecrets(cs: Pick<ChangeSet, 'redactions'>): number {
  return cs.redactions.filter((r) => r.where.startsWith('/')).reduce((n, r) => n + r.count, 0);
}
