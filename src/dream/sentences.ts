/**
 * Updates written as sentences ("the dev server now listens on port 3500", "ahora en el puerto 5433"), in any
 * language: a line a session wrote that shares the rare words of an older line but carries another value of
 * the same shape (a number, version, date, time, region id) where the older line has its own. The older
 * line gets the new value in place, its old wording archived, as a suggestion: without a parsed subject the
 * dream is not sure enough to apply it.
 */
import type { Tier } from '../memory/changeSet.js';
import { day, evidenceOf, place, writtenAt, type Fact } from './facts.js';
import { quote, type Ledger } from './ledger.js';
import type { Groups } from './supersession.js';
import { parseKeyedFact } from './text.js';
import { alignValues, everywhere, valuesOf, withPairs, type Pair } from './valueAlign.js';
import { isAtomic, isJournal } from './values.js';

interface Token {
  text: string;
  at: number;
}

/** Words that say what a line is about: words of four letters or more, and pairs of characters in scripts without spaces. */
function wordsOf(text: string): Token[] {
  const out: Token[] = [];
  for (const m of text.toLowerCase().matchAll(/[\p{L}][\p{L}\p{M}]{3,}/gu))
    out.push({ text: m[0].slice(0, 6), at: m.index });
  for (const m of text.matchAll(/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]{2,}/gu))
    for (let i = 0; i + 1 < m[0].length; i++) out.push({ text: m[0].slice(i, i + 2), at: m.index + i });
  return out;
}

/** An older line a newer one may update: the values it pairs, how many rare words they share. */
interface Candidate {
  o: Fact;
  pairs: Pair[];
  shared: number;
}

/** Beyond this many, an update a reviewer cannot place is not reported either (the dream says it in the summary). */
const maxFindings = 50;

/**
 * Updates each older line (in another file) a session's newer line gives a new value of. Words that many
 * lines share say nothing of a subject; a line needs two rarer words in common with the newer one, and a value
 * the alignment pairs with one of the newer line's (valueAlign.ts); with no such line, one rare word and
 * surroundings that agree well (a suggestion, never applied). Applied only when the evidence is strong: one
 * older line, one atomic `Label: value` whose number the newer line both replaces and names (`3.4.1 (from
 * 3.3.0)`, `8点（原9点）`); otherwise suggested. Several lines holding the same old value are copies of one
 * fact: all of them are suggested together. A newer value no line can be told apart for is a finding.
 */
export async function sentenceUpdates(
  facts: readonly Fact[],
  groups: Groups,
  fields: ReadonlySet<string>,
  ledger: Ledger,
  /** Gives the event loop a turn now and then (aligning every line is long on a large store). */
  breathe: () => Promise<void> = () => Promise.resolve(),
): Promise<void> {
  const words = new Map<Fact, Token[]>();
  const frequency = new Map<string, number>();
  for (const f of facts) {
    const w = wordsOf(f.text);
    words.set(f, w);
    for (const t of new Set(w.map((x) => x.text))) frequency.set(t, (frequency.get(t) ?? 0) + 1);
  }
  const common = Math.max(5, facts.length * 0.1);
  const byWord = new Map<string, Fact[]>();
  for (const f of facts)
    for (const t of new Set(words.get(f)!.map((x) => x.text)))
      if (frequency.get(t)! <= common) byWord.set(t, [...(byWord.get(t) ?? []), f]);
  const bys = new Set(facts.flatMap((f) => (f.decision ? [f.decision.by] : [])));
  let reported = 0;

  for (const n of facts) {
    if (!n.written || n.written.untrusted || n.decision || bys.has(n)) continue;
    await breathe();
    const mine = new Set(
      words
        .get(n)!
        .map((x) => x.text)
        .filter((t) => byWord.has(t)),
    );
    if (mine.size < 1 || valuesOf(n.text).length === 0) continue;
    const seen = new Map<Fact, number>();
    for (const t of mine) for (const o of byWord.get(t) ?? []) seen.set(o, (seen.get(o) ?? 0) + 1);
    const aligned = new Map<Fact, Pair[]>(); // each older line aligned once, whether two words or one are asked
    const strongWords = candidates(n, seen, bys, fields, 2, aligned);
    // one rare word in common is little: only surroundings that agree well make it a candidate, and only a suggestion
    const found = strongWords.length > 0 ? strongWords : candidates(n, seen, bys, fields, 1, aligned).filter(sure);
    const decided = choose(found);
    if (decided === undefined) {
      if (found.length > 0 && reported++ < maxFindings) unplaced(n, found, ledger);
      continue;
    }
    const group = decided.length > 1 ? groups.next() : 0;
    for (const { o, pairs } of decided) {
      const tier: Tier =
        decided.length === 1 && strongWords.length > 0 && strong(o, n, pairs) ? 'applied' : 'suggested';
      o.decision = {
        kind: 'replaced',
        by: n,
        text: withPairs(o.text, everywhere(o.text, pairs)),
        evidence: evidenceOf(n.written),
        tier,
        group: tier === 'applied' ? 0 : group || groups.next(),
      };
      bys.add(n);
    }
  }
}

