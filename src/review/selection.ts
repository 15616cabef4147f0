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
import { sha256Pattern, shortId } from '../names/ids.js';

export const pageDecisionSchema = z
  .object({
    verdict: z.enum(['approve', 'reject']),
    /** The change set and cycle the page showed: a decision is for what the reviewer saw. */
    changeSetId: z.string().regex(sha256Pattern),
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
  /** Suggestions accepted, by their number (`suggestion` in the change set, as `review` prints it). */
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
 * The approval a page decision stands for. Accepted applied changes narrow with `--only` (none needed when
 * all are accepted); an accepted suggestion is accepted whole, by its number, as `approve --accept` takes
 * it; an edit counts as accepting its file. Nothing accepted is not an approval: the reviewer rejects instead.
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
  const indexed = cs.changes.map((c, i) => ({ c, i }));
  const applied = indexed.filter(({ c }) => tierOf(c) === 'applied');
  const keep = new Set([
    ...applied.filter(({ i }) => accepted.has(i)).map(({ c }) => c.path),
    ...Object.keys(d.edits).filter((p) => applied.some(({ c }) => c.path === p)),
  ]);
  const taken = indexed.filter(({ c, i }) => tierOf(c) === 'suggested' && (accepted.has(i) || c.path in d.edits));
  const suggestions = [...new Set(taken.map(({ c, i }) => numberOf(c, i)))].sort((a, b) => a - b);
  if (keep.size === 0 && suggestions.length === 0 && d.restore.length === 0)
    throw new InvalidInput('nothing is accepted: accept at least one change, or reject the change set with a reason');
  return {
    ...narrowing(applied, keep, taken),
    ...(suggestions.length ? { accept: suggestions } : {}),
    ...(Object.keys(d.edits).length ? { edits: d.edits } : {}),
    ...(d.restore.length ? { restore: [...new Set(d.restore)] } : {}),
    ...(d.comment ? { comment: d.comment } : {}),
  };
}

type Indexed = { c: ReviewedChangeSet['changes'][number]; i: number };

function numberOf(c: Indexed['c'], i: number): number {
  if (c.suggestion === undefined) throw new InvalidInput(`decision: change ${i} is a suggestion without a number`);
  return c.suggestion;
}

/**
 * `--only` for the applied changes kept: none when all are. Keeping none of them while accepting suggestions
 * is said with the suggestions' own paths, which narrow the applied tier to nothing only where it has no
 * change of its own.
 */
function narrowing(applied: Indexed[], keep: Set<string>, taken: Indexed[]): Pick<Approval, 'onlyPaths'> {
  if (applied.every(({ c }) => keep.has(c.path))) return {};
  if (keep.size > 0) return { onlyPaths: [...keep].sort() };
  if (taken.length === 0)
    throw new InvalidInput('decision: restoring sessions while accepting no change: accept the changes to keep too');
  const free = [...new Set(taken.map(({ c }) => c.path))].filter((p) => !applied.some(({ c }) => c.path === p));
  if (free.length === 0)
    throw new InvalidInput(
      `decision: suggestion ${taken.map(({ c }) => c.suggestion).join(', ')} is made over the applied change to ${taken[0]?.c.path ?? 'its file'}: accept that change too, or edit the file`,
    );
  return { onlyPaths: free.sort() };
}

/** The command a reviewer runs to send the same decision from a terminal (the read-only page shows it). */
export function commandFor(agent: string, changeSetId: string, d: PageDecision, approval?: Approval): string {
  const q = (s: string) => (/^[A-Za-z0-9_./@:=+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  const id = shortId(changeSetId);
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
