import { z } from 'zod';
import { findingSchema, reasons, type Change, type DroppedChange, type Finding } from '../../memory/changeSet.js';
import { defaultLimits, type StoreLimits } from '../../memory/limits.js';
import { pathProblem, prefixConflict } from '../../memory/paths.js';
import { MemoryStore } from '../../memory/store.js';
import type { SessionDigest } from '../../sessions/digest.js';
import { structureHarm } from '../harm.js';
import { shortId } from '../../names/ids.js';

/** Reasons a model may give; `redact` and `quarantine` belong to screening, never to a dreamer. */
const modelReasons = z.enum(reasons).exclude(['redact', 'quarantine']);

/** One proposed edit, as the `propose_changes` tool takes it (SPEC §4's change shape). */
export const proposedChange = z
  .object({
    op: z.enum(['create', 'update', 'delete', 'rename']),
    path: z.string().describe('the file, starting with /'),
    new_path: z.string().optional().describe('rename only: the new path'),
    before_sha256: z.string().optional().describe('update, delete, rename: the sha256 printed with the file'),
    after: z.string().optional().describe('create, update: the full new content'),
    reason: modelReasons,
    detail: z.string().min(1).describe('one line for a reviewer; for a removal, where the information went'),
    evidence: z
      .array(z.object({ session_id: z.string(), event_id: z.string() }))
      .describe('the session and event ids this change rests on, as printed'),
  })
  .strict();

export const proposeChangesInput = z.object({
  changes: z.array(z.unknown()),
  findings: z.array(z.unknown()).optional(),
});

/** The JSON schema of the `propose_changes` tool, made from the same definition that validates it. */
export const proposeChangesSchema = z.toJSONSchema(
  z.object({
    changes: z.array(proposedChange),
    findings: z
      .array(findingSchema)
      .optional()
      .describe(
        'what you noticed but left for a reviewer: duplicates across files or sections, contradictions without evidence',
      ),
  }),
  { target: 'draft-7' },
) as { type: 'object'; [k: string]: unknown };

/** The model's findings that name real places of the store it was shown; the others are left out. */
export function validateFindings(raw: readonly unknown[], store: MemoryStore): Finding[] {
  const out: Finding[] = [];
  for (const item of raw.slice(0, 200)) {
    const f = findingSchema.safeParse(item);
    if (!f.success) continue;
    const real = f.data.at.every((a) => {
      const lines = store.get(a.path)?.split('\n');
      return lines !== undefined && a.line <= lines.length;
    });
    if (real) out.push({ ...f.data, detail: f.data.detail.slice(0, 300) });
  }
  return out;
}

export interface ValidationContext {
  /** The store the model was shown (redacted): hashes are checked against it. */
  store: MemoryStore;
  /** Paths whose contents the model saw; it may edit no other. */
  shown: ReadonlySet<string>;
  sessions: readonly SessionDigest[];
  limits?: StoreLimits;
}

export interface Validated {
  changes: Change[];
  dropped: DroppedChange[];
  candidate: MemoryStore;
}