/** The older lines sharing at least `least` rare words with `n` whose values align with its own. */
function candidates(
  n: Fact,
  seen: ReadonlyMap<Fact, number>,
  bys: ReadonlySet<Fact>,
  fields: ReadonlySet<string>,
  least: number,
  aligned: Map<Fact, Pair[]>,
): Candidate[] {
  const found: Candidate[] = [];
  for (const [o, shared] of seen) {
    if (shared < least || o === n || o.decision || !o.removable || bys.has(o) || writtenAt(o) >= writtenAt(n)) continue;
    // a journal's own line is the record of its day: a newer value does not rewrite it
    if ((isJournal(o.path) && !o.written) || o.text.split('\n').length !== o.end - o.start + 1) continue;
    // a sentence written into the file the older line stands in, beside it: the writer left that line as it was
    if (o.path === n.path) continue;
    // a template field (`**How to apply:**` in every memory file) is filled per record: two records' values are two things
    if (o.fact && o.fact.subject === n.fact?.subject && fields.has(o.fact.subject)) continue;
    let pairs = aligned.get(o);
    if (!pairs) aligned.set(o, (pairs = alignValues(o.text, n.text)));
    if (pairs.length > 0) found.push({ o, pairs, shared });
  }
  // numbers first: a line whose number the newer one replaces says more than one a capitalised word pairs with
  const numbers = found.filter((c) => c.pairs.some((p) => p.from.kind === 'number'));
  return numbers.length > 0 ? numbers : found;
}

/** A number in surroundings that agree well: enough to pair values across lines that share one rare word (names are many). */
const sure = (c: Candidate) => c.pairs[0]!.from.kind === 'number' && c.pairs[0]!.score >= 0.8;

/**
 * The lines a newer line speaks of: those that share the most of its words, and the one whose values stand
 * in the most alike surroundings. A sentence that would still update many lines names none of them in
 * particular, unless they all hold the same old value it replaces (copies of one fact); undefined then.
 */
function choose(found: Candidate[]): Candidate[] | undefined {
  if (found.length === 0) return undefined;
  const top = <T>(of: (f: T) => number, xs: T[]) => xs.filter((f) => of(f) === Math.max(...xs.map(of)));
  const byWords = top((f) => f.shared, found);
  const byValues = top((f) => Math.round(f.pairs[0]!.score * 10) * 1000 + f.shared, found);
  const closest = [...new Set([...byWords, ...byValues])];
  if (byWords.length <= 2 && closest.length <= 3) return closest;
  const [best] = byValues[0]!.pairs;
  const same = (c: Candidate) =>
    c.pairs.length === 1 && c.pairs[0]!.from.text === best!.from.text && c.pairs[0]!.to.text === best!.to.text;
  const copies = found.filter(same);
  return closest.every(same) && copies.length <= 5 ? copies : undefined;
}

/** A newer value the dream cannot place: a contradiction finding naming the lines it may update. */
function unplaced(n: Fact, found: readonly Candidate[], ledger: Ledger): void {
  const lines = [...found].sort((a, b) => b.shared - a.shared || b.pairs[0]!.score - a.pairs[0]!.score).slice(0, 3);
  const [p] = lines[0]!.pairs;
  ledger.find({
    kind: 'contradiction',
    detail: `${quote(n.text)} (${n.written!.sessionId}, ${day(n.written!.at)}) gives ${quote(p!.to.text)} where ${found.length} older line(s) say ${quote(p!.from.text)} or alike; which one it updates is not clear: left for a reviewer`,
    at: [place(n), ...lines.map((c) => place(c.o))],
  });
}

/**
 * Strong evidence for an update across files: one number of an atomic `Label: value` line, replaced by a
 * value of its shape in surroundings that agree, by a line that names the old value too (the session saw it).
 */
function strong(o: Fact, n: Fact, pairs: readonly Pair[]): boolean {
  if (pairs.length !== 1 || o.start !== o.end) return false;
  const [p] = pairs as [Pair];
  const keyed = parseKeyedFact(o.text);
  if (!keyed || keyed.form !== 'label' || !isAtomic(keyed.value) || p.from.kind !== 'number') return false;
  const named = valuesOf(n.text).some((v) => v.text === p.from.text);
  return named && p.score >= 0.8;
}
