/**
 * What screening takes out of a store before any dreamer sees it: the lines sessions wrote whose text came
 * from outside with a destination or an order in it (held), and nothing else of those sessions. A held line
 * goes to the change set's `held` with its source and reason, and to `/archive/<path>` with the same note
 * (unless the guard would refuse its text anywhere in a store); `approve --restore <session>` puts it back.
 */
import type { Held, Move, Quarantine } from '../memory/changeSet.js';
import { isArchivePath } from '../memory/paths.js';
import { destinationsIn, knownKeys } from '../sessions/destinations.js';
import { detectInjection } from '../sessions/injection.js';
import { redactKnown } from '../sessions/secrets.js';
import type { HeldLine, SessionDigest } from '../sessions/digest.js';
import type { Ledger } from './ledger.js';
import { withoutLines } from './markdown.js';
import { archiveHeader } from './rewrite.js';
import { isFactLine, normalizeLine } from './text.js';
import { danglingComma, unitAround } from './units.js';

/** A held line as the store had it: where it was, for the archive note and the change set's `moved`. */
export interface TakenLine {
  sessionId: string;
  hold: HeldLine;
  path: string;
  /** The line as the store has it. */
  text: string;
  /** 1-based, in the input store. */
  line: number;
  section: string;
}

const key = (path: string, line: string) => `${path}\0${normalizeLine(line)}`;

/** Destinations the store names in lines no session wrote: a hold made only of those is released. */
function storeDestinations(files: ReadonlyMap<string, string>, sessions: readonly SessionDigest[]): Set<string> {
  const written = new Set(sessions.flatMap((s) => s.memoryWrites.flatMap((w) => w.lines.map((l) => key(w.path, l)))));
  const out = new Set<string>();
  for (const [path, content] of files) {
    if (isArchivePath(path)) continue;
    for (const line of content.split('\n'))
      if (!written.has(key(path, line))) for (const d of destinationsIn(line)) for (const k of knownKeys(d)) out.add(k);
  }
  return out;
}

/** The holds that stand: structural ones, and those whose destinations the store did not already name. */
export function standingHolds(
  files: ReadonlyMap<string, string>,
  sessions: readonly SessionDigest[],
): Map<SessionDigest, HeldLine[]> {
  // every line of the store is read for destinations only when a hold could be released by them
  const released = sessions.some((s) => s.held.some((h) => !h.structural));
  const known = released ? storeDestinations(files, sessions) : new Set<string>();
  const out = new Map<SessionDigest, HeldLine[]>();
  for (const s of sessions) {
    const stand = s.held.filter((h) => h.structural || h.destinations.some((d) => !known.has(d)));
    if (stand.length > 0) out.set(s, stand);
  }
  return out;
}

const sectionAt = (lines: readonly string[], i: number): string => {
  for (let j = i; j >= 0; j--) {
    const m = /^#{1,6}\s+(.*)$/.exec(lines[j]!);
    if (m) return m[1]!.trim();
  }
  return '';
};

/**
 * Takes the standing held lines out of `files` (in place). A line another session also wrote to the same
 * path without a hold is that session's too, and stays. Returns what was taken, the change set's `held`,
 * and the quarantined sessions (a held line raised by a phrase signal) with their taken lines.
 */
