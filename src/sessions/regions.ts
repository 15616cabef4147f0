/**
 * The regions of an outside text that tell how it addressed its reader: parts a human reader would not see
 * (HTML comments, elements hidden by their attributes or styles, markdown comments) and quotations handed
 * over after a colon. A line copied from either is an order by structure (flow.ts), in any language.
 */
import { perText, type SourceMeta, type TextIndex } from './provenance.js';

const comment = /<!--[\s\S]{0,20000}?-->|\[(?:\/\/|comment)\]:[ \t]{0,3}#[^\n]{0,2000}/g;
const openTag = /<([a-z][a-z0-9]{0,10})\b([^<>]{0,800})>/gi;
const hiding =
  /display\s{0,3}:\s{0,3}none|color\s{0,3}:\s{0,3}transparent|(?:left|top|text-indent)\s{0,3}:\s{0,3}-\d{3,6}(?:px|em|rem)|visibility\s{0,3}:\s{0,3}hidden|aria-hidden\s{0,3}=\s{0,3}["']?true|(?:^|\s)hidden(?=[\s=]|$)|font-size\s{0,3}:\s{0,3}0(?![.\d])|opacity\s{0,3}:\s{0,3}0(?![.\d])|class\s{0,3}=\s{0,3}["'][^"']{0,200}\b(?:hidden|sr-only|visually-hidden|screen-reader-only)\b/i;
/** Elements a browser does not render (a template, what shows only without scripts). */
const unrendered = /^(?:template|noscript)$/i;
/** Attributes whose values a reader does not see on the page: a tooltip, an image's stand-in text, data for scripts. */
const unseenAttribute =
  /\b(?:alt|title|aria-label|aria-description|data-[a-z0-9-]{1,40})\s{0,3}=\s{0,3}(?:"[^"]{1,2000}"|'[^']{1,2000}')/gi;
/**
 * Characters no reader sees inside a word of a script that never spells with them (Latin, Greek, Cyrillic: Thai
 * and Persian do), or Unicode tag characters anywhere.
 */
const invisibleBetween =
  /[\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}][\u200B-\u200D\u2060-\u2064\uFEFF]{1,8}[\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}]|\uDB40[\uDC00-\uDC7F]/u;
const lineOf = /[^\n]{1,20000}/g;
// a quotation a text hands its reader: after a colon (`…, word for word: "…"`), in any script's quotation marks
const quotation = /[:：][ \t]{0,3}["“„«「『]([^"“”„«»「」『』\n]{24,2000})["”“»」』]/g;

/**
 * The parts of an outside text a human reader would not see (HTML comments, elements hidden by their
 * attributes or styles, markdown comments), and its quotations: flags for what is copied from them.
 */
export function regionsOf(text: string, quotations = true): Uint8Array {
  const flags = new Uint8Array(text.length);
  const mark = (from: number, to: number, bit: number) => {
    for (let i = from; i < Math.min(to, text.length); i++) flags[i]! |= bit;
  };
  if (text.includes('<') || text.includes('[//]') || text.includes('[comment]')) {
    for (const m of text.matchAll(comment)) mark(m.index, m.index + m[0].length, 1);
    const lower = text.toLowerCase();
    for (const m of text.matchAll(openTag)) {
      for (const a of m[2]!.matchAll(unseenAttribute))
        mark(m.index + m[1]!.length + 1 + a.index, m.index + m[1]!.length + 1 + a.index + a[0].length, 1);
      const tag = m[1]!.toLowerCase();
      // a collapsed <details> shows its summary only: what follows it is hidden until opened
      const collapsed = tag === 'details' && !/(?:^|\s)open(?=[\s=]|$)/i.test(m[2]!);
      if (!hiding.test(m[2]!) && !unrendered.test(tag) && !collapsed) continue;
      const close = lower.indexOf(`</${tag}`, m.index + m[0].length);
      const end = close === -1 || close - m.index > 20_000 ? Math.min(text.length, m.index + 20_000) : close;
      const summary = collapsed ? lower.indexOf('</summary>', m.index) : -1;
      mark(summary !== -1 && summary < end ? summary : m.index, end, 1);
    }
  }
  // a line with characters no reader sees between its letters is written for a machine, not a reader
  if (/[\u200B-\u200D\u2060-\u2064\uFEFF]|\uDB40/.test(text))
    for (const l of text.matchAll(lineOf)) {
      if (invisibleBetween.test(l[0])) mark(l.index, l.index + l[0].length, 1);
    }
  // a quotation in prose, not a string of JSON or YAML (`"key": "value"`: a quote right before the colon)
  if (quotations)
    for (const m of text.matchAll(quotation))
      if (!/["'`]$/.test(text.slice(Math.max(0, m.index - 1), m.index))) mark(m.index, m.index + m[0].length, 2);
  return flags;
}

/** Indexes an outside text in parts, each flagged hidden or quoted as it was where it came from. */
export function addOutside(index: TextIndex, text: string, meta: SourceMeta, forwarded = false): void {
  const body = text.length > perText ? text.slice(0, perText) : text;
  const flags = regionsOf(body, !forwarded);
  let from = 0;
  for (let i = 1; i <= body.length; i++) {
    if (i < body.length && flags[i] === flags[from]) continue;
    const f = flags[from]!;
    index.add(body.slice(from, i), { ...meta, ...(f & 1 ? { hidden: true } : {}), ...(f & 2 ? { quoted: true } : {}) });
    from = i;
  }
}

/** Every pattern here, for the test that checks each quantifier is bounded. */
export const regionPatterns: RegExp[] = [
  comment,
  openTag,
  hiding,
  quotation,
  unrendered,
  unseenAttribute,
  invisibleBetween,
  lineOf,
];
