/**
 * Provenance by information flow: where the text of a memory line came from — the user's own words, the
 * store (what the agent read of its memory), the agent's own writing, or outside content (tool results,
 * fetched pages, text the user forwarded) — traced by the character sequences the line shares with each.
 * The same for every script: no words, no word boundaries, no language; runs of at least 12 characters
 * after normalization (NFKC, lower case, markup and spacing folded), found as LZ77 finds them: 8-character
 * hashes chained to every earlier position (bounded chains), each candidate extended as far as it matches.
 *
 * Memory is bounded: each index keeps the latest 4 M characters (older text is dropped half at a time), and
 * a single text adds at most its first 1 M characters.
 */

export type OriginKind = 'user' | 'store' | 'agent' | 'outside';

/** Where a piece of indexed text came from. */
export interface SourceMeta {
  kind: 'user' | 'store' | 'outside';
  eventId: string;
  /** For a reviewer: "a web_fetch result (https://…)", "the user's words", "the store (/notes.md)". */
  source: string;
  /** The text was hidden from a human reader where it came from (a comment, a hidden element). */
  hidden?: boolean;
  /** The text was a quotation there: a line dictated to the reader. */
  quoted?: boolean;
}

const K = 8;
export const minRun = 12;
const maxChain = 48;
const capacity = 1 << 22;
export const perText = 1 << 20;
const maxBucketBits = 18;
/** Characters of outside text kept each side of a copied run: about a sentence. */
const contextMargin = 160;
/**
 * The end of a sentence, in normalized text (spacing folded to one space): an ASCII stop followed by a space or
 * the end (not a decimal point or a file name's dot), any other script's sentence terminator (`。`, `।`, `။`), or
 * the end of a line of the source.
 */
const sentenceEnd = /[.!?](?: |$)|(?![.!?])\p{Sentence_Terminal} ?|\n/gu;

// Zero-width, bidi, word joiners, BOM, soft hyphen and tag characters: not part of what a reader sees.
const invisible = /[\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF\u00AD]|\uDB40[\uDC00-\uDC7F]/g;

