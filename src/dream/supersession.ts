import type { Tier } from '../memory/changeSet.js';
import { byAge, day, evidenceOf, newNotes, place, writtenAt, type Decision, type Fact } from './facts.js';
import type { Ledger } from './ledger.js';
import type { KeyedFact } from './text.js';
import { clearlyDiffer, isAtomic, isJournal, isPlaceholder, restates, sameKind, withValue } from './values.js';

/** Numbers suggestions: decisions of one suggestion share a group (0 is the applied tier). */
export class Groups {
  private n = 0;
  next(): number {
    return ++this.n;
  }
}

/**
 * Contradictions need a subject and evidence. A line is superseded only by a newer line a session wrote about
 * the same subject with another value (a value said again in other words is no contradiction). In the
 * writer's own scope (file, section, enclosing item) the newest write settles the subject's history; in
 * other places it does when the subject names one thing in the store (not a field that many places fill in
 * with their own value, like "Status" or each account's "Email", and not a new record of a known shape). A
 * write into a place that did not hold the subject (over-saving into a new note) puts the new value where
 * the store keeps it: the old line there is replaced in place (and archived), the new copy joins it.
 * Atomic values that plainly differ, of a subject that names one thing, are applied; the rest suggested.
 */
export class Supersession {
  /** Subjects that are fields of a repeated shape: several places fill them in, each with its own value. */
  readonly fields = new Set<string>();
  /** Lines that superseded or took another's value: they stay. */
  readonly winners = new Set<Fact>();
  private readonly heldBy = new Set<string>();
  /** The scopes that held each subject before these sessions. */
  private readonly baselineScopes = new Map<string, Set<string>>();
  private readonly notes: Set<string>;
  /** The values each place (scope and subject) held before these sessions, whatever kind of file it is. */
  private readonly before = new Map<string, Set<string>>();

  constructor(
    private readonly facts: Fact[],
    private readonly ledger: Ledger,
    /** Lines the sessions' edits took out, in the scope of what replaced them: part of the store before them. */
    replaced: readonly { scope: string; fact: KeyedFact }[],
    private readonly groups: Groups,
  ) {
    const seen = new Map<string, { scopes: Set<string>; values: Set<string>; repeated: boolean }>();
    const subjectsByScope = new Map<string, Set<string>>();
    // the baseline: what the store held before these sessions (its lines no session wrote, and those they replaced)
    // (a session's notes restate what the store keeps elsewhere: they say nothing of the store's shape)
    this.notes = newNotes(facts);
    const baseline = [
      ...facts
        .filter((f) => f.fact && !f.written && !this.notes.has(f.path))
        .map((f) => ({ scope: f.scope, fact: f.fact! })),
      ...replaced,
    ];
    for (const r of replaced) this.heldBy.add(`${r.scope}\0${r.fact.subject}`);
    for (const f of [
      ...facts.filter((x) => x.fact && !x.written).map((x) => ({ scope: x.scope, fact: x.fact! })),
      ...replaced,
    ])
      this.before.set(
        `${f.scope}\0${f.fact.subject}`,
        (this.before.get(`${f.scope}\0${f.fact.subject}`) ?? new Set()).add(f.fact.value),
      );
    for (const f of baseline) {
      this.baselineScopes.set(f.fact.subject, (this.baselineScopes.get(f.fact.subject) ?? new Set()).add(f.scope));
      const s = seen.get(f.fact.subject) ?? { scopes: new Set(), values: new Set(), repeated: false };
      const inScope = subjectsByScope.get(f.scope) ?? new Set<string>();
      if (inScope.has(f.fact.subject)) s.repeated = true;
      s.scopes.add(f.scope);
      s.values.add(f.fact.value);
      seen.set(f.fact.subject, s);
      subjectsByScope.set(f.scope, inScope.add(f.fact.subject));
    }
    // a subject that sessions wrote again and again with new values (one line at a time, not as part of a new
    // record) is one thing being updated, whatever its older copies look like
    // (writes that each land in a place holding its own value are one field updated per place, not one thing)
    const updated = new Map<string, Set<string>>();
    const ownPlaces = new Map<string, Set<string>>();
    for (const f of facts)
      if (f.fact && f.written && !this.isTemplateWrite(f)) {
        updated.set(f.fact.subject, (updated.get(f.fact.subject) ?? new Set()).add(f.fact.value));
        if (this.before.has(`${f.scope}\0${f.fact.subject}`))
          ownPlaces.set(f.fact.subject, (ownPlaces.get(f.fact.subject) ?? new Set()).add(f.scope));
      }
    for (const [subject, places] of ownPlaces) if (this.ownValues(subject, [...places])) updated.delete(subject);
    for (const [subject, s] of seen) {
      // a record of a repeated shape fills each of its fields once; a subject stated again and again in one
      // place is one thing with a history
      if (s.scopes.size < 2 || s.values.size < 2 || s.repeated || (updated.get(subject)?.size ?? 0) >= 2) continue;
      // two places with their own value: a field when they share another label too, or three places do
      const siblings = [...s.scopes].map((sc) => subjectsByScope.get(sc)!);
      const shared = [...siblings[0]!].some((x) => x !== subject && siblings.slice(1).some((o) => o.has(x)));
      if (s.scopes.size >= 3 || shared) this.fields.add(subject);
    }
  }

