/**
 * Updates written as sentences ("the dev server now listens on port 3500", "ahora en el puerto 5433"), in any
 * language: a line a session wrote that shares the rare words of an older line but carries another value of
 * the same shape (a number, version, date, time, region id) where the older line has its own. The older
 * line gets the new value in place, its old wording archived, as a suggestion: without a parsed subject the
 * dream is not sure enough to apply it.
 */
import { evidenceOf, writtenAt, type Fact } from './facts.js';
import type { Groups } from './supersession.js';
import { isJournal } from './values.js';

/** Values: tokens with a digit (3500, 3.4.1, 2025-08-15, 05:30-13:30, eu-central-1, C++20, 64k). */
const valuePattern = /[\p{L}+#]*\d[\p{L}\p{N}+#]*(?:[.:\-/_][\p{L}\p{N}+#]+)*/gu;
const shape = (v: string) => v.replace(/\p{L}+/gu, 'a').replace(/\d+/g, '9');

interface Token {
  text: string;
  at: number;
}
const valuesOf = (text: string): Token[] => [...text.matchAll(valuePattern)].map((m) => ({ text: m[0], at: m.index }));

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
 * Suggests each older line a session's newer sentence updates. Words that many lines share say nothing
 * of a subject; a line needs two rarer words in common with the newer one.
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
    const newValues = valuesOf(n.text);
    if (mine.size < 2 || newValues.length === 0) continue;
    const seen = new Map<Fact, number>();
    for (const t of mine) for (const o of byWord.get(t) ?? []) seen.set(o, (seen.get(o) ?? 0) + 1);
    const found: { o: Fact; text: string; shared: number }[] = [];
    for (const [o, shared] of seen) {
      if (shared < 2 || o === n || o.decision || !o.removable || bys.has(o) || writtenAt(o) >= writtenAt(n)) continue;
      if (o.start !== o.end || (isJournal(o.path) && !o.written)) continue;
      // a sentence written into the file the older line stands in, beside it: the writer left that line as it was
      if (o.path === n.path) continue;
      const text = withNewValue(o, n, newValues, mine, words.get(o)!, words.get(n)!);
      if (text) found.push({ o, text, shared });
    }
    // the lines that share the most of its words are the ones it speaks of; a sentence that would still
    // update many lines names none of them in particular
    const most = Math.max(0, ...found.map((f) => f.shared));
    const closest = found.filter((f) => f.shared === most);
    if (closest.length > 2) continue;
    for (const { o, text } of closest)
      o.decision = {
        kind: 'replaced',
        by: n,
        text,
        evidence: evidenceOf(n.written),
        tier: 'suggested',
        group: groups.next(),
      };
  }
}

/** The words just before a value (what it is the value of): `port` in `on port 3456`, `言語` in `言語: C++17`. */
function labelOf(text: string, v: Token): Set<string> {
  const before = text.slice(Math.max(0, v.at - 40), v.at).toLowerCase();
  const ws = before.match(/[\p{L}][\p{L}\p{M}]+/gu) ?? [];
  const out = new Set(ws.slice(-3).map((w) => w.slice(0, 6)));
  for (const m of before.matchAll(/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]{2,}/gu))
    for (let i = 0; i + 1 < m[0].length; i++) out.add(m[0].slice(i, i + 2));
  // a value glued to its name (C++17, python:3.12) is labelled by it
  const glued = /^[\p{L}+#]+/u.exec(v.text)?.[0].toLowerCase();
  if (glued) out.add(glued.slice(0, 6));
  return out;
}
const sameLabel = (a: string, av: Token, b: string, bv: Token) => {
  const la = labelOf(a, av);
  return [...labelOf(b, bv)].some((w) => la.has(w));
};

/**
 * The older line with its value replaced by the newer one's: of the pairs of values of one shape (one only in
 * the newer line, one in the older), the pair nearest the words both lines share. Undefined when there is
 * none (the older line already holds every value the newer one has: a restatement).
 */
function withNewValue(
  o: Fact,
  n: Fact,
  newValues: Token[],
  shared: Set<string>,
  oWords: Token[],
  nWords: Token[],
): string | undefined {
  const oldValues = valuesOf(o.text);
  const had = new Set(oldValues.map((v) => v.text));
  const near = (ws: Token[]) => {
    const at = ws.filter((w) => shared.has(w.text)).map((w) => w.at);
    return (v: Token) => Math.min(...at.map((a) => Math.abs(a - v.at)));
  };
  const [inO, inN] = [near(oWords), near(nWords)];
  let best: { ov: Token; nv: Token; score: number } | undefined;
  for (const nv of newValues) {
    if (had.has(nv.text) || inN(nv) > 80) continue;
    for (const ov of oldValues) {
      if (shape(ov.text) !== shape(nv.text) || inO(ov) > 80 || !sameLabel(o.text, ov, n.text, nv)) continue;
      const score = inO(ov) + inN(nv);
      if (!best || score < best.score) best = { ov, nv, score };
    }
  }
  if (!best) return undefined;
  return `${o.text.slice(0, best.ov.at)}${best.nv.text}${o.text.slice(best.ov.at + best.ov.text.length)}`;
}
