import { isArchivePath } from '../memory/paths.js';
import type { MemoryStore } from '../memory/store.js';
import type { SessionDigest } from '../sessions/digest.js';
import { redactKnown, redactSecrets } from '../sessions/screen.js';
import type { Matcher, Suite, SuiteCase } from './suite.js';

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
 * A fact to find on one line: all of its values and at least `need` of its words; where it came from, for a
 * reviewer and the YAML comments.
 */
export interface DerivedItem extends FactTokens {
  from: string;
  text: string;
}

export interface FactTokens {
  values: string[];
  words: string[];
  need: number;
}

export interface Fact {
  path: string;
  line: number;
  section: string;
  text: string;
  label?: string;
}

const factFile = /(\.(md|markdown|mdx|txt|rst|org)|\/[^./]+)$/i;

const stopWords = new Set(
  (
    'about above after again also always among another because been before being below between both could does doing done down during each ' +
    'either every from further have having here into itself just like made make many more most much must never none only other over same ' +
    'should since some such than that their them then there these they this those through under until upon very were what when where ' +
    'which while will with within would your yours used uses using need needs note please also able'
  ).split(' '),
);

/** Front matter, fenced code, headings, table borders, HTML comments and index links are not facts. */
export function factsOf(store: MemoryStore): Fact[] {
  const out: Fact[] = [];
  for (const [path, content] of store.files) {
    if (isArchivePath(path) || !factFile.test(path)) continue;
    const lines = content.split('\n');
    let i = 0;
    if (/^---\s*$/.test(lines[0] ?? '')) {
      const end = lines.findIndex((l, j) => j > 0 && /^(---|\.\.\.)\s*$/.test(l));
      if (end > 0) i = end + 1;
    }
    let fence: string | undefined;
    let comment = false;
    let section = '';
    for (; i < lines.length; i++) {
      const raw = lines[i]!.replace(/\r$/, '');
      const t = raw.trim();
      const f = /^(`{3,}|~{3,})/.exec(t);
      if (fence) {
        if (f && t.startsWith(fence)) fence = undefined;
        continue;
      }
      if (f) {
        fence = f[1]!;
        continue;
      }
      if (comment) {
        if (t.includes('-->')) comment = false;
        continue;
      }
      if (t.startsWith('<!--')) {
        comment = !t.includes('-->');
        continue;
      }
      const h = /^#{1,6}\s+(.*)$/.exec(t);
      if (h) {
        section = h[1]!.replace(/#+\s*$/, '').trim();
        continue;
      }
      if (t === '' || /^\|?[\s:|-]+\|?$/.test(t) || /^[-*_=]{3,}$/.test(t)) continue;
      if (isIndexLine(t)) continue;
      const label = labelOf(t);
      out.push({ path, line: i + 1, section, text: raw, ...(label ? { label } : {}) });
    }
  }
  return out;
}

/** A list item that is a link to another memory file (an index entry): it follows its file, not a fact. */
function isIndexLine(t: string): boolean {
  const m = /^(?:[-*+]|\d+[.)])\s+\[[^\]]*\]\(\s*<?([^)\s>]+)>?\s*\)/.exec(t);
  return m !== null && !/^[a-z][a-z0-9+.-]*:/i.test(m[1]!) && !m[1]!.startsWith('#');
}

const strip = (t: string) =>
  t
    .replace(/^\s*(?:[-*+]|\d+[.)])\s+(?:\[[ xX]\]\s+)?/, '')
    .replace(/\*\*|__|`/g, '')
    .trim();

/**
 * The subject a line gives a value to, lower-cased, at most six words: `label: value` (`**Label:** value`,
 * `label = value`) or `The subject is value` (`… uses …`, `… runs on …`).
 */
export function labelOf(text: string): string | undefined {
  const t = strip(text);
  const m =
    /^([^:=|]{1,60}?)\s*(?::|=|→|->)\s+\S/.exec(t) ??
    /^(?:the |our |my )?([^:=|,.;!?]{2,60}?)\s+(?:is|are|is set to|was set to|uses|runs on|lives at|lives in)\s+\S/i.exec(
      t,
    );
  if (!m) return undefined;
  const label = m[1]!
    .toLowerCase()
    .replace(/^(?:the|our|my)\s+/, '')
    .replace(/\s+/g, ' ')
    .trim();
  if (label.split(' ').length > 6 || /^https?$/.test(label) || !/\p{L}/u.test(label)) return undefined;
  return label;
}

const valuePattern = /[\p{L}\p{N}_]*\d[\p{L}\p{N}_./:@+%-]*|[\p{L}\p{N}_-]+(?:[./@:][\p{L}\p{N}_-]+)+|--?[a-z][\w-]+/gu;
const wordPattern = /[\p{L}][\p{L}\p{M}'’-]*/gu;
const isCjk = (w: string) =>
  /[\p{Script=Han}\p{Script=Hangul}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}]/u.test(w);

/** Values: what identifies a fact (numbers, versions, hosts, paths, flags, identifiers). */
function valuesOf(text: string): string[] {
  const found = text.match(valuePattern) ?? [];
  return [
    ...new Set(
      found.map((v) => v.replace(/[.,:;!?)]+$/, '').toLowerCase()).filter((v) => v !== '' && !/redacted/.test(v)),
    ),
  ];
}

/** Words worth matching, each as a stem so that "prefers" still finds "preferred". */
function wordsOf(text: string): string[] {
  const found = text.replace(valuePattern, ' ').match(wordPattern) ?? [];
  const out = new Set<string>();
  for (const raw of found) {
    const w = raw.toLowerCase().replace(/['’-]+$/, '');
    if (/redacted/.test(w)) continue;
    if (isCjk(w)) {
      if (w.length >= 2) out.add(w.slice(0, 4));
      continue;
    }
    if (w.length < 4 || stopWords.has(w)) continue;
    out.add(/^[a-z]+$/.test(w) && w.length > 6 ? w.slice(0, w.length - 2) : w);
  }
  return [...out];
}

/**
 * What a line must still hold for its fact to be supported: every value (at most four) and, of its rarest
 * words (two beside values, else four), one beside values or all but one without: a fact merged with its
 * re-worded duplicate is still found, a fact deleted is not. Longer words first: "onto" and "main" say less
 * than "rebase".
 */
export function factTokens(text: string, wordFrequency: (w: string) => number = () => 0): FactTokens {
  const clean = redactKnown(strip(text)).text.replace(/\[REDACTED:[^\]]*\]/g, ' ');
  const values = valuesOf(clean).slice(0, 4);
  const words = wordsOf(clean)
    .filter((w) => !values.some((v) => v.includes(w)))
    .sort(
      (a, b) =>
        Number(b.length >= 5) - Number(a.length >= 5) ||
        wordFrequency(a) - wordFrequency(b) ||
        b.length - a.length ||
        (a < b ? -1 : 1),
    )
    .filter((w, i, all) => !all.some((o, j) => j !== i && o !== w && o.includes(w)))
    .slice(0, values.length > 0 ? 2 : 4);
  const need = values.length > 0 ? Math.min(1, words.length) : Math.max(1, words.length - 1);
  return { values, words, need: Math.min(need, words.length) };
}

const hasTokens = (t: FactTokens) => t.values.length + t.words.length > 0;

/** Does one line of `text` hold the fact's tokens? (Case-insensitive; the YAML form is the same test as a regex.) */
export function tokenMatcher(item: DerivedItem): Matcher {
  // a number stands alone: "8 minutes" is not found in "18 minutes" or "2028"
  const values = item.values.map((t) => {
    const alone = new RegExp(`(?<!\\d)${t}(?!\\d)`);
    return /^\d+$/.test(t) ? (l: string) => alone.test(l) : (l: string) => l.includes(t.toLowerCase());
  });
  const words = item.words.map((t) => t.toLowerCase());
  let cacheText: string | undefined;
  let cacheLines: string[] = [];
  return {
    source: `${item.from} ${JSON.stringify(item.text.length > 80 ? `${item.text.slice(0, 79)}…` : item.text)}`,
    test(text) {
      if (text !== cacheText) {
        cacheText = text;
        cacheLines = text.toLowerCase().split('\n');
      }
      return cacheLines.some(
        (l) => values.every((v) => v(l)) && words.filter((w) => l.includes(w)).length >= item.need,
      );
    },
  };
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

function combinations<T>(xs: T[], k: number): T[][] {
  if (k === 0) return [[]];
  if (xs.length < k) return [];
  const [first, ...rest] = xs as [T, ...T[]];
  return [...combinations(rest, k - 1).map((c) => [first, ...c]), ...combinations(rest, k)];
}

/** The same test, written as a SPEC §3 regular expression item. */
export function itemRegex(item: DerivedItem): string {
  const has = (t: string) => `(?=.*${escape(t)})`;
  const values = item.values.map((v) => (/^\d+$/.test(v) ? `(?=.*(?<!\\d)${v}(?!\\d))` : has(v))).join('');
  const sets = combinations(item.words, item.need).map((c) => c.map(has).join(''));
  const words = sets.length > 1 ? `(?:${sets.join('|')})` : (sets[0] ?? '');
  return `/^${values}${words}.*$/im`;
}

const normalized = (t: string) =>
  strip(t)
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[.;]+$/, '')
    .replace(/\s+/g, ' ')
    .trim();

interface Write {
  at: number;
  path: string;
  text: string;
  sessionId: string;
}

/**
 * Baseline lines that a session write shows replaced, each with the line that replaced it: a newer write
 * (a `str_replace`, an `edit`, an insert or a new file) of a line with the same label in the same file and
 * section — or in another file, when the label has two words or more and occurs in at most these two places
 * (a label found in many places, like "Why", "How to apply" or "Status", names a kind of line, not a thing).
 */
export function replacements(facts: Fact[], sessions: readonly SessionDigest[]): { old: Fact; by: Fact }[] {
  const writes: Write[] = sessions.flatMap((s) =>
    s.memoryWrites.flatMap((w) => w.lines.map((text) => ({ at: w.at, path: w.path, text, sessionId: s.sessionId }))),
  );
  const writtenAt = new Map<string, number>();
  for (const w of writes) {
    const k = normalized(w.text);
    writtenAt.set(k, Math.max(writtenAt.get(k) ?? -Infinity, w.at));
  }
  const labelPlaces = new Map<string, Set<string>>();
  for (const f of facts)
    if (f.label) labelPlaces.set(f.label, (labelPlaces.get(f.label) ?? new Set()).add(`${f.path}#${f.section}`));

  const out = new Map<Fact, Fact>();
  for (const f of facts) {
    if (!f.label) continue;
    const fAt = writtenAt.get(normalized(f.text)) ?? -Infinity; // a line with no write is older than any that has one
    for (const g of facts) {
      if (g === f || g.label !== f.label || normalized(g.text) === normalized(f.text)) continue;
      const gAt = writtenAt.get(normalized(g.text));
      if (gAt === undefined || gAt <= fAt) continue;
      const sameSection = g.path === f.path && g.section === f.section;
      const oneThing = (labelPlaces.get(f.label)?.size ?? 0) <= 2 && f.label.split(' ').length >= 2;
      if (!sameSection && !oneThing) continue;
      const prev = out.get(f);
      if (!prev || (writtenAt.get(normalized(prev.text)) ?? 0) < gAt) out.set(f, g);
    }
  }
  return [...out].map(([old, by]) => ({ old, by }));
}

const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 40) || 'x';

const rememberCue =
  /\b(?:please\s+)?(?:remember(?:\s+that)?|don'?t forget(?:\s+that)?|do not forget(?:\s+that)?|keep in mind(?:\s+that)?|note that|make a note(?: that)?|for future reference,?)\s*[:,-]?\s*(.+)$/i;

/** Derives the cases (see the comment at the top); `sessions` as selected, before screening. */
export async function deriveCases(store: MemoryStore, sessions: readonly SessionDigest[]): Promise<DerivedCase[]> {
  const trusted = sessions.filter((s) => !s.injection);
  const quarantinedLines = new Set(
    sessions.filter((s) => s.injection).flatMap((s) => s.memoryWrites.flatMap((w) => w.lines.map(normalized))),
  );
  // redacted first: a secret never reaches a case, a YAML file or S3 (the dream redacts it from the store too)
  const facts = await Promise.all(
    factsOf(store)
      .filter((f) => !quarantinedLines.has(normalized(f.text)))
      .map(async (f) => ({ ...f, text: (await redactSecrets(f.text)).text })),
  );
  const frequency = new Map<string, number>();
  for (const f of facts) for (const w of new Set(wordsOf(f.text))) frequency.set(w, (frequency.get(w) ?? 0) + 1);
  const freq = (w: string) => frequency.get(w) ?? 0;
  const item = (f: Fact): DerivedItem | undefined => {
    const tokens = factTokens(f.text, freq);
    return hasTokens(tokens) ? { ...tokens, from: `${f.path}:${f.line}`, text: strip(f.text) } : undefined;
  };

  const replaced = replacements(facts, trusted);
  const superseded = new Set(replaced.map((r) => r.old));
  const cases: DerivedCase[] = [];
  replaced.forEach(({ old, by }, i) => {
    const now = item(by);
    const was = item(old);
    const same = (a: string[], b: string[]) => a.every((t) => b.includes(t));
    if (!now || !was || (same(was.values, now.values) && same(was.words, now.words))) return;
    cases.push({
      id: `current-${i + 1}-${slug(old.label ?? old.text)}`,
      question: `What is the current ${old.label ?? 'value'} (${old.path})?`,
      expect: { all: [now], none: [was] },
      weight: 1,
      kind: 'current',
    });
  });

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

  const told = new Map<string, { text: string; from: string }>();
  for (const s of trusted)
    for (const u of s.userStatements) {
      const m = rememberCue.exec(u.text.replace(/\s+/g, ' '));
      const what = m?.[1]?.replace(/[.!]+$/, '').trim();
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
export function withDerived(written: Suite | undefined, derived: readonly DerivedCase[]): Suite {
  const cases: SuiteCase[] = (written?.cases ?? []).map((c) => c);
  const byPerson = cases.length > 0;
  // alone, retention weighs as much as the rest, so a baseline never scores under one half and a lost fact (0)
  // is a regression at any threshold below that; beside a person's suite it weighs nothing and only vetoes
  const others = derived.filter((d) => d.kind !== 'retention').reduce((n, d) => n + d.weight, 0);
  for (const d of derived) {
    if (cases.some((c) => c.id === d.id)) continue; // a hand-written case of the same id wins
    cases.push({
      id: d.id,
      question: d.question,
      weight: byPerson ? 0 : d.kind === 'retention' ? Math.max(1, others) : d.weight,
      ...(d.kind === 'retention' ? { required: true } : {}),
      expect: { all: d.expect.all.map(tokenMatcher), any: [], none: d.expect.none.map(tokenMatcher) },
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