  run(): void {
    const bySubject = new Map<string, Fact[]>();
    for (const f of this.facts)
      if (f.fact) bySubject.set(f.fact.subject, [...(bySubject.get(f.fact.subject) ?? []), f]);
    for (const subject of [...bySubject.keys()].sort()) {
      const lines = bySubject.get(subject)!;
      const writers = lines.filter((f) => f.written && !f.written.untrusted).sort(byAge);
      if (writers.length === 0) continue;
      const scopes = new Set(writers.map((w) => w.scope));
      for (const scope of scopes) this.settleScope(writers.filter((w) => w.scope === scope).at(-1)!, lines);
      const newest = writers.at(-1)!;
      if (!newest.decision) this.settleElsewhere(newest, lines);
    }
  }

  /**
   * Older lines of `lines` with another value of the same kind than `w` (a restatement is not another
   * value). A journal's own lines are the record of their day: a newer value does not rewrite them.
   */
  private updatedBy(w: Fact, lines: readonly Fact[]): Fact[] {
    return lines.filter(
      (l) =>
        l !== w &&
        !l.decision &&
        l.fact!.value !== w.fact!.value &&
        writtenAt(l) < writtenAt(w) &&
        l.written?.eventId !== w.written!.eventId &&
        !(isJournal(l.path) && !l.written) &&
        (sameKind(l.fact!.value, w.fact!.value) || isPlaceholder(l.fact!.raw)) &&
        !restates(l.fact!.value, w.fact!.value),
    );
  }

  /** The newest write of a scope settles the subject's history there. */
  private settleScope(w: Fact, lines: readonly Fact[]): void {
    const local = this.updatedBy(w, lines).filter((l) => l.scope === w.scope);
    if (local.length === 0) return;
    const template = this.isTemplateWrite(w);
    // several values the store held in one section (a "Status" per item of a list) and no write tells them apart
    const baseline = local.filter((l) => !l.written);
    const settled = !template && (baseline.length <= 1 || this.namesOneThing(w.fact!.subject));
    for (const l of settled ? local : local.filter((x) => x.written)) this.supersede(l, w, this.tierFor(l, w, true));
    if (!settled && baseline.length > 0)
      this.ledger.find({
        kind: 'contradiction',
        detail: `"${w.fact!.subject}" has ${baseline.length + 1} values in one section and no write tells which is current; left for a reviewer`,
        at: [place(w), ...baseline.map((l) => place(l))],
      });
  }

  /**
   * The newest write settles the subject in other places, when the subject is one thing there: not a field
   * of a repeated shape, not a new record of a known shape, and (a one-word label) held in one place only.
   */
  private settleElsewhere(w: Fact, lines: readonly Fact[]): void {
    const subject = w.fact!.subject;
    // a write into a place that held its own value updates that place only: other places with their own value stay
    const others = this.updatedBy(w, lines)
      .filter((l) => l.scope !== w.scope && !this.ownValues(subject, [w.scope, l.scope]))
      .sort(byAge);
    if (others.length === 0 || this.fields.has(subject) || this.isTemplateWrite(w)) return;
    // a one-word label says little of what it is about: only a plain value of one held in one place updates it
    if (!this.isPhrase(subject) && ((this.baselineScopes.get(subject)?.size ?? 0) > 1 || !isAtomic(w.fact!.value)))
      return;
    const held =
      this.heldBy.has(`${w.scope}\0${subject}`) ||
      lines.some((l) => l !== w && l.scope === w.scope && writtenAt(l) < writtenAt(w));
    // the store's own line takes the new value in place; copies in notes are archived
    const home = others.find((l) => !this.notes.has(l.path));
    const rest = others.filter((l) => l !== home);
    const text = home?.removable ? withValue(home.text, home.fact!, w.fact!.raw) : undefined;
    if (held || !home || text === undefined) {
      for (const l of others) this.supersede(l, w, this.tierFor(l, w, false));
      return;
    }
    // a place that did not hold the subject: the new value goes where the store keeps it, in that line's own
    // words; a copy in a session's new note joins it there (a copy in one of the store's files stays)
    const tier = this.tierFor(home, w, false);
    const group = tier === 'applied' ? 0 : this.groups.next();
    const evidence = evidenceOf(w.written);
    home.decision = { kind: 'replaced', by: w, text, evidence, tier, group };
    this.winners.add(home);
    if (this.notes.has(w.path) && w.removable) w.decision = { kind: 'duplicate', by: home, evidence, tier, group };
    for (const l of rest) this.supersede(l, w, tier, group);
  }

