import { diffArrays } from 'diff';
import type { Quarantine } from '../memory/changeSet.js';
import { isArchivePath } from '../memory/paths.js';
import { defaultLimits } from '../memory/limits.js';
import { MemoryStore } from '../memory/store.js';
import { overlap, wordsOf, type SessionDigest } from '../sessions/digest.js';
import { detectInjection, hasHiddenCharacters, redactSecrets } from '../sessions/screen.js';
import type { DreamInput, PreparedInput } from './dreamer.js';
import { Ledger } from './ledger.js';
import { withoutLines } from './markdown.js';
import { isFactLine, normalizeLine } from './text.js';

export interface Prepared extends PreparedInput {
  redactions: { where: string; kind: string; count: number }[];
  /** Files the dream cannot take (kept byte for byte beside the candidate): no dreamer may write them. */
  skippedPaths: string[];
}

/**
 * For each path whose lines screening took out or joined (a quarantined line, a multi-line key redacted):
 * the input's line number of each line of the prepared file, so a change set names lines as the input has them.
 */
function lineMap(input: string, prepared: string): number[] {
  const out: number[] = [];
  let line = 0;
  for (const part of diffArrays(input.split('\n'), prepared.split('\n'))) {
    if (part.removed) line += part.count ?? part.value.length;
    else if (part.added) for (let i = 0; i < (part.count ?? part.value.length); i++) out.push(line);
    else for (let i = 0; i < (part.count ?? part.value.length); i++) out.push(++line);
  }
  return out;
}

/**
 * Sanitizes before the dream: secrets in the store and sessions are redacted, sessions with instruction-like
 * text from outside are quarantined (left out of the dream), and of the memory lines such a session wrote,
 * those that carry the flagged content leave the store for the quarantine report. Its other writes stay.
 */
export async function prepare(input: DreamInput): Promise<Prepared> {
  const ledger = new Ledger();
  const redactions: Prepared['redactions'] = [];
  const files = new Map<string, string>();
  for (const [path, content] of input.store.files) {
    const r = await redactSecrets(content);
    for (const [kind, count] of Object.entries(r.found)) {
      redactions.push({ where: path, kind, count });
      ledger.note(path, 'redact', `redact: ${count} ${kind} replaced in place`);
    }
    files.set(path, r.text);
  }
  for (const s of input.sessions.sessions) {
    for (const [kind, count] of Object.entries(s.secrets)) redactions.push({ where: s.sessionId, kind, count });
  }

  const kept: SessionDigest[] = [];
  const flagged: SessionDigest[] = [];
  for (const s of input.sessions.sessions) (s.injection ? flagged : kept).push(s);

  // a line a clean session also wrote to the same path is that session's too, and stays
  const cleanWrites = new Set<string>();
  for (const s of kept)
    for (const w of s.memoryWrites) for (const l of w.lines) cleanWrites.add(`${w.path}\0${normalizeLine(l)}`);

  const quarantined: Quarantine[] = [];
  for (const s of flagged) {
    const inj = s.injection!;
    const q: Quarantine = {
      session_id: s.sessionId,
      reason: `instruction-like text (${inj.detector}) in ${inj.source}, event ${inj.eventId}: "${inj.excerpt}"`,
      event_id: inj.eventId,
      removed_lines: [],
    };
    const carries = carrier(s);
    const written = new Map<string, Set<string>>();
    for (const w of s.memoryWrites) {
      if (w.at < inj.at && !inj.lines) continue; // written before the flagged text arrived
      const set = written.get(w.path) ?? new Set<string>();
      for (const l of w.lines) if (isFactLine(l) && carries(l)) set.add(normalizeLine(l));
      written.set(w.path, set);
    }
    for (const [path, norms] of written) {
      const content = files.get(path);
      if (content === undefined || isArchivePath(path) || norms.size === 0) continue;
      const lines = content.split('\n');
      const drop = new Set<number>();
      lines.forEach((line, i) => {
        const n = normalizeLine(line);
        if (isFactLine(line) && norms.has(n) && !cleanWrites.has(`${path}\0${n}`)) {
          q.removed_lines.push({ path, line });
          drop.add(i);
        }
      });
      const removed = drop.size;
      const keep = withoutLines(lines, drop);
      if (removed > 0) {
        files.set(path, keep.join('\n'));
        ledger.note(
          path,
          'quarantine',
          `quarantine: ${removed} line(s) of ${s.sessionId} carrying its flagged text removed (see quarantined)`,
          [{ session_id: s.sessionId, event_id: inj.eventId }],
          [],
          `quarantine: ${removed} line(s) of ${s.sessionId}`,
        );
      }
    }
    quarantined.push(q);
  }
  const maps = new Map<string, number[]>();
  for (const [path, content] of files)
    if (content.split('\n').length !== input.store.get(path)!.split('\n').length)
      maps.set(path, lineMap(input.store.get(path)!, content));
  return {
    agentId: input.agentId,
    inputLine: (path, line) => maps.get(path)?.[line - 1] ?? line,
    store: MemoryStore.from(files, input.limits ?? defaultLimits),
    sessions: kept,
    quarantined,
    redactions,
    ledger,
    skippedPaths: [...input.store.skipped.keys()],
  };
}

/**
 * Does a line a quarantined session wrote carry the flagged content: it is itself instruction-like (read as
 * text from outside), hides characters, is one of the flagged lines of a memory write, repeats an address
 * or identifier of the flagged text that the user did not say, or restates most of the flagged text.
 */
function carrier(s: SessionDigest): (line: string) => boolean {
  const inj = s.injection!;
  const said = s.userStatements.map((u) => u.text.toLowerCase()).join('\n');
  const tokens = inj.tokens.filter((t) => !said.includes(t));
  const flaggedLines = new Set((inj.lines ?? []).map(normalizeLine));
  return (line) => {
    if (flaggedLines.has(normalizeLine(line))) return true;
    if (hasHiddenCharacters(line) || detectInjection(line, true)) return true;
    const lower = line.toLowerCase();
    if (tokens.some((t) => lower.includes(t))) return true;
    // the flagged order in the agent's own words: most of the line is said there
    return wordsOf(line).length >= 4 && overlap(line, inj.context) >= 0.6;
  };
}
