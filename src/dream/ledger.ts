import type { Evidence, Finding, Move, Reason } from '../memory/changeSet.js';

/** A reviewer reads a detail on one line: longer ones are cut, and the rest is in `moved`. */
export const maxDetail = 300;

/** The most important reason first: a safety removal, then what takes lines out, then edits in place and what was learned. */
const priority: Reason[] = [
  'quarantine',
  'hold',
  'superseded',
  'duplicate',
  'stale',
  'redact',
  'recurring-mistake',
  'workflow',
  'preference',
  'insight',
  'reorganize',
];

/** A text quoted in a detail: markup and line breaks out, cut short. */
export const quote = (s: string, n = 60): string => {
  const t = s.replace(/\s+/g, ' ').trim();
  return `"${t.length > n ? `${t.slice(0, n - 1)}…` : t}"`;
};

/**
 * Details joined while they fit on one line. When the whole details do not all fit, their brief forms are
 * joined instead ("superseded: line 116 by line 4 of /log.md"); what still does not fit is counted (each
 * move is in `moved`).
 */
function describe(details: readonly { text: string; brief: string }[]): string {
  const full = details.map((d) => d.text).join('; ');
  return full.length <= maxDetail || details.length === 1
    ? oneLine(details.map((d) => d.text))
    : oneLine([details[0]!.text, ...details.slice(1).map((d) => d.brief)]);
}

function oneLine(details: readonly string[]): string {
  if (details.length === 0) return '';
  let out = details[0]!;
  let shown = 1;
  while (shown < details.length && out.length + 2 + details[shown]!.length <= maxDetail - 24)
    out += `; ${details[shown++]}`;
  const rest = shown < details.length ? ` (+${details.length - shown} more, see moved)` : '';
  const room = maxDetail - rest.length;
  return (out.length > room ? `${out.slice(0, room - 1)}…` : out) + rest;
}

/** What happened to each path during a dream, for the change set's reason, detail, evidence and moves. */
export class Ledger {
  private entries = new Map<
    string,
    {
      reasons: Reason[];
      details: { reason: Reason; text: string; brief: string }[];
      evidence: Evidence[];
      moved: Move[];
    }
  >();
  private noticed: Finding[] = [];

  note(
    path: string,
    reason: Reason,
    detail: string,
    evidence: readonly Evidence[] = [],
    moved: readonly Move[] = [],
    /** A short form for a line shared with other details. */
    brief?: string,
  ): void {
    let e = this.entries.get(path);
    if (!e) this.entries.set(path, (e = { reasons: [], details: [], evidence: [], moved: [] }));
    e.reasons.push(reason);
    if (!e.details.some((d) => d.text === detail)) e.details.push({ reason, text: detail, brief: brief ?? detail });
    for (const ev of evidence) {
      if (!e.evidence.some((x) => x.session_id === ev.session_id && x.event_id === ev.event_id)) e.evidence.push(ev);
    }
    e.moved.push(...moved);
  }

  /** Something left for a reviewer: reported in the change set's `findings`, nothing changed for it. */
  find(finding: Finding): void {
    this.noticed.push({ ...finding, detail: oneLine([finding.detail]) });
  }

  findings(): Finding[] {
    return this.noticed;
  }

  /** Forgets what was said of a path whose change was dropped. */
  forget(path: string): void {
    this.entries.delete(path);
  }

  movesOf(path: string): readonly Move[] {
    return this.entries.get(path)?.moved ?? [];
  }

  explain(path: string): { reason: Reason; detail: string; evidence: Evidence[]; moved?: Move[] } | undefined {
    const e = this.entries.get(path);
    if (!e) return undefined;
    const reason = priority.find((r) => e.reasons.includes(r)) ?? e.reasons[0]!;
    // the detail of the reason that names the change comes first
    const rank = (r: Reason) => (priority.includes(r) ? priority.indexOf(r) : priority.length);
    const ordered = [...e.details].sort((a, b) => rank(a.reason) - rank(b.reason));
    return {
      reason,
      detail: describe(ordered),
      evidence: e.evidence.slice(0, 50),
      ...(e.moved.length > 0 ? { moved: e.moved } : {}),
    };
  }
}