  /**
   * A newer value beside the old one, in its own section, is applied (the session saw both); elsewhere it is
   * applied when both values are atomic and plainly differ and the subject names one thing.
   */
  private tierFor(old: Fact, by: Fact, local: boolean): Tier {
    if (this.isTemplateWrite(by)) return 'suggested';
    if (local) return 'applied';
    return clearlyDiffer(old.fact!, by.fact!) && this.namesOneThing(by.fact!.subject) ? 'applied' : 'suggested';
  }

  /**
   * Each of `scopes` held its own value of `subject` before these sessions (values no two of them shared). A
   * value shared is the same value, or one that goes on after it with a note: "Business, renewal in March" and
   * "Starter until the PO arrives" share "Business" and "Starter"; `squad-10` does not share `squad-1`.
   */
  private ownValues(subject: string, scopes: readonly string[]): boolean {
    const held = scopes.map((sc) => this.before.get(`${sc}\0${subject}`));
    if (scopes.length < 2 || held.some((h) => !h)) return false;
    const all = held.flatMap((h) => [...h!].map((v) => v.trim().toLowerCase()));
    return all.every((v, i) => all.every((w, j) => i === j || !sameValue(v, w)));
  }

  /** A subject of several words or an identifier (`Package manager`, `db.pool_size`), not a one-word label. */
  private isPhrase(subject: string): boolean {
    return subject.includes(' ') || /\w[._-]\w/.test(subject);
  }

  /** A subject that names one thing: a phrase or an identifier, and not a field of a repeated shape. */
  private namesOneThing(subject: string): boolean {
    return !this.fields.has(subject) && this.isPhrase(subject);
  }

  /**
   * A write that reproduces the shape of another place (most of its labels, at least two) with none of its
   * values is a new record of that shape (a new memory file, account or persona), not an update of the old
   * one. A session's note (a journal, a series of notes) is no record: what it says again, it says of the same
   * things.
   */
  private isTemplateWrite(w: Fact): boolean {
    if (this.notes.has(w.path)) return false;
    const mine = new Map<string, string>();
    for (const f of this.facts)
      if (f.written?.eventId === w.written!.eventId && f.fact) mine.set(f.fact.subject, f.fact.value);
    if (mine.size < 2) return false;
    const byScope = new Map<string, { all: Set<string>; shared: Set<string>; same: boolean }>();
    for (const f of this.facts) {
      if (!f.fact || f.written?.eventId === w.written!.eventId) continue;
      const s = byScope.get(f.scope) ?? { all: new Set<string>(), shared: new Set<string>(), same: false };
      s.all.add(f.fact.subject);
      if (mine.has(f.fact.subject)) {
        s.shared.add(f.fact.subject);
        if (restates(f.fact.value, mine.get(f.fact.subject)!)) s.same = true;
      }
      byScope.set(f.scope, s);
    }
    return [...byScope.values()].some((s) => s.shared.size >= 2 && s.shared.size >= 0.6 * s.all.size && !s.same);
  }

  private supersede(old: Fact, by: Fact, tier: Tier, group = tier === 'applied' ? 0 : this.groups.next()): void {
    if (!old.removable) {
      this.ledger.find({
        kind: 'stale',
        detail: `"${old.fact!.subject}" was rewritten by ${by.written!.sessionId} (${day(by.written!.at)}); the older line heads other lines, so it stays for a reviewer`,
        at: [place(old), place(by)],
      });
      return;
    }
    const decision: Decision = { kind: 'superseded', by, evidence: evidenceOf(by.written), tier, group };
    old.decision = decision;
    this.winners.add(by);
  }
}

/** The same value, or one of them the other's beginning up to a word's end. */
function sameValue(a: string, b: string): boolean {
  const [short, long] = a.length <= b.length ? [a, b] : [b, a];
  return long.startsWith(short) && (long.length === short.length || !/[\p{L}\p{N}_]/u.test(long[short.length]!));
}
