/**
 * A choice changed from one name to another, said in any language: the store's `- **Bundler**: webpack 5` and a
 * session's `打包工具从 webpack 换成了 Vite 6`, `Сервер переехал с Hetzner на DigitalOcean`. The words around the
 * names need not be the store's: what ties the lines is that the newer one names the older line's value (a name in
 * a script with case, rare in the store) and, in the same clause and a few words on, one name the store never
 * held. Names of products and hosts are written in Latin letters in every language, so the order of the two
 * (the old one first) and the clause they share is the evidence. The older line's value becomes the new name
 * (with the version the newer line gives it), as a suggestion only.
 */
import { evidenceOf, writtenAt, type Fact } from './facts.js';
import type { Groups } from './supersession.js';
import { parseKeyedFact } from './text.js';
import { isAtomic, isJournal } from './values.js';

// a name in a script with case: letters, then letters, digits or joiners (`webpack`, `DigitalOcean`, `Next.js`)
const name = /(?<![\p{L}\p{N}_.-])[\p{Script=Latin}][\p{Script=Latin}\p{Nd}]*(?:[.+#-][\p{Script=Latin}\p{Nd}]+)*/gu;
const version = /^\s?v?\d+(?:\.\d+)*(?![\p{Nd}]|\.\d|[\p{Script=Latin}])/u;
const clause = /[;,。，；、|()（）]|[.!?]\s|\s[—–-]\s/u;
/** At most this many words between the old name and the new one: one short statement of a change. */
const reach = 4;
/** At most this many lines of a small store may hold the old name (2 % of a large one's): more, and it names many things. */
const rare = 3;

const lower = (s: string) => s.toLowerCase();
const namesIn = (text: string) => [...text.matchAll(name)].filter((m) => /\p{L}{3}/u.test(m[0]));

/**
 * Suggests, for each line a session wrote that no other mechanism placed, the older label line whose value names
 * what the newer line changes from: the old name followed in one clause by the new one (`从 webpack 换成了 Vite`),
 * or the old name in a remark after the new one (`PostgreSQL 16으로 변경 (MongoDB 미사용)`).
 */
export function namedChoiceUpdates(
  facts: readonly Fact[],
  written: readonly Fact[],
  groups: Groups,
  fields: ReadonlySet<string>,
): void {
  // how many lines hold each name; which names the store held before these sessions
  const holders = new Map<string, number>();
  const baseline = new Set<string>();
  for (const f of [...facts, ...written])
    for (const n of new Set(namesIn(f.text).map((m) => lower(m[0])))) {
      holders.set(n, (holders.get(n) ?? 0) + 1);
      if (!f.written) baseline.add(n);
    }
  // older label lines with a short value: the choice they record, by each name the value holds
  const choices = new Map<string, Fact[]>();
  for (const f of facts) {
    const keyed = f.start === f.end && !f.written ? parseKeyedFact(f.text) : undefined;
    if (keyed?.form !== 'label' || !isAtomic(keyed.value)) continue;
    const at = f.text.lastIndexOf(keyed.raw);
    if (at <= 0) continue;
    for (const m of new Set(namesIn(f.text.slice(at)).map((x) => lower(x[0]))))
      choices.set(m, [...(choices.get(m) ?? []), f]);
  }
  const bys = new Set(facts.flatMap((f) => (f.decision ? [f.decision.by] : [])));
  // a project's own choice is named in a few lines of a hundred; a word of its language in many more
  const common = Math.max(rare + 1, Math.ceil(facts.length * 0.02));
  for (const n of [...facts, ...written]) {
    if (!n.written || n.written.untrusted || n.decision || bys.has(n) || n.start !== n.end) continue;
    // in a line all in Latin letters, only what is written as a name is one (`Vite`, `C++17`, `next.js`)
    const cased = !/(?=\p{L})\P{Script=Latin}/u.test(n.text);
    const names = namesIn(n.text).filter((m) => !cased || /\p{Lu}|\d|[.+#-]/u.test(m[0]));
    for (const [i, from] of names.entries()) {
      const olds = (choices.get(lower(from[0])) ?? []).filter((o) => older(o, n, fields));
      if (olds.length !== 1 || (holders.get(lower(from[0])) ?? 0) > common) continue;
      const o = olds[0]!;
      const theirs = new Set(namesIn(o.text).map((m) => lower(m[0])));
      const to = successor(n.text, names, i, baseline).filter((m) => !theirs.has(lower(m[0])));
      if (to.length !== 1) continue;
      const text = withChoice(o, from[0], n.text, to[0]!);
      if (text === undefined) continue;
      o.decision = {
        kind: 'replaced',
        by: n,
        text,
        evidence: evidenceOf(n.written),
        tier: 'suggested',
        group: groups.next(),
        anchor: from[0],
      };
      bys.add(n);
      break;
    }
  }
}

/**
 * The names that may replace `names[i]`: in one clause a few words after it, those the store never held; or, when
 * it stands in a remark (brackets), the new names of the clause the remark follows, else those written as names
 * (a capital or a version after them).
 */
function successor(
  text: string,
  names: RegExpMatchArray[],
  i: number,
  baseline: ReadonlySet<string>,
): RegExpMatchArray[] {
  const from = names[i]!;
  const open = remarkStart(text, from.index!);
  if (open === undefined) {
    const after = names.slice(i + 1).filter((m) => near(text, from, m) && !isVersion(m[0]));
    const fresh = after.filter((m) => !baseline.has(lower(m[0])));
    return fresh.length === 1 && after.length === 1 ? fresh : [];
  }
  const head = text.slice(0, open);
  const start = Math.max(0, ...[...head.matchAll(new RegExp(clause.source, 'gu'))].map((m) => m.index + m[0].length));
  const before = names.filter((m) => m.index! >= start && m.index! < open && !isVersion(m[0]));
  const fresh = before.filter((m) => !baseline.has(lower(m[0])));
  if (fresh.length > 0) return fresh;
  return before.filter((m) => /^\p{Lu}/u.test(m[0]) || version.test(text.slice(m.index! + m[0].length)));
}

/** Where the bracketed remark around `at` opens, or undefined when `at` is in no brackets. */
function remarkStart(text: string, at: number): number | undefined {
  const open = Math.max(text.lastIndexOf('(', at), text.lastIndexOf('（', at));
  if (open === -1) return undefined;
  const close = [text.indexOf(')', open), text.indexOf('）', open)].filter((c) => c !== -1);
  return close.length === 0 || Math.min(...close) > at ? open : undefined;
}

const isVersion = (s: string) => /^v\d/u.test(s);

/** The second name follows the first in one clause, with at most `reach` words between them. */
function near(text: string, a: RegExpMatchArray, b: RegExpMatchArray): boolean {
  const between = text.slice(a.index! + a[0].length, b.index);
  return !clause.test(between) && (between.match(/[\p{L}\p{N}]+/gu) ?? []).length <= reach;
}

/** The older line with the old name (and the version after it) replaced by the new name and the version the newer line gives it. */
function withChoice(o: Fact, from: string, newer: string, to: RegExpMatchArray): string | undefined {
  const keyed = parseKeyedFact(o.text)!;
  const at = o.text.lastIndexOf(keyed.raw);
  const hit = namesIn(o.text.slice(at)).find((m) => lower(m[0]) === lower(from));
  if (at <= 0 || !hit) return undefined;
  const start = at + hit.index!;
  const end = start + hit[0].length + (version.exec(o.text.slice(start + hit[0].length))?.[0].length ?? 0);
  const v = version.exec(newer.slice(to.index! + to[0].length))?.[0].trim() ?? '';
  return `${o.text.slice(0, start)}${to[0]}${v === '' ? '' : ` ${v}`}${o.text.slice(end)}`;
}

/** An older line in another file, undecided, that is not a journal's record of its day nor a field of many records. */
function older(o: Fact, n: Fact, fields: ReadonlySet<string>): boolean {
  if (o.decision || !o.removable || o.path === n.path || writtenAt(o) >= writtenAt(n)) return false;
  if (isJournal(o.path)) return false;
  return !(o.fact && fields.has(o.fact.subject));
}
