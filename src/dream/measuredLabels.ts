/**
 * An update whose label is written in another script than the older line's, with no word or name in common:
 * `- **Request timeout**: 30 s` and a session's `- **请求超时**: 60 秒`. What ties them is not their words but
 * their evidence: both are `Label: value` lines whose value is one quantity of the same unit (ICU's unit words
 * of every locale, measures.ts), and the store has no other line giving a label a value in that unit. A label in
 * the same script as the older one would have been tied by its words (or left apart on purpose), so only a label
 * of another script (Unicode's script property of its letters) is read here. Always a suggestion.
 */
import { sameKind } from './anchors.js';
import { evidenceOf, writtenAt, type Fact } from './facts.js';
import { measureAt, type Measure } from './measures.js';
import type { Groups } from './supersession.js';
import { parseKeyedFact } from './text.js';
import { valuesOf, withPairs, type Value } from './valueAlign.js';
import { isJournal } from './values.js';

/** A label line's one quantity: its unit, its number, and the script of its label's letters. */
interface Quantity {
  measure: Measure;
  value: Value;
  script: string;
}

/** Unicode's scripts of the letters a label may be written in: a closed list of the property's values. */
const scripts = [
  'Latin',
  'Cyrillic',
  'Greek',
  'Han',
  'Hiragana',
  'Katakana',
  'Hangul',
  'Arabic',
  'Hebrew',
  'Thai',
  'Devanagari',
  'Armenian',
  'Georgian',
  'Bengali',
  'Tamil',
  'Ethiopic',
].map((s) => [s, new RegExp(`\\p{Script=${s}}`, 'u')] as const);
// Japanese writes one label in several of them: they count as one
const family = (s: string) => (s === 'Hiragana' || s === 'Katakana' || s === 'Han' ? 'CJK' : s);

/** The script most letters of the text are written in, or undefined when it has no letter of a listed script. */
export function scriptOf(text: string): string | undefined {
  const count = new Map<string, number>();
  for (const ch of text.match(/\p{L}/gu) ?? []) {
    const s = scripts.find(([, re]) => re.test(ch))?.[0];
    if (s) count.set(family(s), (count.get(family(s)) ?? 0) + 1);
  }
  return [...count].sort((a, b) => b[1] - a[1])[0]?.[0];
}

/** The quantity of a `Label: value` line whose value is one number with a unit, or undefined. */
export function quantityOf(line: string): Quantity | undefined {
  const keyed = parseKeyedFact(line);
  if (keyed?.form !== 'label') return undefined;
  const start = line.lastIndexOf(keyed.raw);
  const script = scriptOf(keyed.subject);
  if (start <= 0 || script === undefined) return undefined;
  const numbers = valuesOf(line).filter((v) => v.kind === 'number' && v.at >= start && /^\d/.test(v.text));
  const cores = numbers.filter((v) => !numbers.some((w) => w !== v && w.at <= v.at && w.at + w.text.length > v.at));
  if (cores.length !== 1) return undefined;
  const value = cores[0]!;
  const core = /^\d+(?:[.,]\d+)?/u.exec(value.text)![0];
  const measure = measureAt(line, value.at, value.at + core.length);
  return measure ? { measure, value: { ...value, text: core }, script } : undefined;
}

/**
 * Suggests, for each `Label: quantity` line a session wrote that no other mechanism placed, the update of the one
 * older label line of the store with a quantity in the same unit, when their labels are in two scripts.
 */
export function measuredLabelUpdates(facts: readonly Fact[], groups: Groups, fields: ReadonlySet<string>): void {
  const quantities = new Map<Fact, Quantity>();
  for (const f of facts) {
    if (f.start !== f.end) continue;
    const q = quantityOf(f.text);
    if (q) quantities.set(f, q);
  }
  const bys = new Set(facts.flatMap((f) => (f.decision ? [f.decision.by] : [])));
  for (const [n, mine] of quantities) {
    if (!n.written || n.written.untrusted || n.decision || bys.has(n)) continue;
    // every other line giving a label a quantity in that unit: exactly one, older, in another file and script
    const same = [...quantities].filter(([o, q]) => o !== n && q.measure.unit === mine.measure.unit);
    if (same.length !== 1) continue;
    const [o, theirs] = same[0]!;
    if (theirs.script === mine.script || !older(o, n, fields)) continue;
    if (theirs.value.text === mine.value.text || !sameKind(theirs.value.text, mine.value.text)) continue;
    o.decision = {
      kind: 'replaced',
      by: n,
      text: withPairs(o.text, [{ from: theirs.value, to: mine.value, score: 0 }]),
      evidence: evidenceOf(n.written),
      tier: 'suggested',
      group: groups.next(),
      anchor: mine.measure.unit,
    };
    bys.add(n);
  }
}

/** An older line in another file, undecided, that is not a journal's record of its day nor a field of many records. */
function older(o: Fact, n: Fact, fields: ReadonlySet<string>): boolean {
  if (o.decision || !o.removable || o.path === n.path || writtenAt(o) >= writtenAt(n)) return false;
  if (isJournal(o.path) && !o.written) return false;
  return !(o.fact && fields.has(o.fact.subject));
}
