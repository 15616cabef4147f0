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
const version = /^\s?v?\d+(?:\.\d+)*(?![\p{L}\p{N}])/u;
const clause = /[;,。，；、|()（）]|[.!?]\s|\s[—–-]\s/u;
/** At most this many words between the old name and the new one: one short statement of a change. */
const reach = 4;
/** At most this many lines of the store may hold the old name: more, and it names many things. */
const rare = 3;

const lower = (s: string) => s.toLowerCase();
const namesIn = (text: string) => [...text.matchAll(name)].filter((m) => /\p{L}{3}/u.test(m[0]));

/**
 * Suggests, for each line a session wrote that no other mechanism placed, the older label line whose value is
 * the name the newer line changes from.
 */
export function namedChoiceUpdates(facts: readonly Fact[], groups: Groups, fields: ReadonlySet<string>): void {
  // how many lines hold each name; which names the store held before these sessions
  const holders = new Map<string, number>();
  const baseline = new Set<string>();
  for (const f of facts)
    for (const n of new Set(namesIn(f.text).map((m) => lower(m[0])))) {
      holders.set(n, (holders.get(n) ?? 0) + 1);
      if (!f.written) baseline.add(n);
    }
  // older label lines whose value starts with a name: the choice they record
  const choices = new Map<string, Fact[]>();
  for (const f of facts) {
    const keyed = f.start === f.end && !f.written ? parseKeyedFact(f.text) : undefined;
    if (keyed?.form !== 'label' || !isAtomic(keyed.value)) continue;
    const at = f.text.lastIndexOf(keyed.raw);
    const first = at > 0 ? namesIn(f.text.slice(at).replace(/^[*_`\s]+/u, ''))[0] : undefined;
    if (first?.index === 0) choices.set(lower(first[0]), [...(choices.get(lower(first[0])) ?? []), f]);
  }
  const bys = new Set(facts.flatMap((f) => (f.decision ? [f.decision.by] : [])));
  for (const n of facts) {
    if (!n.written || n.written.untrusted || n.decision || bys.has(n) || n.start !== n.end) continue;
    const names = namesIn(n.text);
    for (const [i, from] of names.entries()) {
      const olds = (choices.get(lower(from[0])) ?? []).filter((o) => older(o, n, fields));
      if (olds.length !== 1 || (holders.get(lower(from[0])) ?? 0) > rare + 1) continue;
      // the one name after it, in the same clause, a few words on, that the store never held
      const to = names.slice(i + 1).filter((m) => !baseline.has(lower(m[0])) && near(n.text, from, m));
      if (to.length !== 1 || names.slice(i + 1).some((m) => m !== to[0] && near(n.text, from, m) && !isVersion(m[0])))
        continue;
      const o = olds[0]!;
      const text = withChoice(o, n.text, to[0]!);
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

const isVersion = (s: string) => /^v\d/u.test(s);

/** The second name follows the first in one clause, with at most `reach` words between them. */
function near(text: string, a: RegExpMatchArray, b: RegExpMatchArray): boolean {
  const between = text.slice(a.index! + a[0].length, b.index);
  return !clause.test(between) && (between.match(/[\p{L}\p{N}]+/gu) ?? []).length <= reach;
}

/** The older line with its value replaced by the new name and the version the newer line gives it. */
function withChoice(o: Fact, newer: string, to: RegExpMatchArray): string | undefined {
  const keyed = parseKeyedFact(o.text)!;
  const at = o.text.lastIndexOf(keyed.raw);
  if (at <= 0) return undefined;
  const v = version.exec(newer.slice(to.index! + to[0].length))?.[0] ?? '';
  const value = `${to[0]}${v.startsWith(' ') || v === '' ? v : ` ${v}`}`;
  return `${o.text.slice(0, at)}${value}${o.text.slice(at + keyed.raw.length)}`;
}

/** An older line in another file, undecided, that is not a journal's record of its day nor a field of many records. */
function older(o: Fact, n: Fact, fields: ReadonlySet<string>): boolean {
  if (o.decision || !o.removable || o.path === n.path || writtenAt(o) >= writtenAt(n)) return false;
  if (isJournal(o.path)) return false;
  return !(o.fact && fields.has(o.fact.subject));
}
