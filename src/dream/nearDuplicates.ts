/**
 * Near-duplicates: a line a session wrote that says what a line of the store says but for a word or its
 * emphasis (`Always run \`git pull\` first` / `Always run **a** \`git pull\` first`). They are reported with the
 * session's evidence for a reviewer, never merged: only lines equal once markdown is set aside are (dedupe.ts).
 * Decided by the token sets of the two lines, in any script; a number that differs makes an update, not a copy.
 */
import { day, place, type Fact } from './facts.js';
import { quote, type Ledger } from './ledger.js';

const maxFindings = 50;
const spaceless = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;

/** The words of a normalized line; runs of a script written without spaces count by character pairs. */
function tokensOf(norm: string): Set<string> {
  const out = new Set<string>();
  for (const w of norm.match(/[\p{L}\p{N}\p{M}]+/gu) ?? []) {
    if (!spaceless.test(w)) out.add(w);
    else for (let i = 0; i + 1 < w.length; i++) out.add(w.slice(i, i + 2));
  }
  return out;
}

const symbols = (text: string) => (text.match(/\p{So}/gu) ?? []).sort().join('');

/** Two token sets that differ by at most two words and share at least three quarters of their words. */
function near(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (Math.min(a.size, b.size) < 4) return false;
  const shared = [...a].filter((t) => b.has(t)).length;
  const apart = a.size + b.size - 2 * shared;
  // (no word apart: a word said twice in one of them, `faire un … sur un` / `faire … sur un`)
  if (apart > 2 || shared / (a.size + b.size - shared) < 0.75) return false;
  // a number said differently is another value (an update), not the same line said again
  const numbers = (s: ReadonlySet<string>) =>
    [...s]
      .filter((t) => /\d/.test(t))
      .sort()
      .join(' ');
  return numbers(a) === numbers(b);
}

/** Reports each line a session wrote that nearly repeats a line of the store, with where and which session. */
export function reportNearDuplicates(facts: readonly Fact[], ledger: Ledger): void {
  const live = facts.filter((f) => !f.decision && f.removable && f.norm.length >= 16);
  if (!live.some((f) => f.written && !f.written.untrusted)) return; // no session wrote a line: nothing to compare
  const tokens = new Map(live.map((f) => [f, tokensOf(f.norm)] as const));
  const byToken = new Map<string, Fact[]>();
  for (const f of live)
    for (const t of tokens.get(f)!) {
      const at = byToken.get(t);
      if (at) at.push(f);
      else byToken.set(t, [f]);
    }
  let reported = 0;
  for (const n of live) {
    if (!n.written || n.written.untrusted || reported >= maxFindings) continue;
    const mine = tokens.get(n)!;
    // the rarest word of the line finds the lines that may repeat it (a near copy shares all but two words)
    const rare = [...mine].sort((a, b) => byToken.get(a)!.length - byToken.get(b)!.length).slice(0, 3);
    const seen = new Set<Fact>();
    for (const o of rare.flatMap((t) => byToken.get(t)!)) {
      if (o === n || seen.has(o) || o.norm === n.norm || (o.written && o.written.at >= n.written.at)) continue;
      seen.add(o);
      if (symbols(o.text) !== symbols(n.text) || !near(tokens.get(o)!, mine)) continue;
      ledger.find({
        kind: 'duplicate',
        detail: `nearly the same line, a word or its emphasis apart: ${quote(n.text)} (${n.written.sessionId}, ${day(n.written.at)}) and ${quote(o.text)}; left for a reviewer`,
        at: [place(n), place(o)],
      });
      reported++;
      break;
    }
  }
}
