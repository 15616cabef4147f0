/**
 * Screening at the session boundary: text that tries to instruct the agent, and secrets. Runs before any
 * dreamer sees a session, and again on a change set before it may be promoted.
 */

export interface Finding {
  detector: string;
  /** A short, safe excerpt for a reviewer (secrets are never quoted). */
  excerpt: string;
}

// Zero-width, bidi controls, word joiners, BOM and Unicode tag characters: invisible to a reader, not to a model.
const hiddenChars = /[\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF\u00AD]|\uDB40[\uDC00-\uDC7F]/g;

/** Invisible characters: never legitimate in a memory line. */
export function hasHiddenCharacters(text: string): boolean {
  return new RegExp(hiddenChars.source).test(text);
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
  /** Only in content the agent fetched or was handed by a tool (a user may legitimately say "remember to…"). */
  untrustedOnly?: boolean;
}

const injectionRules: InjectionRule[] = [
  {
    detector: 'ignore-instructions',
    pattern:
      /\b(ignore|disregard|forget|override|bypass)\b.{0,40}\b(previous|prior|above|earlier|all|any|your|the|system|original)\b.{0,30}\b(instructions?|prompts?|rules|directions|guidelines|guardrails|policies)\b/i,
  },
  {
    detector: 'standing-order',
    pattern:
      /\b(always|from now on|in (?:all|every) future|every time|whenever you)\b.{0,80}\b(send|forward|post|upload|e-?mail|cc|bcc|copy|transmit|exfiltrate|share|leak)\b.{0,100}?(https?:\/\/|\b[\w.+-]+@[\w-]+\.[\w.]+|\bto (?:the )?(?:address|endpoint|server|url|webhook)\b)/i,
  },
  {
    detector: 'memory-directive',
    untrustedOnly: true,
    pattern:
      /\b(remember to|remember that you (?:must|should)|(?:save|store|write|add|put|record) (?:this|the following|these|that)(?: \w+){0,3} (?:to|in|into) (?:your )?(?:long[- ]term )?memory|update your memory|note for (?:the )?(?:ai|assistant|agent)s?)\b/i,
  },
  {
    detector: 'role-override',
    untrustedOnly: true,
    pattern:
      /(\byou are now\b|\bnew (?:system )?instructions?\s*:|<\/?\s*system\s*>|\[\s*system\s*\]|\bsystem prompt\b|\bdeveloper mode\b|\bjailbreak\b|\bact as (?:an? )?(?:admin|administrator|root)\b|\bassistant\s*:\s*(?:sure|ok))/i,
  },
];

// runs worth decoding (an encoded sentence) and runs long enough to be a blob in themselves
const base64Run = /[A-Za-z0-9+/]{40,}={0,2}/g;
const hexRun = /\b[0-9a-fA-F]{200,}\b/;

function decodeBase64Runs(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(base64Run)) {
    const decoded = Buffer.from(m[0], 'base64').toString('utf8');
    // keep only what decodes to mostly printable text: an encoded instruction, not an image
    const printable = decoded.replace(/[^\x20-\x7E\s]/g, '').length;
    if (decoded.length > 0 && printable / decoded.length > 0.9) out.push(decoded);
  }
  return out;
}

function matchRules(text: string, untrusted: boolean): Finding | undefined {
  const norm = foldConfusables(normalizeForScreening(text));
  for (const rule of injectionRules) {
    if (rule.untrustedOnly && !untrusted) continue;
    const m = rule.pattern.exec(norm);
    if (m) return { detector: rule.detector, excerpt: excerpt(norm, m.index, m[0].length) };
  }
  return undefined;
}

function excerpt(text: string, at: number, len: number): string {
  const s = text.slice(Math.max(0, at - 20), Math.min(text.length, at + Math.min(len, 100) + 20));
  return redactSecrets(s).text.trim();
}

/**
 * The first sign that `text` tries to instruct the agent. `untrusted` is true for tool results and fetched
 * content, where even a polite "remember to…" is someone else's voice.
 */
