import { isArchivePath } from '../memory/paths.js';
import { safeText } from '../util/display.js';
import { MemoryStore } from '../memory/store.js';
import { parseKeyedFact } from '../dream/text.js';
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
  /** Words that must stand on the line as whole words: what tells a superseded value from its successor ("Pro"). */
  whole?: string[];
}

export interface Fact {
  path: string;
  line: number;
  section: string;
  text: string;
  label?: string;
}

const stopWords = new Set(
  (
    'about above after again also always among another because been before being below between both could does doing done down during each ' +
    'either every from further have having here into itself just like made make many more most much must never none only onto other over same ' +
    'should since some such than that their them then there these they this those through under until upon very were what when where ' +
    'which while will with within would your yours used uses using need needs note please also able'
  ).split(' '),
);

const markdown = /\.(md|markdown|mdx)$/i;

/**
 * The fact lines of a store: in a markdown file, the lines of its paragraphs and list items, each under its
 * nearest heading (front matter, fenced code, tables, HTML comments and index links are structure, which
 * the do-no-harm check guards); in a plain-text file, every line. JSON, YAML and other files hold no facts
 * for this suite. One pass over the lines: a store of 2,000 files is read in well under a second.
 */
export function factsOf(store: MemoryStore): Fact[] {
  const out: Fact[] = [];
  for (const [path, content] of store.files) {
    if (isArchivePath(path)) continue;
    const isMarkdown = markdown.test(path);
    if (!isMarkdown && !/\.txt$/i.test(path)) continue;
    const lines = content.split('\n');
    let i = 0;
    if (isMarkdown && /^---\s*$/.test(lines[0] ?? '')) {
      const end = lines.findIndex((l, j) => j > 0 && /^(---|\.\.\.)\s*$/.test(l));
      if (end > 0) i = end + 1;
    }
    let fence: string | undefined;
    let comment = false;
    let section = '';
    for (; i < lines.length; i++) {
      const text = lines[i]!.replace(/\r$/, '');
      const t = text.trim();
      if (isMarkdown) {
        const f = /^(`{3,}|~{3,})/.exec(t);
        if (fence) {
          if (f && t.startsWith(fence)) fence = undefined;
          continue;
        }
        if (f) {
          fence = f[1]!;
          continue;
        }
        if (comment || t.startsWith('<!--')) {
          comment = !t.includes('-->');
          continue;
        }
        const h = /^#{1,6}\s+(.*?)\s*#*$/.exec(t);
        if (h) {
          section = h[1]!;
          continue;
        }
        if (t.startsWith('|') || /^[-*_=]{3,}$/.test(t) || isIndexLine(t)) continue;
      }
      if (t === '' || !/[\p{L}\p{N}]/u.test(t)) continue;
      const label = labelOf(t);
      out.push({ path, line: i + 1, section, text, ...(label ? { label } : {}) });
    }
  }
  return out;
}

/** A list item that is a link to another memory file (an index entry): it follows its file, not a fact. */
function isIndexLine(t: string): boolean {
  const m = /^(?:[-*+]|\d+[.)])\s+\[[^\]]*\]\(\s*<?([^)\s>]+)>?\s*\)/.exec(t);
  return m !== null && !/^[a-z][a-z0-9+.-]*:/i.test(m[1]!) && !m[1]!.startsWith('#');
}

/** A line as a reviewer reads it in a case: without its list marker. */
const shown = (t: string) => t.replace(/^\s*(?:[-*+]|\d+[.)])\s+/, '').trim();

const strip = (t: string) =>
  t
    .replace(/^\s*(?:[-*+]|\d+[.)])\s+(?:\[[ xX]\]\s+)?/, '')
    .replace(/\*\*|__|`/g, '')
    .trim();

/**
 * The line as tokens are taken from it: markup becomes a gap, never glue, so every token is a substring of
 * the line as written (`brightness**2` gives "brightness" and "2", not "brightness2").
 */
const tokenSource = (t: string) =>
  t
    .replace(/^\s*(?:[-*+>]|\d+[.)])\s+(?:\[[ xX]\]\s+)?/, '')
    .replace(/[`*~]+|(?<![\p{L}\p{N}])_+|_+(?![\p{L}\p{N}])/gu, ' ')
    .trim();

/** The subject a line gives a value to (`Label: value`, "The subject is value"), read as the dreamer reads it. */
export function labelOf(text: string): string | undefined {
  return parseKeyedFact(text)?.subject;
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
  const clean = redactKnown(tokenSource(text)).text.replace(/\[REDACTED:[^\]]*\]/g, ' ');
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

/**
 * A store's text as a matcher reads it: its lines lower-cased, the set of them (most facts are found as
 * they were, in one lookup), and where each file's lines are. Built once per text and shared by every
 * matcher of a suite, so 40,000 facts are judged in a moment rather than in a 40,000 × 40,000 scan.
 */
class TextView {
  readonly lower: string;
  readonly lines: string[];
  readonly exact: Set<string>;
  readonly files = new Map<string, [number, number]>();

  constructor(public text: string) {
    this.lower = text.toLowerCase();
    this.lines = this.lower.split('\n');
    this.exact = new Set(this.lines.map((l) => shown(l)));
    let open: [string, number] | undefined;
    this.lines.forEach((l, i) => {
      // currentText() introduces each file with "## <path>"; a look in the wrong place only costs time
      if (!l.startsWith('## /')) return;
      if (open) this.files.set(open[0], [open[1], i]);
      open = [l.slice(3), i + 1];
    });
    if (open) this.files.set(open[0], [open[1], this.lines.length]);
  }

  #pieces: Map<string, number[]> | undefined;
  #sorted: string[] | undefined;

  /** Lines holding `piece` as a whole run of letters and digits (built on first use: only moved facts need it). */
  withPiece(piece: string): number[] {
    if (!this.#pieces) {
      const m = (this.#pieces = new Map());
      this.lines.forEach((l, i) => {
        for (const p of new Set(l.match(piecePattern) ?? [])) {
          const at = m.get(p);
          if (at) at.push(i);
          else m.set(p, [i]);
        }
      });
    }
    return this.#pieces.get(piece) ?? [];
  }

  #prefixes = new Map<string, number[]>();

  /** Lines holding a run that starts with `prefix`, in order. */
  withPrefix(prefix: string): number[] {
    const cached = this.#prefixes.get(prefix);
    if (cached) return cached;
    this.withPiece(prefix);
    const keys = (this.#sorted ??= [...this.#pieces!.keys()].sort());
    let lo = 0;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (keys[mid]! < prefix) lo = mid + 1;
      else hi = mid;
    }
    const out = new Set<number>();
    for (let i = lo; i < keys.length && keys[i]!.startsWith(prefix); i++)
      for (const l of this.#pieces!.get(keys[i]!)!) out.add(l);
    const lines = [...out].sort((a, b) => a - b);
    this.#prefixes.set(prefix, lines);
    return lines;
  }

  /**
   * Lines that can hold a value, when its shape tells: inside a value, a run between two separators is a whole
   * run of any line that holds it, and its last run starts one; a value of one run tells nothing.
   */
  linesFor(values: readonly string[]): number[] | undefined {
    const lists: number[][] = [];
    for (const v of values) {
      const runs = v.match(piecePattern) ?? [];
      if (runs.length >= 3) lists.push(...runs.slice(1, -1).map((r) => this.withPiece(r)));
      else if (runs.length === 2) lists.push(this.withPrefix(runs[1]!));
    }
    if (lists.length === 0) return undefined;
    // every value is required: a line must be on every list (each in line order, so a merge finds them)
    lists.sort((a, b) => a.length - b.length);
    let out = lists[0]!;
    for (const other of lists.slice(1, 4)) {
      const next: number[] = [];
      for (let i = 0, j = 0; i < out.length && j < other.length;)
        if (out[i]! < other[j]!) i++;
        else if (out[i]! > other[j]!) j++;
        else {
          next.push(out[i]!);
          i++;
          j++;
        }
      out = next;
    }
    return out;
  }
}

const piecePattern = /[\p{L}\p{N}]+/gu;

let shared: TextView | undefined;
function viewOf(text: string): TextView {
  if (shared?.text !== text) return (shared = new TextView(text));
  // the same text as another string object: adopt it, so the next 40,000 lookups compare references, not megabytes
  shared.text = text;
  return shared;
}

/** Does one line of `text` hold the fact's tokens? (Case-insensitive; the YAML form is the same test as a regex.) */
export function tokenMatcher(item: DerivedItem): Matcher {
  // a number stands alone: "8 minutes" is not found in "18 minutes" or "2028"
  const values = item.values.map((t) => {
    const alone = new RegExp(`(?<!\\d)${t}(?!\\d)`);
    return /^\d+$/.test(t) ? (l: string) => alone.test(l) : (l: string) => l.includes(t.toLowerCase());
  });
  const words = item.words.map((t) => t.toLowerCase());
  const whole = (item.whole ?? []).map((w) => new RegExp(wholeWord(w), 'i'));
  const holds = (l: string) =>
    values.every((v) => v(l)) &&
    words.filter((w) => l.includes(w)).length >= item.need &&
    whole.every((w) => w.test(l));
  const line = shown(item.text).toLowerCase();
  const path = item.from.startsWith('/') ? item.from.slice(0, item.from.lastIndexOf(':')).toLowerCase() : undefined;
  const required = item.values.map((v) => v.toLowerCase());
  return {
    source: safeText(
      `${item.from} ${JSON.stringify(item.text.length > 80 ? `${item.text.slice(0, 79)}…` : item.text)}`,
    ),
    test(text) {
      const v = viewOf(text);
      if (v.exact.has(line)) return true; // the line as it was
      const own = path ? v.files.get(path) : undefined;
      if (own) for (let i = own[0]; i < own[1]; i++) if (holds(v.lines[i]!)) return true; // edited in place
      // moved or merged elsewhere: on the lines its values' shape points to, else anywhere it can be
      const where = v.linesFor(required);
      if (where) return where.some((i) => holds(v.lines[i]!));
      if (!required.every((r) => v.lower.includes(r))) return false; // a value found nowhere: lost
      return v.lines.some(holds);
    },
  };
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** A word standing alone: "pro" is not found in "provider" or "pro2". */
const wholeWord = (w: string) => `(?<![a-z0-9])${escape(w)}(?![a-z0-9])`;

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
  const whole = (item.whole ?? []).map((w) => `(?=.*${wholeWord(w)})`).join('');
  return `/^${values}${words}${whole}.*$/im`;
}

const normalized = (t: string) =>
  strip(t)
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[.;]+$/, '')
    .replace(/\s+/g, ' ')
    .trim();

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
    const whole = (await redactSecrets(content)).text;
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
