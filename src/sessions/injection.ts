/**
 * Phrase signals of instruction-like text: orders to ignore instructions, standing orders that send data to
 * an address, "save this to your memory", text addressed to the AI reading it, orders to conceal or to hand
 * over credentials; hidden Unicode and encoded payloads. In the languages their lists name, and only as
 * signals: screening decides by information flow (provenance.ts) — a phrase never holds a line that did not
 * come from outside, and raises a hold to a quarantine.
 *
 * Every detector runs in time linear in its input: each pattern's quantifiers are bounded (a test checks
 * that none is unbounded), so a 1 MB run of spaces or a near-match repeated 100,000 times costs a bounded
 * amount per character, never a quadratic backtrack.
 */
import { address, edge, recipient, secretNouns, tail, transfer, when } from './phrases.js';
import { redactKnown } from './secrets.js';

export interface Finding {
  detector: string;
  /** A short excerpt for a reviewer, taken after redaction (secrets are never quoted). */
  excerpt: string;
  /** Where in the screened text the match starts. */
  at: number;
  /** The flagged text around the match (normalized, redacted, at most ~700 characters): what marks a line carrying it. */
  context: string;
}

// Zero-width, bidi controls, word joiners, BOM and Unicode tag characters: invisible to a reader, not to a model.
const hiddenChars = /[\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF\u00AD]|\uDB40[\uDC00-\uDC7F]/g;

// Terminal control characters — an escape sequence, a carriage return that repaints its line (one that ends a
// CRLF line is text), a bell — in a memory line: text that would forge what a reviewer's terminal shows.
// eslint-disable-next-line no-control-regex
const controlChars = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]|\r(?!\n|$)/;

/**
 * A joiner inside a word of a script that writes with one (Persian `می‌شود`, Devanagari conjuncts) or inside an
 * emoji sequence (👩‍💻): spelling, not hiding. Latin, Greek and Cyrillic words never need one.
 */
const joinerInWord =
  /(?<=(?![\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}])[\p{L}\p{M}])[\u200C\u200D](?=[\p{L}\p{M}])|(?<=\p{Extended_Pictographic}\uFE0F?)\u200D(?=\p{Extended_Pictographic})/gu;

/** The text with the joiners its own spelling needs taken out: what is left invisible is hidden. */
const withoutSpelling = (text: string): string => text.replace(joinerInWord, '');

/** Invisible or control characters: never legitimate in a memory line (a joiner its script spells with is). */
export function hasHiddenCharacters(text: string): boolean {
  return new RegExp(hiddenChars.source).test(withoutSpelling(text)) || controlChars.test(text);
}

/** NFKC (folds full-width and compatibility letters), hidden characters removed, whitespace collapsed. */
export function normalizeForScreening(text: string): string {
  return text.normalize('NFKC').replace(hiddenChars, '').replace(/\s+/g, ' ');
}

const confusables: Record<string, string> = {
  а: 'a',
  е: 'e',
  о: 'o',
  р: 'p',
  с: 'c',
  у: 'y',
  х: 'x',
  і: 'i',
  ѕ: 's',
  ԁ: 'd',
  ɡ: 'g',
  ո: 'n',
};
const foldConfusables = (t: string) => t.replace(/[аеорсухіѕԁɡո]/g, (ch) => confusables[ch] ?? ch);

interface InjectionRule {
  detector: string;
  pattern: RegExp;
  /** Only in content from outside (a user may legitimately say "remember to…"). */
  untrustedOnly?: boolean;
  /** Text without any of these cannot match: the rule is not run on it (a cheap test before a costly one). */
  needs?: readonly string[];
}

/** Where a standing order sends things: a URL, an e-mail address, or a handle. */
export const destination = /https?:\/\/[^\s)>\]"'`<]{1,200}|[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}/gi;

