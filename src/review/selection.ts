/**
 * What a reviewer chose on the page, checked and turned into the approval the command line would send:
 * accepted applied changes become `--only`, accepted suggestions `--accept`, edited files `--edit`, restored
 * sessions `--restore`. The browser's request is untrusted input: shape, sizes and every name are checked
 * against the change set it was made for.
 */
import { z } from 'zod';
import { limits } from '../cycle/decision.js';
import { defaultLimits } from '../memory/limits.js';
import { assertPath } from '../memory/paths.js';
import { InvalidInput } from '../util/errors.js';
import { tierOf, type ReviewedChangeSet } from './view.js';

export const pageDecisionSchema = z
  .object({
    verdict: z.enum(['approve', 'reject']),
    /** The change set and cycle the page showed: a decision is for what the reviewer saw. */
    changeSetId: z.string().regex(/^[0-9a-f]{64}$/),
    cycle: z.string().min(1).max(128),
    /** Indices of the changes the reviewer accepts (applied and suggested alike). */
    accepted: z.array(z.number().int().nonnegative()).max(10_000).default([]),
    /** The reviewer's own content for a file of the set, by path. */
    edits: z
      .record(z.string().max(limits.path), z.string().max(defaultLimits.maxFileBytes))
      .refine((e) => Object.keys(e).length <= limits.paths, `at most ${limits.paths} edited files`)
      .default({}),
    restore: z.array(z.string().max(limits.session)).max(limits.sessions).default([]),
    comment: z.string().max(limits.comment).optional(),
    reason: z.string().max(limits.reason).optional(),
  })
  .strict();
export type PageDecision = z.output<typeof pageDecisionSchema>;

/** The approval as the command line takes it (`dreamgate approve … --only --accept --edit --restore`). */
export interface Approval {
  onlyPaths?: string[];
  /** Suggestions accepted, by their index in the change set. */
  accept?: number[];
  edits?: Record<string, string>;
  restore?: string[];
  comment?: string;
}

/** Parses a request body; a problem names the field, never echoes the value. */
export function parsePageDecision(body: unknown): PageDecision {
  const r = pageDecisionSchema.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  throw new InvalidInput(`decision: ${issue.path.join('.') || '(body)'}: ${issue.message}`);
}

/**
 * The approval a page decision stands for. Everything accepted as proposed needs no `--only`; an edit
 * counts as accepting its file. Nothing accepted is not an approval: the reviewer rejects instead.
 */
export function approvalOf(cs: ReviewedChangeSet, d: PageDecision): Approval {
  const accepted = new Set(d.accepted);
  for (const i of accepted)
    if (i >= cs.changes.length) throw new InvalidInput(`decision: change ${i} is not in the change set`);
  const paths = new Set(cs.changes.map((c) => c.path));
  for (const path of Object.keys(d.edits)) {
    assertPath(path, 'decision: edit');
    if (!paths.has(path)) throw new InvalidInput(`decision: edit of ${path}, which the change set does not change`);
  }
  // a session whose lines were held is restored as a quarantined one is (`approve --restore`)
  const restorable = new Set([...cs.quarantined, ...(cs.held ?? [])].map((q) => q.session_id));
  for (const s of d.restore)
    if (!restorable.has(s))
      throw new InvalidInput(`decision: ${s} is not a quarantined session of this change set, nor one with held lines`);
  const applied = cs.changes.map((c, i) => ({ c, i })).filter(({ c }) => tierOf(c) === 'applied');
  const keep = new Set([
    ...applied.filter(({ i }) => accepted.has(i)).map(({ c }) => c.path),
    ...Object.keys(d.edits).filter((p) => applied.some(({ c }) => c.path === p)),
  ]);
  const suggestions = cs.changes
    .map((c, i) => ({ c, i }))
    .filter(({ c, i }) => tierOf(c) === 'suggested' && (accepted.has(i) || c.path in d.edits))
    .map(({ i }) => i);
  if (keep.size === 0 && suggestions.length === 0 && d.restore.length === 0)
    throw new InvalidInput('nothing is accepted: accept at least one change, or reject the change set with a reason');
  const all = applied.every(({ c }) => keep.has(c.path));
  return {
    ...(all ? {} : { onlyPaths: [...keep].sort() }),
    ...(suggestions.length ? { accept: suggestions } : {}),
    ...(Object.keys(d.edits).length ? { edits: d.edits } : {}),
    ...(d.restore.length ? { restore: d.restore } : {}),
    ...(d.comment ? { comment: d.comment } : {}),
  };
}

/** The command a reviewer runs to send the same decision from a terminal (the read-only page shows it). */
export function commandFor(agent: string, changeSetId: string, d: PageDecision, approval?: Approval): string {
  const q = (s: string) => (/^[A-Za-z0-9_./@:=+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  const id = changeSetId.slice(0, 12);
  if (d.verdict === 'reject') return `dreamgate reject ${q(agent)} ${id} --reason ${q(d.reason ?? '…')}`;
  const a = approval ?? {};
  return [
    `dreamgate approve ${q(agent)} ${id}`,
    a.onlyPaths ? `--only ${a.onlyPaths.map(q).join(' ')}` : '',
    a.accept ? `--accept ${a.accept.join(' ')}` : '',
    ...Object.keys(a.edits ?? {}).map((p) => `--edit ${q(`${p}=<your file>`)}`),
    a.restore ? `--restore ${a.restore.map(q).join(' ')}` : '',
    a.comment ? `--comment ${q(a.comment)}` : '',
  ]
    .filter(Boolean)
    .join(' ');
}
