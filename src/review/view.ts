/**
 * What the review desk shows of one pending change set, computed once on the server: a header (who, which
 * cycle, scores and the cases that changed, counts per tier), each change with its diff, tier, reason and
 * quoted evidence, and the held, quarantined and found lines. Every text a reviewer reads has been through
 * `maskSecrets`; nothing here is HTML (the page escapes and renders it).
 */
import { createTwoFilesPatch } from 'diff';
import type { Change, ChangeSet, Finding, Move, Place } from '../memory/changeSet.js';
import type { MemoryStore } from '../memory/store.js';
import { refKey, type EvidenceQuotes, type HeldLine, type Quote } from './evidence.js';
import { maskValues, redactionsAcross } from '../memory/mask.js';
import { maskSecrets } from './mask.js';

export type Tier = 'applied' | 'suggested';

/** A change set as SPEC §4 has it: tiers and held lines are optional until every dreamer writes them. */
export type ReviewedChangeSet = Omit<ChangeSet, 'changes'> & {
  changes: (Change & { tier?: Tier; suggestion?: number })[];
  held?: HeldLine[];
};

/** The pending cycle, as the command that serves the page knows it. */
export interface CycleHeader {
  fleet: string;
  agent: string;
  cycleId: string;
  workflowId: string;
  reviewDeadline?: string;
  baseline?: number;
  post?: number;
  delta?: number;
  reviewers: string[];
  signedDecisions: boolean;
}

/** An eval report's cases, as far as the desk reads them. */
export interface CaseOutcomes {
  cases: { id: string; passed: boolean; reasons?: string[] }[];
}

export interface ReviewInput {
  changeSetId: string;
  changeSet: ReviewedChangeSet;
  /** The snapshot the dream read: what each change changes. */
  base: MemoryStore;
  cycle: CycleHeader;
  evidence?: EvidenceQuotes;
  reports?: { baseline?: CaseOutcomes; post?: CaseOutcomes };
}

/** A cited event: its quote, or only its ids when no quote was recorded. */
export type Cited = Quote | { session_id: string; event_id?: string; missing: true };

export interface ChangeView {
  /** Its index in the change set: what a decision names. */
  index: number;
  op: Change['op'];
  path: string;
  newPath?: string;
  tier: Tier;
  /** A suggested change's number, shared by the changes of one suggestion: what `approve --accept` names. */
  suggestion?: number;
  reason: string;
  detail: string;
  /** Unified diff from the snapshot's file to the proposed one, both masked. */
  patch: string;
  /** The proposed content (masked), for editing and rendering; absent for a delete. */
  after?: string;
  evidence: Cited[];
  moved: Move[];
}

export interface FindingGroup {
  kind: Finding['kind'];
  path: string;
  items: { detail: string; at: Place[] }[];
}

export interface CaseChange {
  id: string;
  before?: boolean;
  after?: boolean;
  reasons: string[];
}

export interface ReviewView {
  header: CycleHeader & {
    changeSetId: string;
    dreamer: string;
    counts: Record<'applied' | 'suggested' | 'findings' | 'held' | 'quarantined' | 'redacted', number>;
    casesChanged: CaseChange[];
    evidenceRecorded: boolean;
  };
  changes: ChangeView[];
  findings: FindingGroup[];
  held: (HeldLine & { evidence?: Cited })[];
  quarantined: { session_id: string; reason: string; lines: { path: string; line: string }[]; evidence?: Cited }[];
  redactions: ChangeSet['redactions'];
  skipped: ChangeSet['skipped'];
  refused: ChangeSet['refused'];
}

/** Masks each distinct text once: a large set repeats many (details, quotes). */
function masker(): (text: string) => Promise<string> {
  const seen = new Map<string, Promise<string>>();
  return (text) => {
    let m = seen.get(text);
    if (!m) seen.set(text, (m = maskSecrets(text)));
    return m;
  };
}

/**
 * Every value the change set redacts anywhere, found once for the whole set (`redactionsAcross`, as the text
 * diff finds them): a redacted line may have moved to another file, or been held and archived.
 */
function redactedValues(cs: ReviewedChangeSet, base: MemoryStore): Map<string, string> {
  return redactionsAcross(
    cs.changes.flatMap((c) => base.get(c.path) ?? []),
    cs.changes.flatMap((c) => c.after ?? []),
  );
}

export const tierOf = (c: { tier?: Tier }): Tier => c.tier ?? 'applied';

/** The cases whose verdict differs between the baseline and the proposed store. */
export function casesChanged(reports: ReviewInput['reports']): CaseChange[] {
  const before = new Map((reports?.baseline?.cases ?? []).map((c) => [c.id, c]));
  const after = new Map((reports?.post?.cases ?? []).map((c) => [c.id, c]));
  const out: CaseChange[] = [];
  for (const id of new Set([...before.keys(), ...after.keys()])) {
    const b = before.get(id);
    const a = after.get(id);
    if (b?.passed === a?.passed) continue;
    out.push({
      id,
      ...(b ? { before: b.passed } : {}),
      ...(a ? { after: a.passed } : {}),
      reasons: a?.reasons ?? [],
    });
  }
  return out.sort((x, y) => Number(x.after ?? true) - Number(y.after ?? true) || (x.id < y.id ? -1 : 1));
}

