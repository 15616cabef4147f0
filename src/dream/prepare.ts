import { diffArrays } from 'diff';
import type { Held } from '../memory/changeSet.js';
import { defaultLimits } from '../memory/limits.js';
import { MemoryStore } from '../memory/store.js';
import { redactFile } from '../sessions/redactFile.js';
import { mergeCounts, redactCopies, standsAlone, type Redaction } from '../sessions/screen.js';
import { breather } from '../util/concurrency.js';
import type { DreamInput, PreparedInput } from './dreamer.js';
import { reportInstructions, screenedOutWrites, sessionsForDreamers, takeHeld, type TakenLine } from './held.js';
import { Ledger } from './ledger.js';

export interface Prepared extends PreparedInput {
  redactions: { where: string; kind: string; count: number }[];
  /** Files the dream cannot take (kept byte for byte beside the candidate): no dreamer may write them. */
  skippedPaths: string[];
  /** Held lines: reported in the change set, archived after the dream; no dreamer may put them back. */
  held: Held[];
  taken: TakenLine[];
}

/**
 * For each path whose lines screening took out or joined (a held line, a multi-line key redacted):
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
 * A store with its secrets redacted: each file by the rules, then every other copy of a value found anywhere
 * in the store, or handed over in a session (`handed`: fingerprints), in every file.
 */
export async function redactStore(
  files: ReadonlyMap<string, string>,
  handed: ReadonlySet<string>,
): Promise<Map<string, Redaction>> {
  const values = new Set<string>();
  const first = new Map<string, Redaction>();
  const breathe = breather();
  for (const [path, content] of files) {
    first.set(path, await redactFile(content, values));
    await breathe(); // a cached redaction resolves at once: heartbeats need a turn of the event loop
  }
  // a value the store held is looked for elsewhere only when it is a secret by its own characters (standsAlone)
  const alone = new Set([...values].filter(standsAlone));
  const out = new Map<string, Redaction>();
  for (const [path, r] of first) {
    const copies = redactCopies(r.text, alone, handed);
    const found = { ...r.found };
    mergeCounts(found, copies.found);
    out.set(path, { text: copies.text, found });
  }
  return out;
}

/**
 * Sanitizes before the dream: secrets in the store and sessions are redacted (with the tokens users handed
 * over), and the lines sessions wrote whose text came from outside with a destination or an order in it are
 * held: taken out of the store for the change set's `held` (and, after the dream, `/archive/`). Nothing else
 * of those sessions leaves; a session whose held text a phrase signal raised is quarantined.
 */
export async function prepare(input: DreamInput): Promise<Prepared> {
  const ledger = new Ledger();
  const redactions: Prepared['redactions'] = [];
  const files = new Map<string, string>();
  const handed = new Set(input.sessions.sessions.flatMap((s) => s.handed));
  for (const [path, r] of await redactStore(input.store.files, handed)) {
    for (const [kind, count] of Object.entries(r.found)) {
      redactions.push({ where: path, kind, count });
      ledger.note(path, 'redact', `redact: ${count} ${kind} replaced in place`);
    }
    files.set(path, r.text);
  }
  for (const s of input.sessions.sessions) {
    for (const [kind, count] of Object.entries(s.secrets)) redactions.push({ where: s.sessionId, kind, count });
  }

  const { taken, held, quarantined } = takeHeld(files, input.sessions.sessions, ledger);
  reportInstructions(input.store.files, input.sessions.sessions, ledger);
  const maps = new Map<string, number[]>();
  for (const [path, content] of files)
    if (content.split('\n').length !== input.store.get(path)!.split('\n').length)
      maps.set(path, lineMap(input.store.get(path)!, content));
  return {
    agentId: input.agentId,
    inputLine: (path, line) => maps.get(path)?.[line - 1] ?? line,
    store: MemoryStore.from(files, input.limits ?? defaultLimits),
    sessions: sessionsForDreamers(input.sessions.sessions),
    untrusted: screenedOutWrites(input.sessions.sessions),
    quarantined,
    held,
    taken,
    redactions,
    ledger,
    skippedPaths: [...input.store.skipped.keys()],
  };
}