/** Text as traced: NFKC, lower case, invisible characters out, markup (`*_#>|~`) and runs of spacing folded. */
export function normalizeForTrace(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(invisible, '')
    .replace(/[*_#>|~`\s]{1,1000}/g, ' ')
    .trim();
}

function gramHash(codes: ArrayLike<number>, at: number, bits: number): number {
  let h = 0;
  for (let i = 0; i < K; i++) h = (Math.imul(h, 0x01000193) ^ codes[at + i]!) >>> 0;
  return (Math.imul(h, 0x9e3779b1) >>> 0) >>> (32 - bits);
}

/** A run copied from indexed text, in its sentence: what stood before it, the run, what followed it (normalized). */
export interface CopiedSentence {
  head: string;
  run: string;
  tail: string;
}

interface Segment {
  start: number;
  end: number;
  meta: SourceMeta;
}

/** A bounded index of texts for finding the longest runs a line shares with them. */
export class TextIndex {
  private buf = new Uint16Array(0);
  private prev = new Int32Array(0);
  private head = new Int32Array(0);
  private bits = 0;
  private len = 0;
  private segments: Segment[] = [];
  /** 1 where the indexed text's source broke a line (a space here): a sentence ends there, a run may cross it. */
  private breaks = new Uint8Array(0);

  add(text: string, meta: SourceMeta): void {
    const lines = (text.length > perText ? text.slice(0, perText) : text)
      .split('\n')
      .map(normalizeForTrace)
      .filter((l) => l.length > 0);
    const norm = lines.join(' ');
    if (norm.length < minRun) return;
    if (this.len + norm.length + 1 > capacity) this.evict(norm.length + 1);
    this.grow(this.len + norm.length + 1);
    const start = this.len;
    for (let i = 0; i < norm.length; i++) this.buf[start + i] = norm.charCodeAt(i);
    this.buf[start + norm.length] = 0; // a separator: no run crosses two texts
    this.len = start + norm.length + 1;
    this.segments.push({ start, end: start + norm.length, meta });
    this.breaks.fill(0, start, this.len);
    let at = start;
    for (const l of lines.slice(0, -1)) {
      at += l.length;
      this.breaks[at++] = 1;
    }
    for (let p = Math.max(0, start - K + 1); p + K <= this.len; p++) this.link(p);
  }

  /** The longest run of `line` starting at `i` found in the index: its length, where, and the segment it is in. */
  longestAt(line: Uint16Array, i: number): { length: number; at?: number; segment?: Segment } {
    if (this.len === 0 || i + K > line.length) return { length: 0 };
    let best = 0;
    let bestAt = -1;
    let p = this.head[gramHash(line, i, this.bits)]!;
    for (let chain = 0; p >= 0 && chain < maxChain; chain++, p = this.prev[p]!) {
      let n = 0;
      while (i + n < line.length && p + n < this.len && line[i + n] === this.buf[p + n] && this.buf[p + n] !== 0) n++;
      if (n > best) [best, bestAt] = [n, p];
      if (i + best >= line.length) break;
    }
    return best >= K ? { length: best, at: bestAt, segment: this.segmentAt(bestAt) } : { length: 0 };
  }

  /**
   * The sentence of the indexed text that holds [from, to): from the end of the sentence before it to the end
   * of its last, looking at most `margin` characters each side, within its segment.
   */
  sentenceAround(from: number, to: number, margin: number): CopiedSentence {
    const s = this.segmentAt(from);
    if (!s) return { head: '', run: '', tail: '' };
    const start = Math.max(s.start, from - margin);
    const before = this.textWithBreaks(start, from);
    const after = this.textWithBreaks(to, Math.min(s.end, to + margin));
    const ends = [...before.matchAll(sentenceEnd)];
    const last = ends[ends.length - 1];
    const head = last ? before.slice(last.index + last[0].length) : before;
    const next = [...after.matchAll(sentenceEnd)][0];
    const tail = next ? after.slice(0, next.index + next[0].trimEnd().length) : after;
    return { head, run: String.fromCharCode(...this.buf.subarray(from, to)), tail };
  }

  /** Indexed text with its source's line breaks as `\n`. */
  private textWithBreaks(from: number, to: number): string {
    let out = '';
    for (let i = from; i < to; i++) out += this.breaks[i] ? '\n' : String.fromCharCode(this.buf[i]!);
    return out;
  }

  /** The indexed text of the segments of one event (to look for a memory file's name in it). */
  eventText(eventId: string): string {
    let out = '';
    for (const s of this.segments)
      if (s.meta.eventId === eventId && out.length < perText)
        out += String.fromCharCode(...this.buf.subarray(s.start, Math.min(s.end, s.start + 4096)));
    return out;
  }

  private segmentAt(p: number): Segment | undefined {
    let lo = 0;
    let hi = this.segments.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = this.segments[mid]!;
      if (p < s.start) hi = mid - 1;
      else if (p >= s.end) lo = mid + 1;
      else return s;
    }
    return undefined;
  }

  private link(p: number): void {
    const b = gramHash(this.buf, p, this.bits);
    this.prev[p] = this.head[b]!;
    this.head[b] = p;
  }

  /** Room for `need` characters; the hash table grows with the text (a small session costs a few KB). */
  private grow(need: number): void {
    if (need <= this.buf.length) return;
    let size = Math.max(this.buf.length, 1 << 12);
    while (size < need) size *= 2;
    size = Math.min(capacity, size);
    const buf = new Uint16Array(size);
    buf.set(this.buf.subarray(0, this.len));
    this.buf = buf;
    const breaks = new Uint8Array(size);
    breaks.set(this.breaks.subarray(0, this.len));
    this.breaks = breaks;
    this.prev = new Int32Array(size);
    this.bits = Math.min(maxBucketBits, Math.max(10, Math.log2(size) - 1));
    this.head = new Int32Array(1 << this.bits).fill(-1);
    for (let p = 0; p + K <= this.len; p++) this.link(p);
  }

  /** Drops the oldest text, half the capacity at a time, and rebuilds the chains of what stays. */
  private evict(room: number): void {
    const cut = Math.min(this.len, Math.max(this.len - capacity / 2, this.len + room - capacity));
    this.buf.copyWithin(0, cut, this.len);
    this.breaks.copyWithin(0, cut, this.len);
    this.len -= cut;
    this.segments = this.segments
      .filter((s) => s.end > cut)
      .map((s) => ({ ...s, start: Math.max(0, s.start - cut), end: s.end - cut }));
    this.head.fill(-1);
    for (let p = 0; p + K <= this.len; p++) this.link(p);
  }
}

/** What a line shares with the indexes, in characters of its normalized form. */
export interface Trace {
  /** The normalized line's length. */
  length: number;
  user: number;
  store: number;
  /** Characters found in outside content and in no trusted text. */
  outside: number;
  /** Of those, from text hidden from a reader, and from quotations. */
  hidden: number;
  quoted: number;
  /** The outside event that gave most of the line, and the trusted one. */
  outsideSource?: SourceMeta;
  trustedSource?: SourceMeta;
  /** The sentences of outside text the line's runs were copied from (normalized). */
  outsideContext?: string;
  /** The same, per run of the main outside source, split where the run starts and ends. */
  copiedFrom?: CopiedSentence[];
}

/** Greedy tiling: from left to right, the longest run at each place, at least `minRun` long. */
function tile(
  index: TextIndex,
  codes: Uint16Array,
  mark: (from: number, to: number, s: Segment, at: number) => void,
): void {
  for (let i = 0; i + minRun <= codes.length;) {
    const { length, at, segment } = index.longestAt(codes, i);
    if (length >= minRun && segment) {
      mark(i, i + length, segment, at!);
      i += length;
    } else i++;
  }
}

/** Traces one line against the trusted index (the user's words and the store) and the outside index. */
export function traceLine(line: string, trusted: TextIndex, outside: TextIndex): Trace {
  const norm = normalizeForTrace(line).slice(0, 4000);
  const codes = Uint16Array.from(norm, (c) => c.charCodeAt(0));
  const who = new Uint8Array(codes.length); // 1 user, 2 store, 4 outside, 8 hidden, 16 quoted
  const weight = new Map<SourceMeta, number>();
  const note = (s: Segment, n: number) => weight.set(s.meta, (weight.get(s.meta) ?? 0) + n);
  tile(trusted, codes, (from, to, s) => {
    for (let i = from; i < to; i++) who[i]! |= s.meta.kind === 'user' ? 1 : 2;
    note(s, to - from);
  });
  const copied: { at: number; length: number; meta: SourceMeta }[] = [];
  tile(outside, codes, (from, to, s, at) => {
    for (let i = from; i < to; i++) who[i]! |= 4 | (s.meta.hidden ? 8 : 0) | (s.meta.quoted ? 16 : 0);
    note(s, to - from);
    copied.push({ at, length: to - from, meta: s.meta });
  });
  const t: Trace = { length: norm.replace(/ /g, '').length, user: 0, store: 0, outside: 0, hidden: 0, quoted: 0 };
  who.forEach((w, i) => {
    if (norm[i] === ' ') return;
    if (w & 1) t.user++;
    else if (w & 2) t.store++;
    else if (w & 4) {
      t.outside++;
      if (w & 8) t.hidden++;
      if (w & 16) t.quoted++;
    }
  });
  const top = (kinds: SourceMeta['kind'][]) =>
    [...weight].filter(([m]) => kinds.includes(m.kind)).sort((a, b) => b[1] - a[1])[0]?.[0];
  const outsideSource = top(['outside']);
  const trustedSource = top(['user', 'store']);
  // the sentences what was copied from the main outside source stood in: what the text said to its reader there
  const runs = copied.filter((r) => r.meta === outsideSource).slice(0, 8);
  const copiedFrom = runs.map((r) => outside.sentenceAround(r.at, r.at + r.length, contextMargin));
  const outsideContext = copiedFrom.map((c) => `${c.head}${c.run}${c.tail}`).join(' … ');
  return {
    ...t,
    ...(outsideSource ? { outsideSource } : {}),
    ...(trustedSource ? { trustedSource } : {}),
    ...(outsideContext ? { outsideContext, copiedFrom } : {}),
  };
}

/** A line's origin for a reviewer: the kind that gave most of it, with the share and the event. */
export interface LineOrigin {
  kind: OriginKind;
  /** The share of the line's characters that came from there (0–1). */
  share: number;
  eventId?: string;
  source?: string;
}

export function originOf(t: Trace): LineOrigin {
  const agent = t.length - t.user - t.store - t.outside;
  const ranked: [OriginKind, number][] = [
    ['user', t.user],
    ['store', t.store],
    ['outside', t.outside],
    ['agent', agent],
  ];
  const [kind, n] = ranked.reduce((a, b) => (b[1] > a[1] ? b : a));
  const share = t.length === 0 ? 0 : Math.round((n / t.length) * 100) / 100;
  const meta = kind === 'outside' ? t.outsideSource : kind === 'agent' ? undefined : t.trustedSource;
  return { kind, share, ...(meta ? { eventId: meta.eventId, source: meta.source } : {}) };
}

/** Is a line copied from outside content: half its characters, or a run of 48 or more, found only there? */
export const copiedFromOutside = (t: Trace): boolean =>
  t.outside >= 48 || (t.length > 0 && t.outside / t.length >= 0.5);

/** Every pattern here, for the test that checks each quantifier is bounded. */
export const provenancePatterns: RegExp[] = [invisible, sentenceEnd];