function cited(evidence: EvidenceQuotes | undefined, ref: { session_id: string; event_id?: string }): Cited {
  return (
    evidence?.quotes[refKey(ref)] ?? {
      session_id: ref.session_id,
      ...(ref.event_id ? { event_id: ref.event_id } : {}),
      missing: true,
    }
  );
}

async function changeView(
  c: ReviewedChangeSet['changes'][number],
  index: number,
  input: ReviewInput,
  mask: (t: string) => Promise<string>,
): Promise<ChangeView> {
  const was = c.op === 'create' ? '' : (input.base.get(c.path) ?? '');
  // the values the change set redacts are masked first (the mask given knows them), then any other secret
  const before = await mask(was);
  const after = c.op === 'delete' ? '' : c.after === undefined ? before : await mask(c.after);
  // in git's form, so a renderer tells an added, deleted or renamed file from a changed one
  const from = c.op === 'create' ? '/dev/null' : `a${c.path}`;
  const to = c.op === 'delete' ? '/dev/null' : `b${c.new_path ?? c.path}`;
  const mode = c.op === 'create' ? 'new file mode 100644\n' : c.op === 'delete' ? 'deleted file mode 100644\n' : '';
  const body = createTwoFilesPatch(from, to, before, after, undefined, undefined, { context: 3 });
  const patch = `diff --git a${c.path} b${c.new_path ?? c.path}\n${mode}${body.slice(body.indexOf('\n') + 1)}`;
  return {
    index,
    op: c.op,
    path: c.path,
    ...(c.new_path ? { newPath: c.new_path } : {}),
    tier: tierOf(c),
    ...(tierOf(c) === 'suggested' && c.suggestion !== undefined ? { suggestion: c.suggestion } : {}),
    reason: c.reason,
    detail: await mask(c.detail),
    patch,
    ...(c.op === 'delete' ? {} : { after }),
    evidence: c.evidence.slice(0, 20).map((e) => cited(input.evidence, e)),
    moved: c.moved ?? [],
  };
}

async function findingGroups(findings: Finding[], mask: (t: string) => Promise<string>): Promise<FindingGroup[]> {
  const groups = new Map<string, FindingGroup>();
  for (const f of findings) {
    const path = f.at[0]!.path;
    const key = `${f.kind}\u0000${path}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { kind: f.kind, path, items: [] }));
    g.items.push({ detail: await mask(f.detail), at: f.at });
  }
  return [...groups.values()].sort((a, b) => (a.kind + a.path < b.kind + b.path ? -1 : 1));
}

export async function reviewView(input: ReviewInput): Promise<ReviewView> {
  const cs = input.changeSet;
  const secrets = masker();
  const values = redactedValues(cs, input.base);
  const mask = (text: string) => secrets(maskValues(text, values));
  const changes = await Promise.all(cs.changes.map((c, i) => changeView(c, i, input, mask)));
  const held = await Promise.all(
    (cs.held ?? []).map(async (h) => ({
      ...h,
      ...(h.line !== undefined ? { line: await mask(h.line) } : {}),
      ...(h.source !== undefined ? { source: await mask(h.source) } : {}),
      evidence: cited(input.evidence, h),
    })),
  );
  const quarantined = await Promise.all(
    cs.quarantined.map(async (q) => ({
      session_id: q.session_id,
      reason: await mask(q.reason),
      lines: await Promise.all(q.removed_lines.map(async (l) => ({ path: l.path, line: await mask(l.line) }))),
      evidence: cited(input.evidence, q),
    })),
  );
  return {
    header: {
      ...input.cycle,
      changeSetId: input.changeSetId,
      dreamer: cs.dreamer,
      counts: {
        applied: changes.filter((c) => c.tier === 'applied').length,
        // suggestions, as `review` and `approve --accept` count them (one may change a file and its archive)
        suggested: new Set(changes.filter((c) => c.tier === 'suggested').map((c) => c.suggestion ?? `#${c.index}`))
          .size,
        findings: cs.findings.length,
        held: held.length,
        quarantined: quarantined.length,
        redacted: cs.redactions.reduce((n, r) => n + r.count, 0),
      },
      casesChanged: casesChanged(input.reports),
      evidenceRecorded: input.evidence !== undefined,
    },
    changes,
    findings: await findingGroups(cs.findings, mask),
    held,
    quarantined,
    redactions: cs.redactions,
    skipped: cs.skipped,
    refused: cs.refused,
  };
}