const namedPaths = (detail: string) => [...detail.matchAll(/\/[^\s,;:)"'`]+/g)].map((m) => m[0].replace(/[.]$/, ''));

type Proposed = z.infer<typeof proposedChange>;

/** Why a well-formed change cannot stand against the store as shown, or undefined when it can. */
function changeProblem(
  c: Proposed,
  ctx: ValidationContext,
  touched: ReadonlySet<string>,
  files: ReadonlyMap<string, string>,
  limits: StoreLimits,
  events: ReadonlyMap<string, ReadonlySet<string>>,
): string | undefined {
  for (const p of [c.path, ...(c.new_path !== undefined ? [c.new_path] : [])]) {
    const problem = pathProblem(p);
    if (problem) return `path ${JSON.stringify(p)}: ${problem}`;
    if (touched.has(p)) return `${p} is changed more than once`;
  }
  const current = ctx.store.fileHash(c.path);
  if (c.op === 'create') {
    if (current !== undefined) return `create ${c.path}: the file exists (use update with its before_sha256)`;
  } else {
    if (current === undefined) return `${c.op} ${c.path}: no such file in the store`;
    if (!ctx.shown.has(c.path)) return `${c.op} ${c.path}: its contents were not shown, so it cannot be edited`;
    if (c.before_sha256 !== current)
      return `${c.op} ${c.path}: before_sha256 ${shortId(String(c.before_sha256))} is not the file's ${shortId(current)}`;
  }
  if ((c.op === 'create' || c.op === 'update') && c.after === undefined) return `${c.op} ${c.path}: no "after"`;
  if (c.op === 'rename' && (c.new_path === undefined || files.has(c.new_path)))
    return `rename ${c.path}: ${c.new_path === undefined ? 'no new_path' : `${c.new_path} exists`}`;
  if (c.after !== undefined && Buffer.byteLength(c.after, 'utf8') > limits.maxFileBytes)
    return `${c.path}: ${Buffer.byteLength(c.after, 'utf8')} bytes, over the ${limits.maxFileBytes}-byte limit`;
  // a file keeps its structure: front matter, headings, table rows, code blocks, parseable JSON/YAML
  if (c.op === 'update' || (c.op === 'rename' && c.after !== undefined)) {
    const harm = structureHarm(c.path, ctx.store.get(c.path)!, c.after!);
    if (harm.length > 0) return `${c.op} ${c.path}: ${harm.join('; ')}`;
  }
  for (const ev of c.evidence) {
    const ids = events.get(ev.session_id);
    if (!ids) return `evidence names session ${ev.session_id}, which the dream was not given`;
    if (!ids.has(ev.event_id))
      return `evidence names event ${ev.event_id}, which session ${ev.session_id} does not have`;
  }
  return undefined;
}

/** The store's files once `c` is applied to `files`, or why the result cannot be a store. */
function applied(c: Proposed, files: ReadonlyMap<string, string>, limits: StoreLimits): Map<string, string> | string {
  const next = applyAll(files, [c as Change]);
  if (next.size > limits.maxFiles) return `${c.path}: the store would exceed ${limits.maxFiles} files`;
  const conflict = prefixConflict(next.keys());
  if (conflict) return `${conflict[0]} and ${conflict[1]} cannot both exist (a file is not a folder)`;
  return next;
}

/**
 * Checks a model's change set change by change: shape, paths, sizes, `before_sha256`, evidence pointing at
 * real session events, one change per path, and that nothing is removed without saying where it went.
 * An invalid change is dropped with the reason; the valid ones are applied to give the candidate.
 */
export function validateChanges(raw: readonly unknown[], ctx: ValidationContext): Validated {
  const limits = ctx.limits ?? defaultLimits;
  const events = new Map(ctx.sessions.map((s) => [s.sessionId, new Set(s.eventIds)]));
  const dropped: DroppedChange[] = [];
  const accepted: Change[] = [];
  const touched = new Set<string>();
  let files = new Map(ctx.store.files);

  raw.forEach((item, i) => {
    const drop = (why: string) => {
      const c = item as { path?: unknown; op?: unknown };
      dropped.push({
        ...(typeof c?.path === 'string' ? { path: c.path } : {}),
        ...(typeof c?.op === 'string' ? { op: c.op } : {}),
        why: `change ${i + 1}: ${why}`,
      });
    };
    const parsed = proposedChange.safeParse(item);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return drop(`${issue.path.join('.') || 'change'}: ${issue.message}`);
    }
    const c = parsed.data;
    const problem = changeProblem(c, ctx, touched, files, limits, events);
    if (problem) return drop(problem);
    const next = applied(c, files, limits);
    if (typeof next === 'string') return drop(next);
    for (const p of [c.path, ...(c.new_path ? [c.new_path] : [])]) touched.add(p);
    files = next;
    const current = ctx.store.fileHash(c.path);
    accepted.push({
      op: c.op,
      path: c.path,
      ...(c.new_path !== undefined ? { new_path: c.new_path } : {}),
      ...(c.op !== 'create' ? { before_sha256: current! } : {}),
      ...(c.after !== undefined ? { after: c.after } : {}),
      reason: c.reason,
      detail: c.detail,
      evidence: c.evidence,
    });
  });
  const kept = explainedRemovals(accepted, ctx.store, files, dropped);
  return withoutConflicts(kept, ctx.store, limits, dropped);
}

/** A removal must say where the information went, and that place must exist once the set is applied. */
function explainedRemovals(
  accepted: readonly Change[],
  store: MemoryStore,
  files: ReadonlyMap<string, string>,
  dropped: DroppedChange[],
): Change[] {
  const kept: Change[] = [];
  for (const c of accepted) {
    const before = store.get(c.path);
    const removed =
      c.op === 'delete' || (c.op === 'update' && before !== undefined && lostLines(before, c.after!).length > 0);
    const where = namedPaths(c.detail).filter((p) => files.has(p));
    const explained = where.length > 0 || (c.op === 'update' && (c.reason === 'superseded' || c.reason === 'stale'));
    if (removed && !explained) {
      dropped.push({
        path: c.path,
        op: c.op,
        why: `${c.op} ${c.path} removes information without naming where it went (detail: ${JSON.stringify(c.detail)})`,
      });
      continue;
    }
    kept.push(c);
  }
  return kept;
}

/** A removal dropped above can leave a file where a kept change made a folder: that change drops too. */
function withoutConflicts(
  kept: Change[],
  store: MemoryStore,
  limits: StoreLimits,
  dropped: DroppedChange[],
): Validated {
  for (;;) {
    const result = applyAll(store.files, kept);
    const conflict = prefixConflict(result.keys());
    if (!conflict)
      return { changes: kept, dropped, candidate: MemoryStore.from(result, limits, 'the model change set') };
    const i = kept.findIndex((c) => conflict.includes(c.new_path ?? c.path) && c.op !== 'delete');
    if (i === -1) throw new Error(`validation left ${conflict.join(' and ')} both in the store`); // unreachable
    const [c] = kept.splice(i, 1);
    dropped.push({
      path: c!.path,
      op: c!.op,
      why: `${conflict[0]} and ${conflict[1]} cannot both exist once the other drops are made`,
    });
  }
}

function applyAll(from: ReadonlyMap<string, string>, changes: readonly Change[]): Map<string, string> {
  const files = new Map(from);
  for (const c of changes) {
    if (c.op === 'delete') files.delete(c.path);
    else if (c.op === 'rename') {
      files.set(c.new_path!, c.after ?? files.get(c.path)!);
      files.delete(c.path);
    } else files.set(c.path, c.after!);
  }
  return files;
}

/** Non-blank lines of `before` that `after` no longer has. */
function lostLines(before: string, after: string): string[] {
  const now = new Set(after.split('\n').map((l) => l.trim()));
  return before.split('\n').filter((l) => l.trim() !== '' && !now.has(l.trim()));
}
