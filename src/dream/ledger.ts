import type { Evidence, Reason } from '../memory/changeSet.js';

/** What happened to each path during a dream, for the change set's reason, detail and evidence. */
export class Ledger {
  private entries = new Map<string, { reasons: Reason[]; details: string[]; evidence: Evidence[] }>();

  note(path: string, reason: Reason, detail: string, evidence: readonly Evidence[] = []): void {
    let e = this.entries.get(path);
    if (!e) this.entries.set(path, (e = { reasons: [], details: [], evidence: [] }));
    e.reasons.push(reason);
    if (!e.details.includes(detail)) e.details.push(detail);
    for (const ev of evidence) {
      if (!e.evidence.some((x) => x.session_id === ev.session_id && x.event_id === ev.event_id)) e.evidence.push(ev);
    }
  }

  /** The most important reason first: safety, then removals, then what was learned. */
  explain(path: string): { reason: Reason; detail: string; evidence: Evidence[] } | undefined {
    const e = this.entries.get(path);
    if (!e) return undefined;
    const order: Reason[] = [
      'quarantine',
      'redact',
      'superseded',
      'duplicate',
      'stale',
      'recurring-mistake',
      'workflow',
      'preference',
      'insight',
      'reorganize',
    ];
    const reason = order.find((r) => e.reasons.includes(r)) ?? e.reasons[0]!;
    return { reason, detail: e.details.join('; '), evidence: e.evidence.slice(0, 50) };
  }
}
