/** The units of a store as the offline dreamer reads them: each with its keyed fact, its write, and what is decided about it. */
import type { Evidence, Place, Tier } from '../memory/changeSet.js';
import type { Anchored } from './anchors.js';
import type { PreparedInput } from './dreamer.js';
import type { MarkdownDocument, Unit } from './markdown.js';
import { normalizeLine, parseKeyedFact, type KeyedFact } from './text.js';
import { isJournal } from './values.js';

/** The session write that put a line in the store. */
export interface Written {
  at: number;
  sessionId: string;
  eventId: string;
  /** Written by a session screening left out, not in the user's words: dated, but no evidence for changing another line. */
  untrusted?: boolean;
}

/**
 * What a dream does to a unit, and how sure it is: taken out as a copy of `by` (which stays), moved to the
 * archive as superseded by `by`, or replaced in place by `text` (the newer value `by` states, in this line's
 * own wording) with the old line archived. Decisions of one suggestion share its `group` (0: applied).
 */
export interface Decision {
  kind: 'duplicate' | 'superseded' | 'replaced';
  by: Fact;
  text?: string;
  evidence: Evidence[];
  tier: Tier;
  group: number;
  /** The rare name the two lines share, when that is all that ties them (anchors.ts): said in the evidence. */
  anchor?: string;
}

export interface Fact extends Unit {
  /** The 1-based line the input store gives the unit's first and last line (screening may have taken lines out). */
  line: number;
  lastLine: number;
  /** Normalized text (a task item's state included: a done item and an open one differ). */
  norm: string;
  fact?: KeyedFact;
  written?: Written;
  decision?: Decision;
  /** A table row or a line of a code block (rows.ts, codeValues.ts): never taken out, only its value replaced in place as a suggestion. */
  row?: true;
  /** The names and values a code block's syntax gives the line (codeValues.ts), read instead of its words. */
  anchored?: Anchored[];
}

export const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
export const evidenceOf = (w?: Written): Evidence[] => (w ? [{ session_id: w.sessionId, event_id: w.eventId }] : []);
export const place = (f: Fact): Place => ({ path: f.path, section: f.section, line: f.line });
export const clipped = (s: string, n = 40) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
export const where = (f: Fact) => `line ${f.line}${f.section ? ` in "${clipped(f.section)}"` : ''}`;
/** A line with no write event is older than any that has one (SPEC §2). */
export const writtenAt = (f: Fact) => f.written?.at ?? -Infinity;
/** Oldest first (what no session wrote before all), then in document order. */
export const byAge = (a: Fact, b: Fact) =>
  writtenAt(a) - writtenAt(b) || (a.path < b.path ? -1 : a.path > b.path ? 1 : a.start - b.start);

/** Every statement of the store's markdown documents, dated by the session write that made it, if any. */
export function readFacts(docs: ReadonlyMap<string, MarkdownDocument>, input: PreparedInput): Fact[] {
  const byPathNorm = new Map<string, Written>();
  const byNorm = new Map<string, Written>();
  const remember = (map: Map<string, Written>, key: string, w: Written) => {
    const old = map.get(key);
    if (!old || old.at < w.at) map.set(key, w);
  };
  const sessions = [...input.sessions, ...(input.untrusted ?? []).map((s) => ({ ...s, untrusted: true }))];
  for (const s of sessions)
    for (const w of s.memoryWrites)
      w.lines.forEach((l, i) => {
        const n = normalizeLine(l);
        if (n === '') return;
        // a screened-out session's line traced to the user's own words is the user's: evidence like any other
        const untrusted = 'untrusted' in s && w.origins[i]?.kind !== 'user';
        const written: Written = {
          at: w.at,
          sessionId: s.sessionId,
          eventId: w.eventId,
          ...(untrusted ? { untrusted: true } : {}),
        };
        remember(byPathNorm, `${w.path}\0${n}`, written);
        // a write to a file that is gone (renamed, merged) still dates its lines wherever they are now; a write
        // to a file that exists dates only that file's lines (the same words elsewhere are another fact)
        if (!docs.has(w.path)) remember(byNorm, n, written);
      });
  const facts: Fact[] = [];
  for (const doc of docs.values())
    for (const u of doc.units) {
      const first = doc.lines[u.start]!;
      const norm = normalizeLine(u.text);
      if (!/[\p{L}\p{N}]/u.test(norm)) continue;
      const firstNorm = normalizeLine(first);
      const written = byPathNorm.get(`${u.path}\0${firstNorm}`) ?? byNorm.get(firstNorm);
      const fact = u.start === u.end ? parseKeyedFact(first) : undefined;
      facts.push({
        ...u,
        line: input.inputLine(u.path, u.start + 1),
        lastLine: input.inputLine(u.path, u.end + 1),
        norm,
        ...(fact ? { fact } : {}),
        ...(written ? { written } : {}),
      });
    }
  return facts;
}

/** Keyed lines a session's edit replaced, placed in the scope of the line that replaced them. */
export function replacedFacts(facts: readonly Fact[], input: PreparedInput): { scope: string; fact: KeyedFact }[] {
  const out: { scope: string; fact: KeyedFact }[] = [];
  for (const s of input.sessions)
    for (const w of s.memoryWrites) {
      if (w.replaced.length === 0) continue;
      const scope = facts.find((f) => f.path === w.path && f.written?.eventId === w.eventId)?.scope;
      if (scope === undefined) continue;
      for (const line of w.replaced) {
        const fact = parseKeyedFact(line);
        if (fact) out.push({ scope, fact });
      }
    }
  return out;
}

/**
 * Notes the sessions keep beside the store's own files: a journal (a date in its path), or one of a series
 * of files named alike but for their numbers (`notes/session-0012.md`, `notes/session-0013.md`). A fact saved
 * there again is over-saved: the store keeps it elsewhere.
 */
export function newNotes(facts: readonly Fact[]): Set<string> {
  const paths = new Set(facts.map((f) => f.path));
  const shape = (p: string) => p.replace(/\d+/g, '#');
  const siblings = new Map<string, number>();
  for (const p of paths)
    if (/\d/.test(p.slice(p.lastIndexOf('/')))) siblings.set(shape(p), (siblings.get(shape(p)) ?? 0) + 1);
  return new Set([...paths].filter((p) => isJournal(p) || (siblings.get(shape(p)) ?? 0) >= 2));
}