const rules: InjectionRule[] = [
  {
    detector: 'ignore-instructions',
    pattern:
      /\b(ignore|disregard|forget|override|bypass)\b.{0,40}\b(previous|prior|above|earlier|all|any|your|the|system|original)\b.{0,30}\b(instructions?|prompts?|rules|directions|guidelines|guardrails|policies)\b/i,
  },
  {
    // a recurring order that sends something to an address: in any order of "when" and "send"
    detector: 'standing-order',
    needs: ['@', '://'],
    pattern: new RegExp(
      `(?:(?:${when}).{0,80}(?:${transfer})|(?:${transfer}).{0,80}(?:${when}))(?:\\s{1,3}|.{0,120}?${recipient})${address}`,
      'iu',
    ),
  },
  {
    detector: 'memory-directive',
    untrustedOnly: true,
    pattern: new RegExp(
      [
        '\\b(?:remember to|remember that you (?:must|should)|(?:save|store|write|add|put|record|keep) (?:this|the following|these|that)(?: \\w{1,20}){0,3} (?:to|in|into) (?:your )?(?:long[- ]term )?memory|update your memory|note for (?:the )?(?:ai|assistant|agent)s?)\\b',
        '(?:寫入|写入|記住|记住|儲存|存储|保存|加入|添加|記錄|记录|存入).{0,24}(?:記憶|记忆|memory)',
        '(?:メモリ|記憶).{0,12}(?:保存|書き込|記録|追加)|(?:保存|書き込|記録|追加).{0,12}(?:メモリ|記憶)',
        '(?:메모리|기억).{0,12}(?:저장|기록|추가)|(?:저장|기록|추가).{0,12}(?:메모리|기억)',
        '\\b(?:speicher|schreib|merk|notier|füge).{0,40}(?:gedächtnis|memory)|\\bgedächtnis.{0,40}(?:speicher|schreib|merk|notier|hinzu)',
        '\\b(?:enregistre|mémorise|ajoute|écris|garde|sauvegarde).{0,40}(?:mémoire|memory)',
        '\\b(?:guarda|almacena|añade|agrega|escribe|memoriza|adicione).{0,40}(?:memoria|memória)',
        '(?:сохрани|запиши|запомни|добавь).{0,40}(?:памят|memory)',
        '\\b(?:lưu|ghi nhớ).{0,20}(?:bộ nhớ|trí nhớ)',
      ].join('|'),
      'iu',
    ),
  },
  {
    detector: 'role-override',
    untrustedOnly: true,
    pattern: new RegExp(
      [
        '\\byou are now\\b|\\bnew (?:system )?instructions? {0,3}:|<\\/? {0,3}system {0,3}>|\\[ {0,3}system {0,3}\\]|\\bdeveloper mode\\b|\\bjailbreak\\b|\\bact as (?:an? )?(?:admin|administrator|root)\\b|\\bassistant {0,3}: {0,3}(?:sure|ok)',
        // text that addresses the AI reading it
        '\\b(?:notice|message|note|instructions?) for (?:the )?(?:ai|llm) (?:agents?|assistants?|models?)',
        '(?:給|给|致)\\s{0,2}(?:ai|人工智慧|人工智能).{0,8}(?:助理|助手|代理|系統|系统)|系統指示|系统指示',
        '\\b(?:für|an) (?:ki|ai)-?(?:agenten|assistenten|systeme|modelle)',
        '\\b(?:aux|pour les) (?:agents|assistants) (?:ia|d.ia)\\b|\\b(?:para|a) (?:los )?(?:agentes|asistentes) de ia\\b',
        'ai(?:エージェント|アシスタント)(?:へ|に|の)',
        '(?:для|к) (?:ии|ai)[- ]?(?:агент|ассистент)',
      ].join('|'),
      'iu',
    ),
  },
  {
    // an order to keep something from the user: what makes a hold an attack rather than a copied fact
    detector: 'conceal',
    untrustedOnly: true,
    pattern: new RegExp(
      [
        "\\b(?:do not|don't|never|without) (?:tell|telling|mention|mentioning|inform|informing|notify|reveal|disclose|ask|asking)(?:ing)? (?:this|it|them|the user|your (?:user|human|owner|operator))",
        '(?:不要|勿|別|别|无需|無需|不必)(?:告知|告訴|告诉|提及|透露|通知|詢問|询问)',
        '\\b(?:erwähne|erwähnen|sage|sag|informiere)\\b.{0,30}\\bnicht\\b|\\bohne .{0,20}zu (?:fragen|informieren)',
        '\\bne (?:le |la |les )?(?:dis|mentionne|signale|préviens) (?:pas|jamais)|\\bsans (?:le dire|prévenir|demander)',
        '\\bno (?:lo |se lo |le )?(?:menciones|digas|informes|avises)|\\bsin (?:decirle|avisar|preguntar)',
        '\\bnão (?:mencione|conte|diga|avise|informe)|\\bsem (?:avisar|contar|perguntar)',
        '\\bне (?:говори|сообщай|упоминай|рассказывай|спрашивай)',
        '(?:伝え|言わ|知らせ|教え)ないで|(?:알리지|말하지|묻지) 마',
      ].join('|'),
      'iu',
    ),
  },
  {
    // an order to hand over credentials: secrets, keys, tokens, a wallet's seed, sent or uploaded somewhere
    detector: 'credential-transfer',
    untrustedOnly: true,
    // handed over to someone: an address, a link or a handle is in the text
    needs: ['@', '://'],
    pattern: new RegExp(
      // a verb, not a label (`Email: … / Password: …` names an address and a password, it sends nothing)
      `${edge}(?:${transfer})(?![ \\t]{0,2}[:：]).{0,60}?${edge}(?:${secretNouns})${tail}|${edge}(?:${secretNouns})${tail}.{0,60}?${edge}(?:${transfer})(?![ \\t]{0,2}[:：])`,
      'iu',
    ),
  },
];

