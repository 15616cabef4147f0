/** Duplicates: the same fact twice in one list, a fact the sessions saved again elsewhere, and what is left to report. */
import { byAge, evidenceOf, newNotes, place, writtenAt, type Fact } from './facts.js';
import { quote, type Ledger } from './ledger.js';
import type { Groups } from './supersession.js';
import { factKey } from './text.js';
import { isJournal } from './values.js';

const maxFindings = 200;

/** What a fact says, for comparing: its subject and value (the new value, for a line replaced in place), or its words. */
function keyOf(f: Fact): string {
  const fact = f.decision?.kind === 'replaced' ? { ...f.fact!, value: f.decision.by.fact!.value } : f.fact;
  return fact ? `f\0${fact.subject}\0${fact.value}` : `k\0${factKey(f.text)}`;
}
const live = (f: Fact) => !f.decision || f.decision.kind === 'replaced';

/**
 * The same fact twice in one block of one scope (one list, or one paragraph of `Label: value` lines): one
 * copy is enough. When a session wrote a copy, that is applied; copies the store held before any session
 * are a reviewer's call (suggested). Copies in two blocks of a section (each list under its own lead-in) stay.
 */
export function dedupeWithinScopes(facts: readonly Fact[], winners: ReadonlySet<Fact>, groups: Groups): void {
  const byKey = new Map<string, Fact[]>();
  for (const f of facts) {
    if (!live(f)) continue;
    const state = f.checked === null ? '' : String(f.checked);
    for (const k of new Set([`n\0${f.norm}`, `${keyOf(f)}\0${state}`])) {
      const id = `${f.scope}\0${f.block}\0${k}`;
      byKey.set(id, [...(byKey.get(id) ?? []), f]);
    }
  }
  for (const group of byKey.values()) {
    const copies = group.filter(live);
    if (copies.length < 2) continue;
    // a line that superseded another stays (the archive names it); then the newest write's wording; then the first copy
    const [survivor, ...others] = [...copies].sort(
      (a, b) => Number(winners.has(b)) - Number(winners.has(a)) || writtenAt(b) - writtenAt(a) || a.start - b.start,
    );
    const written = copies.some((f) => f.written);
    for (const f of others) {
      if (!f.removable || f.decision) continue;
      f.decision = {
        kind: 'duplicate',
        by: survivor!,
        evidence: evidenceOf(survivor!.written ?? f.written),
        tier: written ? 'applied' : 'suggested',
        group: written ? 0 : groups.next(),
      };
    }
  }
}

/**
 * A fact a session saved again into a note of its own (a journal, or a file only sessions wrote) joins the
 * place the store already keeps it: the store's oldest copy stays (a journal's only when no file of the store
 * holds one), the note's copy goes. A one-word label (each customer's `Owner`), a field of a repeated shape,
 * and copies in records of one shape stay apart; copies in two of the store's own files are reported.
 */
export function consolidateOverSaved(facts: readonly Fact[], fields: ReadonlySet<string>): void {
  const notes = newNotes(facts);
  const fieldPaths = new Map<string, Set<string>>();
  for (const f of facts)
    if (f.fact && fields.has(f.fact.subject))
      fieldPaths.set(f.path, (fieldPaths.get(f.path) ?? new Set()).add(f.fact.subject));
  const parallel = (a: Fact, b: Fact) =>
    [...(fieldPaths.get(a.path) ?? [])].some((s) => fieldPaths.get(b.path)?.has(s));
  const byKey = new Map<string, Fact[]>();
  for (const f of facts) if (live(f)) byKey.set(keyOf(f), [...(byKey.get(keyOf(f)) ?? []), f]);
  for (const [key, copies] of byKey) {
    if (copies.length < 2 || new Set(copies.map((f) => f.scope)).size < 2) continue;
    const sample = copies[0]!;
    if (key.startsWith('f\0')) {
      const subject = sample.fact!.subject;
      if (fields.has(subject) || !(subject.includes(' ') || /\w[._-]\w/.test(subject))) continue;
    } else if (sample.norm.length < 16 || sample.norm.includes('[redacted')) continue;
    const ordered = [...copies].sort(byAge);
    const home = ordered.find((f) => !isJournal(f.path)) ?? ordered[0]!;
    for (const f of ordered) {
      if (f === home || !notes.has(f.path) || !f.written || f.decision || !f.removable) continue;
      // a note's copy joins the store's own copy, whichever came first; between notes, the older one stays
      if ((isJournal(home.path) && writtenAt(f) < writtenAt(home)) || f.scope === home.scope || parallel(f, home))
        continue;
      // a place that held the subject before this write keeps its own copy (the store keeps it there too)
      const heldHere = facts.some(
        (o) =>
          o !== f &&
          o.scope === f.scope &&
          writtenAt(o) < writtenAt(f) &&
          (f.fact && o.fact ? o.fact.subject === f.fact.subject : keyOf(o) === key),
      );
      if (heldHere) continue;
      f.decision = { kind: 'duplicate', by: home, evidence: evidenceOf(f.written), tier: 'applied', group: 0 };
      // copies that went to this one go where it goes
      for (const g of facts) if (g.decision?.kind === 'duplicate' && g.decision.by === f) g.decision.by = home;
    }
  }
}

