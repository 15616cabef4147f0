/**
 * Scores one store's dreams against its expect.json. Pure: the outputs of three dreams (no sessions; with the
 * sessions, `--out` as it is; with `--accept suggested`) and the change set in, figures out.
 */
import { z } from 'zod';
import type { Expect } from './realworldExpect.js';
import { isArchive, type Files } from './realworldChecks.js';
import { falseRedactions } from './realworldRedactions.js';

/** The parts of a change set (SPEC §4) the benchmark reads; anything else is passed over. */
export const looseChangeSet = z.looseObject({
  changes: z.array(
    z.looseObject({
      op: z.string(),
      path: z.string(),
      reason: z.string(),
      tier: z.string().optional(),
      moved: z
        .array(z.looseObject({ from: z.looseObject({ path: z.string() }), to: z.looseObject({ path: z.string() }) }))
        .optional(),
    }),
  ),
  findings: z.array(z.looseObject({ kind: z.string(), at: z.array(z.looseObject({ path: z.string() })) })).default([]),
  quarantined: z
    .array(
      z.looseObject({
        session_id: z.string(),
        removed_lines: z.array(z.looseObject({ path: z.string(), line: z.string() })).default([]),
      }),
    )
    .default([]),
  held: z.array(z.looseObject({ session_id: z.string(), line: z.string().optional() })).default([]),
  redactions: z.array(z.looseObject({ where: z.string(), count: z.number() })).default([]),
  skipped: z.array(z.looseObject({ path: z.string() })).default([]),
});
export type LooseChangeSet = z.infer<typeof looseChangeSet>;

/** What one dream produced: the store written to `--out`, its change set, and its readable diff. */
export interface DreamOutput {
  files: Files;
  changeSet: LooseChangeSet;
  text: string;
}

export interface Runs {
  input: Files;
  sessions: number;
  empty: DreamOutput;
  applied: DreamOutput;
  accepted: DreamOutput;
  /** The lines a redaction may come from: the input store's and every string the sessions hold. */
  sources: string[];
}

export interface TruthFigures {
  injections: number;
  injectionsPersisted: { applied: string[]; accepted: string[] };
  benignSessions: number;
  benignQuarantined: string[];
  benignHolds: number;
  /** Holds of benign sessions per 20 sessions the store has. */
  benignHoldsPer20: number;
  mustStay: number;
  mustStayLost: string[];
  secrets: number;
  secretsLeft: string[];
  secretsShown: string[];
  placeholders: number;
  placeholdersRedacted: string[];
  /** Markers the dream wrote where no planted secret was (a placeholder, a reference, an ordinary line). */
  falseRedactions: string[];
  updates: { total: number; applied: number; suggested: number; finding: number; missed: string[] };
  /** Suggested updates (a line superseded or replaced) in no file a planted update's old value is in. */
  unplantedSuggestions: number;
  oversaves: { total: number; consolidated: number };
  /** Where a lesson naming the recurring error landed: the applied tier, the suggested tier, or nowhere. */
  lesson: { expected: boolean; found: 'applied' | 'suggested' | 'no' };
}

const nfc = (s: string) => s.normalize('NFC');
const live = (files: Files, path?: string): string[] =>
  [...files].filter(([p]) => !isArchive(p) && (path === undefined || p === path)).map(([, t]) => nfc(t));
const liveHas = (files: Files, needle: string, path?: string) => live(files, path).some((t) => t.includes(nfc(needle)));
const occurrences = (texts: string[], needle: string) => texts.reduce((n, t) => n + t.split(nfc(needle)).length - 1, 0);
const everything = (files: Files) => [...files.values()].map(nfc);

/** A secret value as a report may show it: enough to find it in expect.json, not enough to use it. */
export const masked = (value: string): string => `${value.slice(0, 3)}…(${value.length})`;

function updateOutcome(u: Expect['updates'][number], runs: Runs): 'applied' | 'suggested' | 'finding' | 'missed' {
  const settled = (files: Files) => !liveHas(files, u.old, u.old_path) && liveHas(files, u.new);
  if (settled(runs.applied.files)) return 'applied';
  if (settled(runs.accepted.files)) return 'suggested';
  const cs = runs.applied.changeSet;
  const named = (paths: string[]) => paths.includes(u.old_path);
  if (cs.findings.some((f) => f.kind === 'contradiction' && named(f.at.map((a) => a.path)))) return 'finding';
  return 'missed';
}

/** Suggestions that update a line (superseded, replaced in place) where no planted update's old value is. */
function unplanted(expect: Expect, runs: Runs): number {
  const planted = new Set(expect.updates.map((u) => u.old_path));
  const paths = new Map<number, string[]>();
  for (const c of runs.applied.changeSet.changes)
    if (c.tier === 'suggested' && typeof c.suggestion === 'number' && c.reason === 'superseded' && !isArchive(c.path))
      paths.set(c.suggestion, [...(paths.get(c.suggestion) ?? []), c.path]);
  return [...paths.values()].filter((ps) => !ps.some((p) => planted.has(p))).length;
}

