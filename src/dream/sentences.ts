/**
 * Updates written as sentences ("the dev server now listens on port 3500", "ahora en el puerto 5433"), in any
 * language: a line a session wrote that shares the rare words of an older line but carries another value of
 * the same shape (a number, version, date, time, region id) where the older line has its own. The older
 * line gets the new value in place, its old wording archived, as a suggestion: without a parsed subject the
 * dream is not sure enough to apply it.
 */
import type { Tier } from '../memory/changeSet.js';
import { evidenceOf, writtenAt, type Fact } from './facts.js';
import type { Groups } from './supersession.js';
import { parseKeyedFact } from './text.js';
import { alignValues, valuesOf, withPairs, type Pair } from './valueAlign.js';
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

/**
 * Updates each older line (in another file) a session's newer line gives a new value of. Words that many
 * lines share say nothing of a subject; a line needs two rarer words in common with the newer one, and a value
 * the alignment pairs with one of the newer line's (valueAlign.ts). Applied only when the evidence is strong:
 * one older line, one atomic `Label: value` whose number the newer line both replaces and names (`3.4.1 (from
 * 3.3.0)`, `8点（原9点）`); otherwise suggested.
 */
export function sentenceUpdates(facts: readonly Fact[], groups: Groups): void {
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

  for (const n of facts) {
    if (!n.written || n.written.untrusted || n.decision || bys.has(n)) continue;
    const mine = new Set(
      words
        .get(n)!
        .map((x) => x.text)
        .filter((t) => byWord.has(t)),
    );
    if (mine.size < 2 || valuesOf(n.text).length === 0) continue;
    const seen = new Map<Fact, number>();
    for (const t of mine) for (const o of byWord.get(t) ?? []) seen.set(o, (seen.get(o) ?? 0) + 1);
    const found: { o: Fact; pairs: Pair[]; shared: number }[] = [];
    for (const [o, shared] of seen) {
      if (shared < 2 || o === n || o.decision || !o.removable || bys.has(o) || writtenAt(o) >= writtenAt(n)) continue;
      // a journal's own line is the record of its day: a newer value does not rewrite it
      if ((isJournal(o.path) && !o.written) || o.text.split('\n').length !== o.end - o.start + 1) continue;
      // a sentence written into the file the older line stands in, beside it: the writer left that line as it was
      if (o.path === n.path) continue;
      const pairs = alignValues(o.text, n.text);
      if (pairs.length > 0) found.push({ o, pairs, shared });
    }
    // the lines that share the most of its words are the ones it speaks of; a sentence that would still
    // update many lines names none of them in particular
    // (and the line whose values stand in the most alike surroundings)
    const top = <T>(of: (f: T) => number, xs: T[]) => xs.filter((f) => of(f) === Math.max(...xs.map(of)));
    const byWords = top((f) => f.shared, found);
    const byValues = top((f) => Math.round(f.pairs[0]!.score * 10) * 1000 + f.shared, found);
    const closest = [...new Set([...byWords, ...byValues])];
    if (byWords.length > 2 || closest.length > 3) continue;
    for (const { o, pairs } of closest) {
      const tier: Tier = closest.length === 1 && strong(o, n, pairs) ? 'applied' : 'suggested';
      o.decision = {
        kind: 'replaced',
        by: n,
        text: withPairs(o.text, pairs),
        evidence: evidenceOf(n.written),
        tier,
        group: tier === 'applied' ? 0 : groups.next(),
      };
      bys.add(n);
    }
  }
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
