/**
 * The suggested tier of a change set: each suggestion a dreamer made, checked as the applied tier is (do no
 * harm, no line without a trace, no refused text) and written as changes against the input store.
 */
import type { Change, DroppedChange } from '../memory/changeSet.js';
import type { MemoryStore } from '../memory/store.js';
import type { Suggestion } from './dreamer.js';
import { screenDocument } from './guard.js';
import { StoreLines, structureHarm, untracedLines } from './harm.js';
import { breather } from '../util/concurrency.js';

/** Why a suggestion may not be offered, or undefined when it may. */
async function problemOf(
  s: Suggestion,
  base: MemoryStore,
  proposed: MemoryStore,
  applied: MemoryStore,
  known: ReadonlySet<string>,
  appliedLines: StoreLines,
): Promise<string | undefined> {
  for (const [path, after] of s.files) {
    // made on an applied change that was dropped or refused: accepting it would bring that change back
    if (proposed.get(path) !== applied.get(path)) return `${path}: the applied change it is made on was dropped`;
    const before = base.get(path);
    const harm = before === undefined ? [] : structureHarm(path, before, after, true);
    if (harm.length > 0) return `${path}: ${harm.join('; ')}`;
    const refused = await screenDocument(path, after, known);
    if (refused) return refused;
  }
  const everywhere = appliedLines.with(s.files);
  for (const path of s.files.keys()) {
    const before = base.get(path);
    if (before === undefined) continue;
    const moved = new Set((s.explain.get(path)?.moved ?? []).map((m) => m.from.line));
    const untraced = untracedLines(before, everywhere).filter((l) => !moved.has(l.line));
    if (untraced.length > 0) return `${path}: removes line ${untraced[0]!.line} without a trace of where it went`;
  }
  return undefined;
}

/**
 * The suggested changes, numbered from 1, against `input` (the store the change set is made from); a
 * suggestion that fails a check is dropped whole, with why. `base` is the store the dreamer read (secrets
 * redacted), `proposed` the dreamer's applied tier and `applied` what of it survived the checks.
 */
export async function suggestedChanges(
  input: MemoryStore,
  base: MemoryStore,
  proposed: MemoryStore,
  applied: MemoryStore,
  suggestions: readonly Suggestion[],
): Promise<{ changes: Change[]; dropped: DroppedChange[] }> {
  const known = new Set<string>();
  for (const content of base.files.values()) for (const line of content.split('\n')) known.add(line.trim());
  const changes: Change[] = [];
  const dropped: DroppedChange[] = [];
  const appliedLines = new StoreLines(applied.files);
  let n = 0;
  const breathe = breather();
  for (const s of suggestions) {
    await breathe(); // each check parses the suggestion's files: heartbeats go out between them
    const problem = await problemOf(s, base, proposed, applied, known, appliedLines);
    if (problem) {
      dropped.push({ why: `suggestion dropped: ${problem}` });
      continue;
    }
    n++;
    for (const [path, after] of [...s.files].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const why = s.explain.get(path) ?? { reason: 'reorganize' as const, detail: 'suggested', evidence: [] };
      const hash = input.fileHash(path);
      changes.push({
        op: hash === undefined ? 'create' : 'update',
        path,
        ...(hash === undefined ? {} : { before_sha256: hash }),
        after,
        reason: why.reason,
        detail: why.detail,
        evidence: why.evidence,
        ...(why.moved?.length ? { moved: why.moved } : {}),
        tier: 'suggested',
        suggestion: n,
      });
    }
  }
  return { changes, dropped };
}