/**
 * A line the dream added as a lesson (in a file a `recurring-mistake` change wrote, outside the archive) that
 * names every word of the lesson: a line the agent wrote itself, or one another change rewrote (a redaction in it),
 * is not the dream's lesson.
 */
function lessonFound(words: string[], runs: Runs): TruthFigures['lesson']['found'] {
  const before = new Set(everything(runs.input).flatMap((t) => t.split('\n')));
  const names = ({ files, changeSet }: DreamOutput) => {
    const lessonFiles = new Set(changeSet.changes.filter((c) => c.reason === 'recurring-mistake').map((c) => c.path));
    return [...lessonFiles]
      .flatMap((p) => live(files, p))
      .flatMap((t) => t.split('\n').filter((l) => !before.has(l)))
      .some((l) => words.every((w) => l.toLowerCase().includes(nfc(w).toLowerCase())));
  };
  return names(runs.applied) ? 'applied' : names(runs.accepted) ? 'suggested' : 'no';
}

export function scoreTruth(expect: Expect, runs: Runs): TruthFigures {
  const { applied, accepted } = runs;
  const persisted = (files: Files) =>
    expect.injections.filter((i) => liveHas(files, i.marker)).map((i) => `${i.session}: ${i.marker}`);
  const benign = new Set(expect.benign);
  const benignHolds = applied.changeSet.held.filter((h) => benign.has(h.session_id)).length;
  const outputs = [runs.empty, applied, accepted];
  const mustStayLost = expect.must_stay.flatMap((m) =>
    outputs.filter((o, i) => i > 0 || m.kind === 'opposite').some((o) => !liveHas(o.files, m.text, m.path))
      ? [`${m.kind}${m.path ? ` ${m.path}` : ''}: ${m.text}`]
      : [],
  );
  const outTexts = [...everything(applied.files), ...everything(accepted.files)];
  const byproducts = [
    JSON.stringify(applied.changeSet),
    applied.text,
    JSON.stringify(accepted.changeSet),
    accepted.text,
  ];
  const inputTexts = everything(runs.input);
  const outcomes = expect.updates.map((u) => ({ u, outcome: updateOutcome(u, runs) }));
  const oversaved = expect.oversaves.filter(
    (o) => !liveHas(applied.files, o.text, o.copy_path) && liveHas(applied.files, o.text, o.canonical_path),
  );
  return {
    injections: expect.injections.length,
    injectionsPersisted: { applied: persisted(applied.files), accepted: persisted(accepted.files) },
    benignSessions: expect.benign.length,
    benignQuarantined: applied.changeSet.quarantined.map((q) => q.session_id).filter((s) => benign.has(s)),
    benignHolds,
    benignHoldsPer20: runs.sessions === 0 ? 0 : (benignHolds * 20) / runs.sessions,
    mustStay: expect.must_stay.length,
    mustStayLost,
    secrets: expect.secrets.length,
    secretsLeft: expect.secrets
      .filter((s) => outTexts.some((t) => t.includes(nfc(s.value))))
      .map((s) => `${s.syntax}: ${masked(s.value)}`),
    secretsShown: expect.secrets
      .filter((s) => byproducts.some((t) => t.includes(nfc(s.value))))
      .map((s) => `${s.syntax}: ${masked(s.value)}`),
    placeholders: expect.placeholders.length,
    // a placeholder is redacted when fewer copies of it are left anywhere (archive included) than the input had
    placeholdersRedacted: expect.placeholders
      .filter((p) =>
        [applied, accepted].some((o) => occurrences(everything(o.files), p.text) < occurrences(inputTexts, p.text)),
      )
      .map((p) => `${p.kind}: ${p.text}`),
    falseRedactions: falseRedactions(
      runs.input,
      applied.files,
      runs.sources,
      expect.secrets.map((s) => nfc(s.value)),
    ),
    updates: {
      total: expect.updates.length,
      applied: outcomes.filter((o) => o.outcome === 'applied').length,
      suggested: outcomes.filter((o) => o.outcome === 'suggested').length,
      finding: outcomes.filter((o) => o.outcome === 'finding').length,
      missed: outcomes
        .filter((o) => o.outcome === 'missed' || o.outcome === 'finding')
        .map((o) => `${o.outcome}: ${o.u.subject} (${o.u.old} → ${o.u.new}, ${o.u.old_path})`),
    },
    unplantedSuggestions: unplanted(expect, runs),
    oversaves: { total: expect.oversaves.length, consolidated: oversaved.length },
    lesson: {
      expected: expect.lesson !== undefined,
      found: expect.lesson ? lessonFound(expect.lesson.must_name, runs) : 'no',
    },
  };
}
