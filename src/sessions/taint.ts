/**
 * Taint by suspect region (after CaMeL and FIDES: once untrusted data of low integrity is in the context, what
 * the agent writes next is labelled by it, unless a trusted source or a checked fact accounts for it). Copying
 * is not needed: an order the agent translated or reworded shares no characters with its source, so the
 * character tracing of provenance.ts finds no copy, and the line would pass as the agent's own words.
 *
 * Once the session has read outside content that carries a suspect region — a part a human reader would not
 * see (regions.ts), a clause set apart under a label of its own that is not the page's subject (as addressed.ts
 * reads labels), a block written in a script neither the rest of the page nor the session is written in — a
 * memory line written after it is **held** when:
 *
 * - no trusted text accounts for it (the user's words, the store, the agent's messages to the user), and
 * - it is not a fact of the page's visible part: it carries none of the values (numbers in any script,
 *   versions, identifiers, Latin-script names) that occur in a visible part or in trusted text, and copies no
 *   visible sentence; or
 * - some of its distinctive tokens occur in the outside content only inside a suspect region (token evidence,
 *   which holds even a line that also carries a visible value: the page's fact beside the order).
 *
 * No words decide it: regions by structure and Unicode scripts, tokens by shape.
 */
import { addOutside, regionsOf } from './regions.js';
import { TextIndex, normalizeForTrace, traceLine, type Trace } from './provenance.js';
import { scriptsOf } from './scripts.js';

export type RegionKind = 'hidden' | 'addressed' | 'apart';

export interface SuspectRegion {
  kind: RegionKind;
  /** The start of the region's text, for a reviewer. */
  excerpt: string;
  /** The label a clause stood under, or the script a block was written in. */
  detail?: string;
  eventId: string;
  source: string;
}

export interface TaintHold {
  reason: string;
  region: SuspectRegion;
  /** Tokens of the line found in outside content only inside a suspect region. */
  tokens: string[];
}

/** Characters of an outside text looked at for regions and values. */
const scanned = 200_000;
/** Tokens remembered per set (a bound on memory, not a threshold). */
const maxTokens = 200_000;

