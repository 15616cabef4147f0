/**
 * Decisions remembered line by line: what a reviewer edited away from a proposal, and what the owner wrote by
 * hand since the last promotion. A dream that would add a line a reviewer took out, or take out (rewrite,
 * archive, dedupe) a line a reviewer kept or the owner wrote, is held back until a newer session says it again.
 * Pure: no I/O.
 */
import type { Change } from '../memory/changeSet.js';
import type { Evidence } from '../memory/changeSet.js';
import type { MemoryStore } from '../memory/store.js';
import { isFactLine, normalizeLine } from './text.js';
import { shortId } from '../names/ids.js';

/** Who decided a line: a reviewer's edit of a proposal, or the owner's own hand on the store. */
export type LineAuthor = 'reviewer' | 'owner';

/** One line a decision keeps: `add`, the dream must not add it; `remove`, the dream must not take it out. */
export interface KeptLine {
  path: string;
  /** The line, normalized (`normalizeLine`): markup, case and spacing do not make it another line. */
  line: string;
  act: 'add' | 'remove';
  by: LineAuthor;
  /** The reviewer's name, or "the owner". */
  who: string;
  /** When it was decided (ISO 8601): a session that ended later is new evidence. */
  at: string;
  /** The change set the reviewer edited, or the one the last promotion wrote (the owner edited after it). */
  changeSetId: string;
}

/** The facts of a file, normalized: headings, rules and blank lines are structure, not decisions. */
const linesOf = (text: string | undefined): Set<string> =>
  new Set((text ?? '').split('\n').filter(isFactLine).map(normalizeLine));

const minus = (a: Set<string>, b: Set<string>) => [...a].filter((l) => !b.has(l));

/** What a file change adds and takes out, line by line (normalized, order and repeats aside). */
export function lineDelta(before: string | undefined, after: string | undefined) {
  const was = linesOf(before);
  const now = linesOf(after);
  return { added: minus(now, was), removed: minus(was, now) };
}

/**
 * What a reviewer's revision took from the proposals it approved: lines a proposal added that the approved
 * version of the file does not have (`add`), lines a proposal removed that it keeps (`remove`). A change the
 * reviewer left out whole (`--only`) is known by its fingerprint instead.
 */
export function editedAway(
  snapshot: MemoryStore,
  proposed: readonly Change[],
  approved: readonly Change[],
): { path: string; line: string; act: 'add' | 'remove' }[] {
  const out: { path: string; line: string; act: 'add' | 'remove' }[] = [];
  for (const c of proposed) {
    const kept = approved.find((x) => x.path === c.path && (x.tier ?? 'applied') === 'applied');
    if (!kept || kept.after === c.after || c.op === 'rename') continue;
    const { added, removed } = lineDelta(snapshot.get(c.path), c.after);
    const approvedLines = linesOf(kept.after);
    for (const line of added) if (!approvedLines.has(line)) out.push({ path: c.path, line, act: 'add' });
    for (const line of removed) if (approvedLines.has(line)) out.push({ path: c.path, line, act: 'remove' });
  }
  return out;
}

/**
 * The lines the owner wrote since the last promotion: in the store now (the snapshot) but not in the store that
 * promotion wrote, file by file. Archives are the dream's own files and are left out.
 */
export function ownerLines(promoted: MemoryStore, now: MemoryStore): { path: string; line: string }[] {
  const out: { path: string; line: string }[] = [];
  for (const [path, text] of now.files) {
    if (path.startsWith('/archive/')) continue;
    const was = promoted.get(path);
    if (was === text) continue;
    for (const line of minus(linesOf(text), linesOf(was))) out.push({ path, line });
  }
  return out;
}

/** A proposal made again over a kept line, and the newer sessions that make it. */
export interface LineOverride {
  kind: 'edited-away' | 'owner-edit';
  changeSetId: string;
  reviewer: string;
  at: string;
  sessions: string[];
}

export type LineJudgement =
  { kind: 'held'; why: string } | { kind: 'override'; override: LineOverride; note: string } | undefined;

const day = (iso: string) => iso.slice(0, 10);

function describe(k: KeptLine): string {
  const quoted = JSON.stringify(k.line.length > 60 ? `${k.line.slice(0, 57)}...` : k.line);
  return k.by === 'owner'
    ? `${quoted} was written by hand since the last promotion (change set ${shortId(k.changeSetId)})`
    : `${quoted} was ${k.act === 'add' ? 'taken out' : 'kept'} by ${k.who} on ${day(k.at)} (edit of change set ${shortId(k.changeSetId)})`;
}

/**
 * Whether a file change may go over the lines decisions keep: held when it crosses one and no session it cites
 * ended after that decision; otherwise an override naming the newest decision it crosses.
 */
export function judgeLines(
  path: string,
  before: string | undefined,
  after: string | undefined,
  kept: readonly KeptLine[],
  evidence: readonly Evidence[],
  endedAt: ReadonlyMap<string, number>,
): LineJudgement {
  const mine = kept.filter((k) => k.path === path);
  if (mine.length === 0) return undefined;
  const { added, removed } = lineDelta(before, after);
  const crossed = mine
    .filter((k) => (k.act === 'add' ? added : removed).includes(k.line))
    .sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
  const newest = crossed[0];
  if (!newest) return undefined;
  const cited = [...new Set(evidence.map((e) => e.session_id))];
  const newer = (k: KeptLine) => cited.filter((s) => (endedAt.get(s) ?? -Infinity) > Date.parse(k.at));
  const stale = crossed.find((k) => newer(k).length === 0);
  if (stale) return { kind: 'held', why: `${describe(stale)}; no session since says otherwise` };
  const sessions = newer(newest);
  const override: LineOverride = {
    kind: newest.by === 'owner' ? 'owner-edit' : 'edited-away',
    changeSetId: newest.changeSetId,
    reviewer: newest.who,
    at: newest.at,
    sessions,
  };
  const what = newest.by === 'owner' ? 'an owner edit' : `an edit by ${newest.who}`;
  return {
    kind: 'override',
    override,
    note: `overrides ${what}: ${describe(newest)}; new evidence in ${sessions.join(', ')}`,
  };
}