export function detectInjection(text: string, untrusted: boolean): Finding | undefined {
  const direct = matchRules(text, untrusted);
  if (direct) return direct;
  if (untrusted) {
    const hidden = text.match(hiddenChars);
    if (hidden && hidden.length > 0)
      return { detector: 'hidden-unicode', excerpt: `${hidden.length} invisible character(s)` };
  }
  for (const decoded of decodeBase64Runs(text)) {
    const inner = matchRules(decoded, true);
    if (inner) return { detector: `encoded-${inner.detector}`, excerpt: inner.excerpt };
  }
  if (untrusted) {
    if (hexRun.test(text)) return { detector: 'encoded-blob', excerpt: 'long hex run' };
    const b64 = text.match(base64Run);
    const blobs = (b64 ?? []).filter((r) => r.length >= 200 && /[a-z]/.test(r) && /[A-Z]/.test(r) && /\d/.test(r));
    if (blobs.length > 0) {
      return {
        detector: 'encoded-blob',
        excerpt: `base64 run of ${Math.max(...blobs.map((r) => r.length))} characters`,
      };
    }
  }
  return undefined;
}

interface SecretRule {
  kind: string;
  pattern: RegExp;
}

/** Secrets by shape. Order matters: specific provider formats before generic ones. */
const secretRules: SecretRule[] = [
  {
    kind: 'private-key',
    pattern: /-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----[\s\S]*?(?:-----END (?:[A-Z]+ )?PRIVATE KEY-----|$)/g,
  },
  { kind: 'anthropic-api-key', pattern: /\bsk-ant-(?:api|admin)\d{2}-[A-Za-z0-9_-]{20,}/g },
  { kind: 'openai-api-key', pattern: /\bsk-(?:proj-|svcacct-)?[A-Za-z0-9_-]{32,}\b/g },
  { kind: 'aws-access-key-id', pattern: /\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[0-9A-Z]{16}\b/g },
  {
    kind: 'aws-secret-access-key',
    pattern: /(?<=\baws[_-]?secret[_-]?(?:access[_-]?)?key["']?\s*[:=]\s*["']?)[A-Za-z0-9/+]{40}\b/gi,
  },
  { kind: 'github-token', pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{60,})\b/g },
  { kind: 'slack-token', pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}\b/g },
  { kind: 'stripe-key', pattern: /\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{20,}\b/g },
  { kind: 'google-api-key', pattern: /\bAIza[0-9A-Za-z_-]{35}\b/g },
  { kind: 'jwt', pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b/g },
  { kind: 'password-in-url', pattern: /(?<=\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)(?!\[REDACTED)[^\s@/]{3,}(?=@)/gi },
  { kind: 'bearer-token', pattern: /(?<=\bbearer\s+)(?!\[REDACTED)[A-Za-z0-9._~+/-]{20,}=*/gi },
  {
    kind: 'password',
    pattern:
      /(?<=\b(?:password|passwd|pwd|secret|api[_-]?key|access[_-]?token|auth[_-]?token)["']?\s*[:=]\s*["']?)(?!\[REDACTED)[^\s"',;]{6,}/gi,
  },
];

export interface Redaction {
  text: string;
  /** kind → count */
  found: Record<string, number>;
}

/** Replaces each secret with `[REDACTED:<kind>]`. */
export function redactSecrets(text: string): Redaction {
  const found: Record<string, number> = {};
  let out = text;
  for (const { kind, pattern } of secretRules) {
    out = out.replace(pattern, () => {
      found[kind] = (found[kind] ?? 0) + 1;
      return `[REDACTED:${kind}]`;
    });
  }
  return { text: out, found };
}

export function hasSecret(text: string): boolean {
  return Object.keys(redactSecrets(text).found).length > 0;
}

export function mergeCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, n] of Object.entries(from)) into[k] = (into[k] ?? 0) + n;
}
