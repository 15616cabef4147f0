import { isArchivePath } from '../memory/paths.js';
import { MemoryStore } from '../memory/store.js';
import type { SessionDigest } from '../sessions/digest.js';
import { redactFile } from '../sessions/redactFile.js';
import { redactSecrets } from '../sessions/screen.js';
import type { Suite, SuiteCase } from './suite.js';
import { piecePattern, tokenMatcher } from './matcher.js';
import { factTokens, hasTokens, shown, tokenSource, wordsOf, type DerivedItem } from './tokens.js';
import { factsOf, labelOf, normalized, type Fact } from './storeFacts.js';

/**
 * A suite nobody had to write: what the baseline store and the sessions already say must hold after a dream.
 *
 * - `retain-all`: every fact the baseline store holds is still supported (outside `/archive/`), unless a
 *   session write shows the newer value that replaced it — then `current-*` asks for the newer value and no
 *   longer the old one. The change set is never consulted: its word alone proves nothing. Retention is a
 *   required case: a candidate that lost a fact scores 0, whatever else it did.
 * - `used-*`: the memory files the agent read in its sessions, with the question the user had asked.
 * - `remember-*`: what a user told the agent to remember.
 *
 * A fact is supported when one line of the store holds its identifying tokens (values such as hosts,
 * versions and numbers, and its rarest words): a fact merged with its duplicate, moved to another file or
 * re-bulleted is still there; a fact deleted, or reduced to something else, is not. Lines a quarantined
 * session wrote are left out (screening removes them), and secrets never enter a case.
 */
export interface DerivedCase {
  id: string;
  question: string;
  expect: { all: DerivedItem[]; none: DerivedItem[] };
  weight: number;
  kind: 'retention' | 'current' | 'used' | 'remember';
}

/**
 * Baseline lines that a session write shows replaced, each with the line that replaced it: a newer write of a
 * line with the same subject in the same file and section, or elsewhere when the subject names one thing (a
 * phrase or an identifier that is not a field of a repeated shape: "Why", "How to apply" or "Status" fill many
 * places, each with its own value); and a copy of a line a `str_replace` / `edit` took out.
 */
export function replacements(facts: Fact[], sessions: readonly SessionDigest[]): { old: Fact; by: Fact }[] {
  const writes = sessions.flatMap((s) => s.memoryWrites);
  const writtenAt = new Map<string, number>();
  const writtenBy = new Map<string, string>();
  for (const w of writes)
    for (const text of w.lines) {
      const k = normalized(text);
      if (w.at >= (writtenAt.get(k) ?? -Infinity)) {
        writtenAt.set(k, w.at);
        writtenBy.set(k, `${w.eventId}@${w.at}`);
      }
    }
  const places = new Map<string, Set<string>>();
  const labelsAt = new Map<string, Set<string>>();
  for (const f of facts)
    if (f.label) {
      const scope = `${f.path}#${f.section}`;
      places.set(f.label, (places.get(f.label) ?? new Set()).add(scope));
      labelsAt.set(scope, (labelsAt.get(scope) ?? new Set()).add(f.label));
    }
  // a field of a repeated shape: found in three places, or in two that share another label
  const isField = (label: string) => {
    const at = [...(places.get(label) ?? [])];
    if (at.length >= 3) return true;
    if (at.length < 2) return false;
    const [a, b] = at.map((x) => labelsAt.get(x)!);
    return [...a!].some((x) => x !== label && b!.has(x));
  };
  const namesOneThing = (label: string) => (label.includes(' ') || /\w[._-]\w/.test(label)) && !isField(label);
  const at = (f: Fact) => writtenAt.get(normalized(f.text)) ?? -Infinity; // no write: older than any write
  const event = (f: Fact) => writtenBy.get(normalized(f.text));
  // a write of several labelled lines that another place holds together is a new record of the same shape (a
  // new file, a new account), not an update of the old one
  const isTemplate = (by: Fact) => {
    const mine = new Set(facts.filter((f) => f.label && event(f) === event(by)).map((f) => f.label!));
    if (mine.size < 2) return false;
    const together = new Map<string, number>();
    for (const f of facts)
      if (f.label && mine.has(f.label) && event(f) !== event(by))
        together.set(`${f.path}#${f.section}`, (together.get(`${f.path}#${f.section}`) ?? 0) + 1);
    return [...together.values()].some((n) => n >= 2);
  };
  const related = (old: Fact, by: Fact) =>
    (old.path === by.path && old.section === by.section) || (old.label !== undefined && namesOneThing(old.label));

  const out = new Map<Fact, Fact>();
  const propose = (old: Fact, by: Fact) => {
    const prev = out.get(old);
    if (!prev || at(prev) < at(by)) out.set(old, by);
  };
  for (const by of facts) {
    if (!by.label || at(by) === -Infinity || isTemplate(by)) continue;
    for (const old of facts)
      if (old !== by && old.label === by.label && normalized(old.text) !== normalized(by.text) && at(old) < at(by))
        if (related(old, by)) propose(old, by);
  }
  // what an edit took out may still stand elsewhere (an index line, a summary): the edit shows it replaced
  const byText = new Map(facts.map((f) => [normalized(f.text), f]));
  for (const w of writes)
    for (const gone of w.replaced ?? []) {
      const label = labelOf(gone);
      const by = w.lines
        .map((l) => byText.get(normalized(l)))
        .find((f): f is Fact => f !== undefined && (label === undefined || f.label === label));
      if (!by) continue;
      for (const old of facts)
        if (old !== by && normalized(old.text) === normalized(gone) && at(old) < w.at) propose(old, by);
    }
  return [...out].map(([old, by]) => ({ old, by }));
}