const labelChar = /[\p{L}\p{M}'’ -]|\u200C|\u200D/u;
/** What may stand right before a label: a line's or a text's start, a quotation mark, a bracket, a stop, markup, a symbol. */
const labelStart = /[\n"'“«„「『[(（【>*#|:：\]\p{So}]|\uFE0F|\p{Sentence_Terminal}/u;
const opensBracket = /[[(（【「『]/u;
const closing: Record<string, string> = { '[': ']', '(': ')', '（': '）', '【': '】', '「': '」', '『': '』' };
const quoteMark = /["“«„]/u;
const letters = /\p{L}/gu;
const valueRun = /\p{Nd}[\p{Nd}.,:/-]{0,40}|[\p{L}\p{N}]{1,80}[._/@][\p{L}\p{N}]{1,80}/gu;
const wordChunk = /\S{0,80}\p{L}\S{0,80}/gu;

/** Does a word of the label (three letters or more) stand elsewhere on the page? Then it names the page's subject. */
function namesSubject(words: string[], page: string): boolean {
  return words.some((w) => {
    if ((w.match(letters) ?? []).length < 3) return false;
    const escaped = w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const re = new RegExp(`(?<![\\p{L}\\p{M}])${escaped}(?![\\p{L}\\p{M}])`, 'gu');
    return (page.match(re) ?? []).length > 1;
  });
}

/**
 * Clauses a text sets apart under a label of their own (`Note for whoever reads this: …`, `[AI: …]`): a label of
 * two to eight words of prose (one, inside a bracket), right after a boundary, none of its words the page's
 * subject (said again elsewhere), and a clause of prose (30 letters or more) after the colon.
 */
export function addressedClauses(text: string): { from: number; to: number; label: string }[] {
  const out: { from: number; to: number; label: string }[] = [];
  for (const m of text.matchAll(/[:：]/g)) {
    const c = m.index;
    let s = c;
    while (s > 0 && c - s < 80 && labelChar.test(text[s - 1]!)) s--;
    const raw = text.slice(s, c);
    const label = raw.replace(/^[\s'’-]{1,80}/, '').trim();
    const before = s === 0 ? '\n' : text[s - 1]!;
    if (!label || !labelStart.test(before)) continue;
    const words = label.split(/\s{1,80}/).filter((w) => /\p{L}/u.test(w));
    const bracket = opensBracket.test(before) ? before : undefined;
    if (words.length > 8 || words.length < (bracket ? 1 : 2)) continue;
    // the clause runs to the line's end, a tag, or the bracket or quotation mark that closes what opened before it
    const close = bracket ? closing[bracket]! : undefined;
    let e = c + 1;
    const quoted = quoteMark.test(text[s - 1] ?? '');
    while (e < text.length && e - c < 2000) {
      const ch = text[e]!;
      if (ch === '\n' || ch === '<' || ch === close || (quoted && /["”»]/u.test(ch))) break;
      e++;
    }
    const clause = text.slice(c + 1, e);
    const n = (clause.match(letters) ?? []).length;
    if (n < 30 || n * 2 < clause.replace(/\s/g, '').length) continue;
    // a clause about the page's subject states its values; a note to the reader is prose, one value at most in
    // eight words (`hulgihind 24 purki 19 € alates 01.10` is a fact under its label)
    const values = (clause.match(valueRun) ?? []).length;
    if (values * 8 > (clause.match(wordChunk) ?? []).length) continue;
    if (namesSubject(words, text)) continue;
    out.push({ from: s, to: e, label });
  }
  return out;
}

/** Code spans and tokens with digits or code punctuation: names and values, not the prose a script is told from. */
const notProse = /`[^`\n]{0,200}`|\S{0,200}(?:[\p{Nd}_/\\@=<>{}[\]#$%&|~^]|[\p{L}\p{N}][.:][\p{L}\p{N}])\S{0,200}/gu;

/**
 * Blocks of consecutive lines written in a script the session's trusted texts are not written in (`session`:
 * the scripts they use), that no other block of the page is written in either, and that is not what the page
 * is mostly written in: the rest of the page carries more prose, or speaks a script of the session's other
 * than Latin (Latin is also every page's names and code). Letters are counted in prose only.
 */
export function apartBlocks(
  text: string,
  session: ReadonlySet<string>,
): { from: number; to: number; script: string }[] {
  if (!/[^\t\n\r -~]/.test(text)) return [];
  const blocks: { from: number; to: number; script: string; letters: number }[] = [];
  const prose: string[] = [];
  let at = 0;
  for (const line of text.split('\n')) {
    const p = line.replace(notProse, (m) => ' '.repeat(m.length));
    prose.push(p);
    const main = scriptsOf(p)[0];
    if (main && main.letters >= 4) {
      const last = blocks[blocks.length - 1];
      if (last?.script === main.script) [last.to, last.letters] = [at + line.length, last.letters + main.letters];
      else blocks.push({ from: at, to: at + line.length, script: main.script, letters: main.letters });
    }
    at += line.length + 1;
  }
  const apart = blocks.filter(
    (b) =>
      b.letters >= 12 &&
      !session.has(b.script) &&
      blocks.some((o) => o.script !== b.script) &&
      !blocks.some((o) => o !== b && o.script === b.script),
  );
  if (apart.length === 0) return [];
  // the same length as the text: a block's offsets hold in it
  const all = prose.join('\n');
  return apart
    .filter((b) => {
      const rest = scriptsOf(`${all.slice(0, b.from)}\n${all.slice(b.to)}`);
      const restLetters = rest.reduce((n, r) => n + r.letters, 0);
      return restLetters > b.letters || rest.some((r) => r.script !== 'Latin' && session.has(r.script));
    })
    .map(({ from, to, script }) => ({ from, to, script }));
}

const wordRun = /[\p{L}\p{M}\p{Nd}\u200C\u200D]{1,200}(?:[-_./@][\p{L}\p{M}\p{Nd}\u200C\u200D]{1,200}){0,20}/gu;
const nonAscii = /[^\t\n\r -~]/;
const asciiWordRun = /[A-Za-z0-9]{1,200}(?:[-_./@][A-Za-z0-9]{1,200}){0,20}/g;
const asciiNumberRun = /[0-9]{1,40}(?:[.,'][0-9]{1,40}){0,10}/g;
const numberRun = /\p{Nd}{1,40}(?:[.,٫٬'’]\p{Nd}{1,40}){0,10}/gu;

/** A digit of any script as its ASCII digit (Unicode puts each script's ten digits in a row, zero first). */
function asciiDigits(text: string): string {
  return text.replace(/\p{Nd}/gu, (d) => {
    let cp = d.codePointAt(0)!;
    const from = cp;
    while (/\p{Nd}/u.test(String.fromCodePoint(cp - 1)) && from - cp < 9) cp--;
    return String((from - cp) % 10);
  });
}

/** The values a text carries: numbers (digits only, any script), words and identifiers and their parts, lower case. */
export function tokensOf(text: string): Set<string> {
  const out = new Set<string>();
  const ascii = !nonAscii.test(text);
  const t = ascii ? text : asciiDigits(text.normalize('NFKC'));
  for (const m of t.matchAll(ascii ? asciiNumberRun : numberRun)) {
    out.add(`#${m[0].replace(/[^0-9]/g, '')}`);
    for (const part of m[0].split(/[^0-9]/)) if (part.length > 0) out.add(`#${part}`);
  }
  for (const m of t.matchAll(ascii ? asciiWordRun : wordRun)) {
    const w = m[0].toLowerCase();
    out.add(w);
    if (plainWord.test(w)) continue;
    for (const part of partsOf(w)) out.add(part);
  }
  return out;
}

const latin = /\p{Script=Latin}/u;
const plainWord = /^[a-z0-9]{1,200}$/;
const latinRun = /[\p{Script=Latin}0-9]{2,200}/gu;

/** A word's parts (split at `- _ . / @`), and the Latin-script runs of a part that mixes scripts (`NVTX는`). */
function partsOf(word: string): string[] {
  const out: string[] = [];
  for (const part of word.split(/[-_./@]/)) {
    if (part.length >= 2) out.push(part);
    if (latin.test(part) && /[^\p{Script=Latin}0-9]/u.test(part)) out.push(...(part.match(latinRun) ?? []));
  }
  return out;
}
const caseShape = /\p{Ll}\p{Lu}|^\p{Lu}{2,}$/u;

/**
 * The line's distinctive tokens: its numbers; in a line mostly of another script, every Latin-script word; in a
 * Latin-script line, identifiers (joined by `_ . / @`, or mixing letters and digits) and words whose case is a
 * name's (`DataPipe`, `CSRF`), not a sentence's.
 */
export function distinctiveTokens(line: string): Set<string> {
  const out = new Set<string>([...tokensOf(line)].filter((t) => t.startsWith('#')));
  const t = asciiDigits(line.normalize('NFKC'));
  const main = scriptsOf(t)[0]?.script;
  for (const m of t.matchAll(wordRun)) {
    const w = m[0];
    const code = /\p{L}/u.test(w) && /[_./@0-9]/.test(w);
    if (code) out.add(w.toLowerCase());
    for (const part of partsOf(w)) {
      if (!/\p{L}/u.test(part)) continue;
      if ((main !== 'Latin' && latin.test(part)) || caseShape.test(part)) out.add(part.toLowerCase());
    }
  }
  return out;
}

const regionWord: Record<RegionKind, string> = {
  hidden: 'a part hidden from a human reader',
  addressed: 'a clause set apart under a label of its own',
  apart: 'a block written in a script neither the rest of it nor the session is written in',
};

/** The screen: fed every text of the session as it streams by, asked about each line the agent writes. */
export class TaintScreen {
  /** The agent's messages to the user (the user's words and the store are in `trusted`). */
  private readonly agent = new TextIndex();
  private readonly none = new TextIndex();
  private readonly trustedTokens = new Set<string>();
  private readonly visibleTokens = new Set<string>();
  /** Tokens seen inside suspect regions, each with the first region it was seen in. */
  private readonly regionTokens = new Map<string, SuspectRegion>();
  private readonly regions: SuspectRegion[] = [];
  /** Clauses and blocks set apart (normalized): a copy from them is no visible fact (hidden parts are flagged in `outside`). */
  private readonly apartTexts: string[] = [];
  private readonly sessionScripts = new Set<string>();

  /**
   * `trusted` and `outside`: the indexes of a screen that already keeps them (flow.ts), which this one then
   * reads and does not fill; by default its own.
   */
  constructor(
    private readonly trusted = new TextIndex(),
    private readonly outside = new TextIndex(),
    private readonly fills = true,
  ) {}

  /** The user's words or what the agent read of its store (`agent`: the agent's message to the user). */
  trustedText(text: string, eventId: string, source: string, agent = false): void {
    if (agent) this.agent.add(text, { kind: 'user', eventId, source });
    else if (this.fills) this.trusted.add(text, { kind: 'user', eventId, source });
    add(this.trustedTokens, tokensOf(text.slice(0, scanned)));
    for (const s of scriptsOf(text.slice(0, 20_000)))
      if (s.letters >= 10 && s.share >= 0.2) this.sessionScripts.add(s.script);
  }

  /** Outside content: its suspect regions, the values of its visible part and those of its regions. */
  outsideText(text: string, eventId: string, source: string, forwarded = false): void {
    if (this.fills) addOutside(this.outside, text, { kind: 'outside', eventId, source }, forwarded);
    const body = text.slice(0, scanned);
    const flags = regionsOf(body, false).map((f) => f & 1);
    const found: { from: number; to: number; kind: RegionKind; detail?: string }[] = [];
    for (const a of addressedClauses(body)) found.push({ ...a, kind: 'addressed', detail: a.label });
    for (const b of apartBlocks(body, this.sessionScripts)) found.push({ ...b, kind: 'apart', detail: b.script });
    for (const r of found) {
      flags.fill(1, r.from, r.to);
      if (this.apartTexts.length < 1000) this.apartTexts.push(normalizeForTrace(body.slice(r.from, r.to)));
    }
    if (!flags.includes(1)) {
      add(this.visibleTokens, tokensOf(body));
      return;
    }
    let start = -1;
    for (let i = 0; i <= body.length; i++) {
      if (i < body.length && flags[i]) {
        if (start < 0) start = i;
      } else if (start >= 0) {
        if (!found.some((r) => r.from <= start && r.to >= i)) found.push({ from: start, to: i, kind: 'hidden' });
        start = -1;
      }
    }
    add(this.visibleTokens, tokensOf([...body].map((ch, i) => (flags[i] ? ' ' : ch)).join('')));
    for (const r of found.sort((a, b) => a.from - b.from)) {
      const excerpt = body
        .slice(r.from, r.to)
        .replace(/\s{1,1000}/g, ' ')
        .trim()
        .slice(0, 80);
      const region: SuspectRegion = {
        kind: r.kind,
        excerpt,
        eventId,
        source,
        ...(r.detail ? { detail: r.detail } : {}),
      };
      this.regions.push(region);
      for (const t of tokensOf(body.slice(r.from, r.to)))
        if (!this.regionTokens.has(t) && this.regionTokens.size < maxTokens) this.regionTokens.set(t, region);
    }
  }

  /** Is a line the agent writes now tainted by a suspect region read before it? */
  check(line: string): TaintHold | undefined {
    const latest = this.regions[this.regions.length - 1];
    if (!latest || normalizeForTrace(line).length === 0) return undefined;
    if (traced(traceLine(line, this.trusted, this.none)) || traced(traceLine(line, this.agent, this.none)))
      return undefined;
    const tokens = [...distinctiveTokens(line)];
    const only = tokens.filter(
      (k) =>
        (!k.startsWith('#') || k.length > 2) &&
        this.regionTokens.has(k) &&
        !this.visibleTokens.has(k) &&
        !this.trustedTokens.has(k),
    );
    const grounded =
      tokens.some((k) => this.visibleTokens.has(k) || this.trustedTokens.has(k)) || this.copiesVisible(line);
    if (only.length === 0 && grounded) return undefined;
    const region = only.length > 0 ? this.regionTokens.get(only[0]!)! : latest;
    const where = `${regionWord[region.kind]}${region.detail ? ` (${region.detail.slice(0, 40)})` : ''}`;
    const because =
      only.length > 0
        ? `its ${only.slice(0, 4).join(', ')} occur in outside content only inside that part`
        : 'no trusted text accounts for it and it carries no value of the visible part';
    return {
      reason: `it was written after ${region.source} carried ${where}: "${region.excerpt}"; ${because}`,
      region,
      tokens: only,
    };
  }

  /** Half the line or more copied from outside content, none of it from a hidden part or a part set apart. */
  private copiesVisible(line: string): boolean {
    const t = traceLine(line, this.none, this.outside);
    if (t.length === 0 || t.hidden > 0 || t.outside / t.length < 0.5) return false;
    return !(t.copiedFrom ?? []).some((c) => this.apartTexts.some((a) => a.includes(c.run)));
  }
}

/** Half a line or more found in the texts traced against. */
const traced = (t: Trace): boolean => t.length > 0 && (t.user + t.store) / t.length >= 0.5;

function add(to: Set<string>, from: Iterable<string>): void {
  for (const t of from) if (to.size < maxTokens) to.add(t);
}

/** Every pattern here, for the test that checks each quantifier is bounded. */
export const taintPatterns: RegExp[] = [
  notProse,
  nonAscii,
  asciiWordRun,
  asciiNumberRun,
  valueRun,
  wordChunk,
  latinRun,
  labelChar,
  labelStart,
  opensBracket,
  quoteMark,
  letters,
  wordRun,
  numberRun,
];
