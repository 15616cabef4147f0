import type { Quarantine } from '../memory/changeSet.js';
import { isArchivePath } from '../memory/paths.js';
import { MemoryStore } from '../memory/store.js';
import type { SessionDigest } from '../sessions/digest.js';
import { redactSecrets } from '../sessions/screen.js';
import type { DreamInput, PreparedInput } from './dreamer.js';
import { Ledger } from './ledger.js';
import { isFactLine, normalizeLine } from './text.js';

export interface Prepared extends PreparedInput {
  redactions: { where: string; kind: string; count: number }[];
}

/**
 * Sanitizes before the dream: secrets in the store and sessions are redacted, sessions with
 * instruction-like text are quarantined, and the memory lines those sessions wrote leave the store for
 * the quarantine report.
 */
export function prepare(input: DreamInput): Prepared {
  const ledger = new Ledger();
  const redactions: Prepared['redactions'] = [];
  const files = new Map<string, string>();
  for (const [path, content] of input.store.files) {
    const r = redactSecrets(content);
    for (const [kind, count] of Object.entries(r.found)) {
      redactions.push({ where: path, kind, count });
      ledger.note(path, 'redact', `redacted ${count} ${kind} (a secret never stays in memory)`);
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
    const q: Quarantine = {
      session_id: s.sessionId,
      reason: `instruction-like text in a tool result (${s.injection!.detector}): "${s.injection!.excerpt}"`,
      event_id: s.injection!.eventId,
      removed_lines: [],
    };
    const written = new Map<string, Set<string>>();
    for (const w of s.memoryWrites) {
      const set = written.get(w.path) ?? new Set<string>();
      for (const l of w.lines) if (isFactLine(l)) set.add(normalizeLine(l));
      written.set(w.path, set);
    }
    for (const [path, norms] of written) {
      const content = files.get(path);
      if (content === undefined || isArchivePath(path)) continue;
      const keep: string[] = [];
      for (const line of content.split('\n')) {
        const n = normalizeLine(line);
        if (isFactLine(line) && norms.has(n) && !cleanWrites.has(`${path}\0${n}`)) q.removed_lines.push({ path, line });
        else keep.push(line);
      }
      if (keep.length !== content.split('\n').length) {
        const removed = content.split('\n').length - keep.length;
        files.set(path, keep.join('\n'));
        ledger.note(
          path,
          'quarantine',
          `removed ${removed} line(s) written by quarantined session ${s.sessionId} (kept in the quarantine report)`,
          [{ session_id: s.sessionId, event_id: s.injection!.eventId }],
        );
      }
    }
    quarantined.push(q);
  }
  return { agentId: input.agentId, store: MemoryStore.from(files), sessions: kept, quarantined, redactions, ledger };
}