/** The same fact in several files or sections, left: reported for a reviewer, not deleted. */
export function reportAcrossScopes(facts: readonly Fact[], ledger: Ledger, fields: ReadonlySet<string>): void {
  const groups = new Map<string, Fact[]>();
  for (const f of facts) {
    // a lead-in or a parent item names a topic ("2. **Currency**:"), not a fact; a field of a repeated shape
    // (each account's Email) and a redacted value say nothing twice
    if (f.decision || !f.removable || f.norm.length < 16 || f.norm.includes('[redacted')) continue;
    if (f.fact && (fields.has(f.fact.subject) || /^[\d\s:./-]+$/.test(f.fact.value))) continue;
    groups.set(keyOf(f), [...(groups.get(keyOf(f)) ?? []), f]);
  }
  // copies in several scopes, in document order; a run of them that repeats line after line in the same
  // places (a block pasted into two files) is one finding
  const byPlace = (a: Fact, b: Fact) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.start - b.start);
  const found = [...groups.values()]
    .filter((g) => new Set(g.map((f) => `${f.scope}\0${f.block}`)).size >= 2)
    .map((g) => [...g].sort(byPlace))
    .sort((a, b) => byPlace(a[0]!, b[0]!));
  const runs: Fact[][][] = [];
  for (const g of found) {
    const run = runs.find((r) => {
      const last = r.at(-1)!;
      return last.length === g.length && g.every((f, i) => f.path === last[i]!.path && f.start === last[i]!.end + 1);
    });
    if (run) run.push(g);
    else runs.push([g]);
  }
  for (const run of runs.slice(0, maxFindings)) {
    const first = run[0]!;
    const files = new Set(first.map((f) => f.path)).size;
    const sections = new Set(first.map((f) => `${f.path}\0${f.section}`)).size;
    const where =
      files > 1 ? `${files} files` : sections > 1 ? `${sections} sections of one file` : 'one section, apart';
    const detail =
      run.length === 1
        ? `the same fact in ${first.length} places (${where}), left for a reviewer: ${quote(first[0]!.text)}`
        : `${run.length} lines in a row repeated in ${first.length} places (${where}): ${first
            .map((f, i) => `${f.path} lines ${f.line}–${run.at(-1)![i]!.lastLine}`)
            .join(', ')}; left for a reviewer`;
    ledger.find({ kind: 'duplicate', detail, at: first.slice(0, 20).map((f) => place(f)) });
  }
}

/**
 * A copy goes to a line that stays. When the line it was to join goes too (it was itself a copy, or
 * stale), the copy follows it there; an applied decision never leans on a suggested one (the suggestion
 * is withdrawn, so each tier stands on its own).
 */
export function settleChains(facts: readonly Fact[]): void {
  for (let changed = true, rounds = 0; changed && rounds < facts.length; rounds++) {
    changed = false;
    for (const f of facts) {
      const d = f.decision;
      if (d?.kind !== 'duplicate') continue;
      const next = d.by.decision;
      if (!next || next.kind === 'replaced') continue;
      changed = true;
      if (next.tier === 'suggested' && d.tier === 'applied') delete d.by.decision;
      else if (next.kind === 'duplicate') d.by = next.by;
      else f.decision = { ...d, kind: 'superseded', by: next.by };
    }
  }
}