/** The rules run on lower-cased text: case-insensitive matching is ten times slower on long tool results. */
export const injectionRules: InjectionRule[] = rules.map((r) => ({
  ...r,
  pattern: new RegExp(r.pattern.source, r.pattern.flags.replace('i', '')),
}));

// runs worth decoding (an encoded sentence) and runs long enough to be a blob in themselves
const base64Run = /[A-Za-z0-9+/]{40,4096}={0,2}/g;
const hexRun = /\b[0-9a-fA-F]{200,8192}\b/;

export function decodeBase64Runs(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(base64Run)) {
    const decoded = Buffer.from(m[0], 'base64').toString('utf8');
    // keep only what decodes to mostly printable text: an encoded instruction, not an image
    const printable = decoded.replace(/[^\x20-\x7E\s]/g, '').length;
    if (decoded.length > 0 && printable / decoded.length > 0.9) out.push(decoded);
    if (out.length >= 64) break;
  }
  return out;
}

function matchRules(text: string, untrusted: boolean): Finding | undefined {
  const norm = foldConfusables(normalizeForScreening(text));
  const lower = norm.toLowerCase();
  for (const rule of injectionRules) {
    if (rule.untrustedOnly && !untrusted) continue;
    if (rule.needs && !rule.needs.some((n) => lower.includes(n))) continue;
    const m = rule.pattern.exec(lower);
    if (m)
      return {
        detector: rule.detector,
        excerpt: excerpt(norm, m.index, m[0].length),
        at: m.index,
        context: redactKnown(norm.slice(Math.max(0, m.index - 300), m.index + m[0].length + 300)).text,
      };
  }
  return undefined;
}

/** Long tokens of letters and digits: masked in excerpts, whatever they are. */
const tokenLike = /[A-Za-z0-9_+/=-]{16,4096}/g;

/** An excerpt of `text` around a match, cut from a window redacted first, so no part of a secret is quoted. */
export function excerpt(text: string, at: number, len: number): string {
  const from = Math.max(0, at - 300);
  const window = text.slice(from, Math.min(text.length, at + len + 300));
  const redacted = redactKnown(window).text.replace(tokenLike, (t) => (/\d/.test(t) && /[A-Za-z]/.test(t) ? '[…]' : t));
  // the match moved if something before it was redacted: find it again by its first words
  const head = text.slice(at, at + Math.min(len, 24));
  const i = redacted.indexOf(head);
  const start = i === -1 ? Math.max(0, at - from) : i;
  const cut = redacted.slice(Math.max(0, start - 20), Math.min(redacted.length, start + Math.min(len, 100) + 20));
  return cut.replace(/\s+/g, ' ').trim();
}

/**
 * The first sign that `text` tries to instruct the agent. `untrusted` is true for content from outside
 * (tool results, fetched pages, forwarded text), where even a polite "remember to…" is someone else's voice.
 */
export function detectInjection(text: string, untrusted: boolean): Finding | undefined {
  const direct = matchRules(text, untrusted);
  if (direct) return direct;
  if (untrusted) {
    const spelt = withoutSpelling(text);
    const hidden = spelt.match(hiddenChars);
    if (hidden && hidden.length > 0) {
      const at = spelt.search(hiddenChars);
      return {
        detector: 'hidden-unicode',
        excerpt: `${hidden.length} invisible character(s)`,
        at,
        context: redactKnown(normalizeForScreening(spelt.slice(Math.max(0, at - 300), at + 300))).text,
      };
    }
  }
  for (const decoded of decodeBase64Runs(text)) {
    const inner = matchRules(decoded, true);
    if (inner) return { ...inner, detector: `encoded-${inner.detector}`, at: 0 };
  }
  if (untrusted) {
    if (hexRun.test(text)) return { detector: 'encoded-blob', excerpt: 'long hex run', at: 0, context: '' };
    const blobs = [...text.matchAll(base64Run)]
      .map((m) => m[0])
      .filter((r) => r.length >= 200 && /[a-z]/.test(r) && /[A-Z]/.test(r) && /\d/.test(r));
    if (blobs.length > 0) {
      return {
        detector: 'encoded-blob',
        excerpt: `base64 run of ${Math.max(...blobs.map((r) => r.length))} characters`,
        at: 0,
        context: '',
      };
    }
  }
  return undefined;
}

/** Every pattern this module matches with, for the test that checks each quantifier is bounded. */
export const injectionPatterns: RegExp[] = [
  ...injectionRules.map((r) => r.pattern),
  destination,
  base64Run,
  hexRun,
  tokenLike,
  joinerInWord,
];
