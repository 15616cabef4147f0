/**
 * Updates that name the value they replace, in any language: "Local mode now defaults to `qwen2.5vl:7b`
 * (llama3.2-vision took ~40 s …)", "published on host port 5080 (…); 5001 clashed with …", a changelog row
 * "| … | GPT-4o-mini returned … | moved to gpt-5-mini |". A line a session wrote states one value and, in an
 * aside or another clause, names a value an older line in another file holds, of the same form: the older
 * line takes the stated value in place, as a suggestion (the words around the values need not agree, so it is
 * never applied). The named value must be rare in the store (at most three lines hold it) and the stated one
 * new to it (no line the sessions did not write holds it): a line naming two values the store knows compares
 * them, it does not update one. The newer line may be any line a session wrote, a table row or a block quote
 * or a line of a settings file too: what it says is evidence, though it is never itself changed.
 */
import type { PreparedInput } from './dreamer.js';
import { evidenceOf, writtenAt, type Fact, type Written } from './facts.js';
import { measureAt, unitAgreement } from './measures.js';
import type { Groups } from './supersession.js';
import { normalizeLine } from './text.js';
import { holds, shape, valuesOf, withPairs, type Value } from './valueAlign.js';
import { isJournal } from './values.js';

/** At most this many older lines may hold a named value: more, and the value is common, not a name. */
const rare = 3;
const year = /(?:^|\D)(?:19|20)\d\d(?:\D|$)/;
const clause = /[;,。，；、|]|[.!?]\s|\s[—–-]\s/u;
const lower = (s: string) => s.toLowerCase();

/** A value distinctive enough to name one thing: three digits or more, or letters with digits; no date or year. */
function distinctive(v: Value): boolean {
  if (v.kind !== 'number' || year.test(v.text)) return false;
  const digits = (v.text.match(/\d/g) ?? []).length;
  return /\p{L}/u.test(v.text) ? v.text.length >= 4 && digits >= 1 && /\p{L}{2}/u.test(v.text) : digits >= 3;
}

/** The letters a name starts with (`gpt` of `GPT-4o-mini`), lower-cased. */
const stem = (v: string) => lower(/^\p{L}+/u.exec(v)?.[0] ?? '');
const inCode = (text: string, v: Value) => text[v.at - 1] === '`' && text[v.at + v.text.length] === '`';

/** A stated value of the named one's form: one shape (numbers of one size), or a name of one stem or code span to code span. */
function sameForm(o: Fact, old: Value, n: Fact, named: Value, stated: Value): boolean {
  if (/\p{L}/u.test(named.text) !== /\p{L}/u.test(stated.text)) return false;
  if (!/\p{L}/u.test(named.text)) {
    // a year is a value of its own kind (the date a changelog row starts with is no port)
    if (/^(?:19|20)\d\d$/.test(stated.text)) return false;
    const [x, y] = [Number.parseFloat(named.text), Number.parseFloat(stated.text)];
    const near = !/^\d+$/.test(named.text) || (x > 0 && y > 0 && Math.max(x, y) / Math.min(x, y) <= 10);
    return shape(named.text) === shape(stated.text) && near && units(o.text, old, n.text, stated) !== 'other';
  }
  const s = stem(named.text);
  return (s.length >= 2 && s === stem(stated.text)) || (inCode(o.text, old) && inCode(n.text, stated));
}

function units(a: string, av: Value, b: string, bv: Value) {
  const at = (t: string, v: Value) => {
    const core = /\d+(?:[.:]\d+)*/u.exec(v.text);
    return core ? measureAt(t, v.at + core.index, v.at + core.index + core[0].length) : undefined;
  };
  return unitAgreement(at(a, av), at(b, bv));
}

/** The named value stands apart from the stated one: in an aside the stated one is not in, or past a clause. */
function apart(text: string, named: Value, stated: Value): boolean {
  if (stated.aside) return false;
  if (named.aside) return true;
  const [a, b] = named.at < stated.at ? [named, stated] : [stated, named];
  return clause.test(text.slice(a.at + a.text.length, b.at));
}

/**
 * Suggests, for each line a session wrote that no other mechanism placed, the update of the older lines
 * holding a rare value it names, by the one new value of that form it states.
 */