export function takeHeld(
  files: Map<string, string>,
  sessions: readonly SessionDigest[],
  ledger: Ledger,
): { taken: TakenLine[]; held: Held[]; quarantined: Quarantine[] } {
  const holds = standingHolds(files, sessions);
  const clean = new Set<string>();
  for (const s of sessions)
    for (const w of s.memoryWrites)
      for (const l of w.lines)
        if (!(holds.get(s) ?? []).some((h) => h.eventId === w.eventId && h.path === w.path && h.line === l))
          clean.add(key(w.path, l));
  const taken: TakenLine[] = [];
  for (const [s, hs] of holds) {
    const byPath = new Map<string, HeldLine[]>();
    for (const h of hs) if (!isArchivePath(h.path)) byPath.set(h.path, [...(byPath.get(h.path) ?? []), h]);
    for (const [path, list] of byPath) {
      const content = files.get(path);
      if (content === undefined) continue;
      const lines = content.split('\n');
      const drop = new Set<number>();
      const uncomma = new Set<number>();
      let trimmed = 0;
      lines.forEach((text, i) => {
        const h = list.find((x) => normalizeLine(x.line) === normalizeLine(text));
        if (!h || drop.has(i) || !isFactLine(text) || clean.has(key(path, text))) return;
        if (h.kept !== undefined) {
          // only some sentences held: the line stays without them, and goes whole to the archive
          lines[i] = h.kept;
          trimmed++;
          taken.push({ sessionId: s.sessionId, hold: h, path, text, line: i + 1, section: sectionAt(lines, i) });
          return;
        }
        // the whole record, row or entry the line belongs to: no half of it left asserting what was held
        const [from, to] = unitAround(lines, i);
        for (let j = from; j <= to; j++) drop.add(j);
        const comma = danglingComma(lines, from, to);
        if (comma !== undefined) uncomma.add(comma);
        const unit = lines.slice(from, to + 1).join('\n');
        taken.push({ sessionId: s.sessionId, hold: h, path, text: unit, line: from + 1, section: sectionAt(lines, i) });
      });
      if (drop.size + trimmed === 0) continue;
      for (const j of uncomma) if (!drop.has(j)) lines[j] = lines[j]!.replace(/,(\s*)$/, '$1');
      files.set(path, withoutLines(lines, drop).join('\n'));
      const raised = s.injection ? 'quarantine' : 'hold';
      const what = `${drop.size} line(s)${trimmed ? ` and sentences of ${trimmed}` : ''} of ${s.sessionId}`;
      ledger.note(
        path,
        raised,
        `${raised}: ${what} whose text came from outside held for a reviewer (see held)`,
        [...new Set(list.map((h) => h.eventId))].map((event_id) => ({ session_id: s.sessionId, event_id })),
        [],
        `${raised}: ${what}`,
      );
    }
  }
  const held: Held[] = taken.map((t) => ({
    session_id: t.sessionId,
    event_id: t.hold.eventId,
    path: t.path,
    line: t.text,
    ...(t.hold.kept !== undefined ? { kept: t.hold.kept } : {}),
    source: t.hold.source,
    // the reason names the destinations it saw in the session's text as written: never a secret among them
    reason: redactKnown(t.hold.reason).text,
  }));
  const quarantined: Quarantine[] = sessions
    .filter((s) => s.injection)
    .map((s) => ({
      session_id: s.sessionId,
      reason: `instruction-like text (${s.injection!.detector}) in ${s.injection!.source}, event ${s.injection!.eventId}: "${s.injection!.excerpt}"`,
      event_id: s.injection!.eventId,
      removed_lines: taken.filter((t) => t.sessionId === s.sessionId).map((t) => ({ path: t.path, line: t.text })),
    }));
  return { taken, held, quarantined };
}

/**
 * Lines the agent wrote in its own words (no outside text traced into them) that read as an order to obey:
 * a phrase alone holds nothing, so they stay, and a reviewer is told (`findings`, kind `instruction`).
 */
export function reportInstructions(
  files: ReadonlyMap<string, string>,
  sessions: readonly SessionDigest[],
  ledger: Ledger,
): void {
  let reported = 0;
  for (const s of sessions)
    for (const w of s.memoryWrites)
      w.lines.forEach((line, i) => {
        if (reported >= 50 || w.origins[i]?.kind !== 'agent' || s.held.some((h) => h.line === line)) return;
        const f = detectInjection(line, true);
        if (!f || f.detector === 'memory-directive') return;
        const lines = (files.get(w.path) ?? '').split('\n');
        const at = lines.findIndex((l) => normalizeLine(l) === normalizeLine(line));
        if (at === -1) return;
        reported++;
        ledger.find({
          kind: 'instruction',
          detail: `${s.sessionId} wrote it in its own words (no outside source found) and it reads as an instruction (${f.detector}): "${f.excerpt}"; left for a reviewer`,
          at: [{ path: w.path, section: sectionAt(lines, at), line: at + 1 }],
        });
      });
}