/** Up to two runs of letters or digits of `a` that `b` does not have (lower case, in order). */
function piecesOnlyIn(a: string, b: string): string[] {
  const runs = (t: string) => tokenSource(t).toLowerCase().match(piecePattern) ?? [];
  const theirs = new Set(runs(b));
  return [...new Set(runs(a))].filter((p) => !theirs.has(p) && p !== 'redacted').slice(0, 2);
}

const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 40) || 'x';

const rememberCue =
  /\b(?:please\s+)?(?:remember(?:\s+that)?|don'?t forget(?:\s+that)?|do not forget(?:\s+that)?|keep in mind(?:\s+that)?|note that|make a note(?: that)?|for future reference,?)\s*[:,-]?\s*(.+)$/i;

/** "…, please remember that." / "X. Keep it in mind!": the cue closes a clause; what comes before it is the fact. */
const rememberAfter =
  /^(.*?\S)\s*(?:[.!;:,]|\s[-–—])\s*(?:so\s+|and\s+)?(?:please\s+)?(?:(?:remember|note|don'?t forget|do not forget)\s+(?:that|this|it)|keep\s+(?:that|this|it)\s+in\s+mind|make\s+a\s+note\s+of\s+(?:that|this|it))(?:,?\s*please)?[\s.!]*$/i;

/** What a user told the agent to remember, from one statement. */
function toldToRemember(statement: string): string | undefined {
  const text = statement.replace(/\s+/g, ' ').trim();
  const ahead = rememberCue
    .exec(text)?.[1]
    ?.replace(/[.!]+$/, '')
    .trim();
  if (ahead && ahead.length >= 8) return ahead; // not "that" of "…, remember that"
  const before = rememberAfter.exec(text)?.[1];
  return before
    ?.split(/(?<=[.!?])\s+/)
    .pop()
    ?.replace(/[.!]+$/, '')
    .trim();
}

/**
 * The store with its secrets redacted, file by file (line by line where a redaction would join lines, so that
 * every fact keeps its line number).
 */
async function redactedStore(store: MemoryStore): Promise<MemoryStore> {
  const files = new Map<string, string>();
  for (const [path, content] of store.files) {
    if (isArchivePath(path)) continue;
    const whole = (await redactFile(content)).text;
    if (whole === content || whole.split('\n').length === content.split('\n').length) files.set(path, whole);
    else
      files.set(
        path,
        (await Promise.all(content.split('\n').map(async (l) => (await redactSecrets(l)).text))).join('\n'),
      );
  }
  return MemoryStore.from(files, { maxFiles: Infinity, maxFileBytes: Infinity });
}

/** Derives the cases (see the comment at the top); `sessions` as selected, before screening. */
export async function deriveCases(store: MemoryStore, sessions: readonly SessionDigest[]): Promise<DerivedCase[]> {
  const trusted = sessions.filter((s) => !s.injection);
  // held lines leave the store for a reviewer; the other lines of a quarantined session stay, and are facts
  const quarantinedLines = new Set(sessions.flatMap((s) => s.held.map((h) => normalized(h.line))));
  // redacted first: a secret never reaches a case, a YAML file or S3 (the dream redacts it from the store too)
  const facts = factsOf(await redactedStore(store)).filter((f) => !quarantinedLines.has(normalized(f.text)));
  const frequency = new Map<string, number>();
  for (const f of facts) for (const w of new Set(wordsOf(f.text))) frequency.set(w, (frequency.get(w) ?? 0) + 1);
  const freq = (w: string) => frequency.get(w) ?? 0;
  const item = (f: Fact): DerivedItem | undefined => {
    const tokens = factTokens(f.text, freq);
    return hasTokens(tokens) ? { ...tokens, from: `${f.path}:${f.line}`, text: shown(f.text) } : undefined;
  };

  const replaced = replacements(facts, trusted);
  const superseded = new Set(replaced.map((r) => r.old));
  const cases: DerivedCase[] = [
    ...currentCases(replaced, item),
    ...usedCases(trusted, facts, superseded, item),
    ...rememberCases(trusted, freq),
  ];
  const retained = facts
    .filter((f) => !superseded.has(f))
    .map(item)
    .filter((x): x is DerivedItem => x !== undefined);
  if (retained.length > 0)
    cases.unshift({
      id: 'retain-all',
      question: 'Does the store still hold every fact it held before the dream?',
      expect: { all: retained, none: [] },
      weight: 1,
      kind: 'retention',
    });
  return cases;
}

/**
 * The suite a cycle runs: the hand-written cases, if any, beside the derived ones. Retention is required:
 * a candidate that lost a fact scores 0. The derived cases are scored when no person wrote a suite; beside a
 * hand-written one they weigh nothing (reported, never outvoting what a person wrote) and retention only vetoes.
 */
export function withDerived(
  written: Suite | undefined,
  derived: readonly DerivedCase[],
  /** Paths whose facts the dream no longer answers for: a reviewer edited them, or the agent wrote them since. */
  exempt: readonly string[] = [],
): Suite {
  const cases: SuiteCase[] = (written?.cases ?? []).map((c) => c);
  const answers = (i: DerivedItem) => !exempt.some((p) => i.from.startsWith(`${p}:`));
  const byPerson = cases.length > 0;
  // alone, retention weighs as much as the rest, so a baseline never scores under one half and a lost fact (0)
  // is a regression at any threshold below that; beside a person's suite it weighs nothing and only vetoes
  const others = derived.filter((d) => d.kind !== 'retention').reduce((n, d) => n + d.weight, 0);
  for (const d of derived) {
    if (cases.some((c) => c.id === d.id)) continue; // a hand-written case of the same id wins
    const all = d.kind === 'retention' ? d.expect.all.filter(answers) : d.expect.all;
    if (d.kind !== 'retention' && ![...d.expect.all, ...d.expect.none].every(answers)) continue;
    cases.push({
      id: d.id,
      question: d.question,
      weight: byPerson ? 0 : d.kind === 'retention' ? Math.max(1, others) : d.weight,
      ...(d.kind === 'retention' ? { required: true } : {}),
      expect: { all: all.map(tokenMatcher), any: [], none: d.expect.none.map(tokenMatcher) },
      onText: true,
    });
  }
  return {
    file:
      [written?.file, derived.length > 0 ? `${derived.length} derived case(s)` : undefined]
        .filter(Boolean)
        .join(' + ') || '(no suite)',
    cases,
  };
}

type Itemize = (f: Fact) => DerivedItem | undefined;

/** A value the sessions replaced: the store must answer with the new one and not the old. */
function currentCases(replaced: ReadonlyArray<{ old: Fact; by: Fact }>, item: Itemize): DerivedCase[] {
  const cases: DerivedCase[] = [];
  replaced.forEach(({ old, by }, i) => {
    let now = item(by);
    let was = item(old);
    const same = (a: string[], b: string[]) => a.every((t) => b.includes(t));
    if (!now || !was) return;
    if (same(was.values, now.values) && same(was.words, now.words)) {
      // the tokens cannot tell them apart ("plan is Pro" → "plan is Enterprise"): the words only one side has
      // must then stand on the line, or a dream that keeps the old value would pass
      const gone = piecesOnlyIn(was.text, now.text);
      if (gone.length === 0) return;
      was = { ...was, need: was.words.length, whole: gone }; // and the whole subject: not another's "plan: Pro"
      const added = piecesOnlyIn(now.text, was.text);
      if (added.length > 0) now = { ...now, whole: added };
    }
    cases.push({
      id: `current-${i + 1}-${slug(old.label ?? old.text)}`,
      question: `What is the current ${old.label ?? 'value'} (${old.path})?`,
      expect: { all: [now], none: [was] },
      weight: 1,
      kind: 'current',
    });
  });
  return cases;
}

/** A file the sessions read: what the user asked then must still be answerable from it. */
function usedCases(
  trusted: readonly SessionDigest[],
  facts: readonly Fact[],
  superseded: ReadonlySet<Fact>,
  item: Itemize,
): DerivedCase[] {
  const cases: DerivedCase[] = [];
  const byPath = new Map<string, Fact[]>();
  for (const f of facts) if (!superseded.has(f)) byPath.set(f.path, [...(byPath.get(f.path) ?? []), f]);
  const used = new Map<string, { question: string }>();
  for (const s of trusted)
    for (const r of s.memoryReads) {
      if (used.has(r.path) || !byPath.has(r.path)) continue;
      const asked = [...s.userStatements].reverse().find((u) => u.at <= r.at);
      used.set(r.path, {
        question: asked ? asked.text.replace(/\s+/g, ' ').slice(0, 200) : `What does ${r.path} say?`,
      });
    }
  for (const [path, u] of [...used].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const items = byPath
      .get(path)!
      .slice(0, 20)
      .map(item)
      .filter((x): x is DerivedItem => x !== undefined);
    if (items.length > 0)
      cases.push({
        id: `used-${slug(path)}`,
        question: u.question,
        expect: { all: items, none: [] },
        weight: 1,
        kind: 'used',
      });
  }
  return cases;
}

/** What the user told the agent to remember must stay in the store. */
function rememberCases(trusted: readonly SessionDigest[], freq: (w: string) => number): DerivedCase[] {
  const cases: DerivedCase[] = [];
  const told = new Map<string, { text: string; from: string }>();
  for (const s of trusted)
    for (const u of s.userStatements) {
      const what = toldToRemember(u.text);
      if (what && what.length >= 8 && !told.has(what.toLowerCase()))
        told.set(what.toLowerCase(), { text: what.slice(0, 300), from: `${s.sessionId}#${u.eventId}` });
    }
  let n = 0;
  for (const { text, from } of told.values()) {
    const tokens = factTokens(text, freq);
    if (!hasTokens(tokens)) continue;
    cases.push({
      id: `remember-${++n}-${slug(text)}`,
      question: `What did the user ask to remember? (${from})`,
      expect: { all: [{ ...tokens, from, text }], none: [] },
      weight: 1,
      kind: 'remember',
    });
  }
  return cases;
}