export function namedValueUpdates(
  facts: readonly Fact[],
  rows: readonly Fact[],
  written: readonly Fact[],
  groups: Groups,
): void {
  // a row a session wrote is evidence, not a line the store held before
  const ownRows = new Set(written.map((w) => `${w.path}\0${w.start}`));
  const olds = [...facts, ...rows.filter((r) => !ownRows.has(`${r.path}\0${r.start}`))];
  const holders = new Map<string, Fact[]>();
  const baseline = new Set<string>(); // values held by lines no session wrote
  for (const f of [...olds, ...written])
    for (const v of new Set(valuesOf(f.text).map((x) => lower(x.text)))) {
      holders.set(v, [...(holders.get(v) ?? []), f]);
      if (!f.written) baseline.add(v);
    }
  const bys = new Set(facts.flatMap((f) => (f.decision ? [f.decision.by] : [])));
  const newer = [...facts.filter((f) => f.written && !f.written.untrusted && !f.decision), ...written];
  for (const n of newer) {
    if (bys.has(n) || n.text.includes('\n')) continue;
    const values = valuesOf(n.text);
    for (const named of values.filter(distinctive)) {
      const holding = holders.get(lower(named.text)) ?? [];
      const mine = holding.filter((o) => older(o, n));
      if (mine.length === 0 || holding.filter((o) => o !== n && !o.written).length > rare) continue;
      const pairs = mine.map((o) => {
        const held = valuesOf(o.text).filter((v) => lower(v.text) === lower(named.text));
        const old = held[0]!;
        const stated = values.filter(
          (s) =>
            lower(s.text) !== lower(named.text) &&
            !baseline.has(lower(s.text)) &&
            apart(n.text, named, s) &&
            sameForm(o, old, n, named, s),
        );
        return { o, held, stated: [...new Set(stated.map((s) => s.text))] };
      });
      // one stated value, the same for every older line: otherwise the line names several and updates none
      const to = pairs[0]!.stated;
      if (to.length !== 1 || pairs.some((p) => p.stated.length !== 1 || p.stated[0] !== to[0])) continue;
      const stated = values.find((s) => s.text === to[0])!;
      // an older line that lists both values (`600/800/1200`) says they are options: the newer line picks one, it updates none
      if (mine.some((o) => holds(o.text, stated.text))) continue;
      const group = groups.next();
      for (const { o, held } of pairs)
        o.decision = {
          kind: 'replaced',
          by: n,
          // every place the older unit says the value (`5001` and `http://localhost:5001` of one paragraph)
          text: withPairs(
            o.text,
            held.map((from) => ({ from, to: stated, score: 0 })),
          ),
          evidence: evidenceOf(n.written),
          tier: 'suggested',
          group,
          anchor: named.text,
        };
      bys.add(n);
      break;
    }
  }
}

/** An older unit in another file, undecided, whose text is its lines, that is not a journal's record of its day. */
function older(o: Fact, n: Fact): boolean {
  if (o === n || o.decision || !o.removable || o.path === n.path || writtenAt(o) >= writtenAt(n)) return false;
  return o.text.split('\n').length === o.end - o.start + 1 && !(isJournal(o.path) && !o.written);
}

/**
 * The lines the trusted sessions wrote that are no unit of a markdown document (a table row, a block quote, a
 * line of a settings file), as they stand in the store now: evidence of an update, never changed themselves.
 */
export function writtenLines(input: PreparedInput, facts: readonly Fact[]): Fact[] {
  const covered = new Set(facts.map((f) => `${f.path}\0${f.start}`));
  const out: Fact[] = [];
  for (const s of input.sessions)
    for (const w of s.memoryWrites) {
      const lines = input.store.files.get(w.path)?.split('\n');
      if (!lines) continue;
      const when: Written = { at: w.at, sessionId: s.sessionId, eventId: w.eventId };
      for (const l of w.lines) {
        const i = lines.indexOf(l);
        if (i === -1 || covered.has(`${w.path}\0${i}`) || !/\d/.test(l)) continue;
        covered.add(`${w.path}\0${i}`);
        const line = input.inputLine(w.path, i + 1);
        const base = { path: w.path, start: i, end: i, text: l, scope: `${w.path}\0written\0${i}`, block: i };
        out.push({
          ...base,
          section: '',
          removable: false,
          checked: null,
          line,
          lastLine: line,
          norm: normalizeLine(l),
          written: when,
        });
      }
    }
  return out;
}