/** A session's writes without its held lines. */
function withoutHeld(s: SessionDigest): SessionDigest['memoryWrites'] {
  if (s.held.length === 0) return s.memoryWrites;
  const isHeld = (eventId: string, path: string, line: string) =>
    s.held.some((h) => h.eventId === eventId && h.path === path && h.line === line);
  const keptOf = (eventId: string, path: string, line: string) =>
    s.held.find((h) => h.eventId === eventId && h.path === path && h.line === line)?.kept;
  return s.memoryWrites.map((w) => {
    // a line held in part is the session's without the held sentences
    const lines = w.lines.map((l) => keptOf(w.eventId, w.path, l) ?? l);
    const keep = w.lines.map((l) => !isHeld(w.eventId, w.path, l) || keptOf(w.eventId, w.path, l) !== undefined);
    return { ...w, lines: lines.filter((_, i) => keep[i]), origins: w.origins.filter((_, i) => keep[i]) };
  });
}

/**
 * The sessions a dreamer learns from: held lines out of their writes; a quarantined session's writes, reads
 * and words out too (they may carry what the attack said), its tool calls kept: the error it saw is not
 * outside content, and still counts for lessons.
 */
export function sessionsForDreamers(sessions: readonly SessionDigest[]): SessionDigest[] {
  return sessions.map((s) =>
    s.injection
      ? { ...s, memoryWrites: [], memoryReads: [], userStatements: [] }
      : { ...s, memoryWrites: withoutHeld(s) },
  );
}

/**
 * The writes of quarantined sessions (held lines out), and nothing else of them: the lines they left in the
 * store are dated by them (a newer value may replace such a line) but are never evidence for a change.
 */
export function screenedOutWrites(sessions: readonly SessionDigest[]): SessionDigest[] {
  return sessions
    .filter((s) => s.injection)
    .map((s) => ({ ...s, memoryWrites: withoutHeld(s), memoryReads: [], userStatements: [], toolCalls: [] }));
}

/**
 * Puts each taken line in `/archive<path>` with where it was, where its text came from and why it was held,
 * after the dreamer and the guard: the dreamer never sees held text. A line the guard would refuse in any
 * store (an instruction, a secret, hidden characters) stays in the change set's `held` only.
 */
export async function archiveHeld(
  files: Map<string, string>,
  taken: readonly TakenLine[],
  ledger: Ledger,
  refusal: (text: string) => Promise<string | undefined>,
): Promise<void> {
  for (const t of taken) {
    const note = `  <!-- held from ${t.path} line ${t.line}${t.section ? ` ("${t.section.slice(0, 60)}")` : ''}: from ${t.hold.source}, ${t.sessionId} ${t.hold.eventId}${t.hold.kept !== undefined ? '; its other sentences stay there' : ''}; restore with approve --restore ${t.sessionId} -->`;
    if (await refusal(`${t.text}\n${note}`)) continue;
    const target = `/archive${t.path}`;
    const existing = (files.get(target) ?? archiveHeader(t.path)).replace(/\n*$/, '\n');
    files.set(target, `${existing}${t.text}\n${note}\n`);
    const move: Move = {
      from: { path: t.path, section: t.section, line: t.line },
      to: { path: target, section: '', line: existing.split('\n').length },
    };
    const evidence = [{ session_id: t.sessionId, event_id: t.hold.eventId }];
    ledger.note(t.path, t.hold.raised ? 'quarantine' : 'hold', `held lines moved to ${target}`, evidence, [move]);
    ledger.note(target, 'hold', `held lines of ${t.path} kept with their source until a reviewer decides`, evidence);
  }
}
