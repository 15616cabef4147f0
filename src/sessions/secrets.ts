/**
 * Secrets, redacted before any dreamer sees a store or a session: provider formats (dreamgate's rules and
 * secretlint's recommended preset, a maintained rule set), credentials in URLs, credentials by structure in
 * every syntax and language (credentials.ts), and tokens a user hands over. Every pattern's quantifiers are
 * bounded, so screening is linear in its input.
 */
import { createHash } from 'node:crypto';
import { lintSource } from '@secretlint/core';
import { creator as secretlintRecommended } from '@secretlint/secretlint-rule-preset-recommend';
import { secretLintProfiler } from '@secretlint/profiler';
import { credentialPatterns, credentialSpans, type Candidate } from './credentials.js';
import { labelsAnId } from './credentialShapes.js';
import { asciiDigits } from './digits.js';
import { isStyleValue } from './styleValues.js';
import {
  characterClasses,
  isMasked,
  isPlaceholder,
  isReference,
  referencePattern,
  relativeEntropy,
  shannonEntropy,
} from './entropy.js';

export { isPlaceholder } from './entropy.js';

/** A JWT's shape: three base64url parts, the first two JSON objects (`eyJ` is `{"`). */
export const jwtShape = /\beyJ[A-Za-z0-9_-]{8,4096}\.eyJ[A-Za-z0-9_-]{8,4096}\.[A-Za-z0-9_-]{8,4096}\b/g;

interface SecretRule {
  kind: string;
  pattern: RegExp;
  /** The secret is this capture group (the rest of the match, e.g. a label, stays). */
  group?: number;
  /** A value this rule matches that is not a secret (a placeholder); the text `before` and `after` the match. */
  unless?: (value: string, before: string, after: string) => boolean;
  /** The whole match is the secret; `unless` reads group 1. */
  whole?: boolean;
}

/** Provider formats that secretlint's preset does not read as we need (URLs' passwords: credentialCommands.ts). */
const providerRules: SecretRule[] = [
  {
    kind: 'private-key',
    pattern:
      /-----BEGIN (?:[A-Z]{1,20} ){0,3}PRIVATE KEY-----([\s\S]{0,16384}?)(?:-----END (?:[A-Z]{1,20} ){0,3}PRIVATE KEY-----|$)/g,
    whole: true,
    // a key's outline in docs (`-----BEGIN PRIVATE KEY-----\n...\n-----END…`) is not a key
    unless: (body) => body.replace(/\s/g, '').length < 12 || isMasked(body.replace(/\s/g, '')),
  },
  { kind: 'anthropic-api-key', pattern: /\bsk-ant-(?:api|admin)\d{2}-[A-Za-z0-9_-]{20,300}/g },
  { kind: 'openai-api-key', pattern: /\bsk-(?:(?:proj|svcacct|admin)-[A-Za-z0-9_-]{32,300}|[A-Za-z0-9]{32,300})\b/g },
  { kind: 'api-key', pattern: /\bsk-[a-z]{2,12}-[A-Za-z0-9_-]{32,300}\b/g },
  {
    kind: 'aws-access-key-id',
    pattern: /\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[0-9A-Z]{16}\b/g,
    // the public half of a key pair, its secret the other: labelled as the ID it is (`aws_access_key_id = AKIA…`),
    // or first in an `id / secret` pair, where a user's name stands (`aws: AKIA… / Wq9…`)
    // AWS documents its formats with keys that end in EXAMPLE (`AKIAIOSFODNN7EXAMPLE`), as gitleaks' aws rule allows
    unless: (id, before, after) =>
      labelsAnId(before) || /^[ \t]{1,3}\/[ \t]{1,3}\S/.test(after) || id.endsWith('EXAMPLE'),
  },
  {
    kind: 'aws-secret-access-key',
    pattern: /(\baws[_-]?secret[_-]?(?:access[_-]?)?key["']?[ \t]{0,4}[:=][ \t]{0,4}["']?)([A-Za-z0-9/+]{40})\b/gi,
    group: 2,
  },
  { kind: 'github-token', pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{60,255})\b/g },
  { kind: 'slack-token', pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,250}\b/g },
  { kind: 'stripe-key', pattern: /\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{20,250}\b/g },
  { kind: 'google-api-key', pattern: /\bAIza[0-9A-Za-z_-]{35}\b/g },
  {
    kind: 'jwt',
    pattern: jwtShape,
    unless: (token) => isPlaceholder(token), // a sample that shows the format (its claims decoded)
  },
  {
    kind: 'bearer-token',
    pattern: /(\bbearer[ \t]{1,4})(?!\[REDACTED)([A-Za-z0-9._~+/-]{20,4096}={0,2})/gi,
    group: 2,
    unless: (v) => isPlaceholder(v),
  },
];

export interface Redaction {
  text: string;
  /** kind → count */
  found: Record<string, number>;
}

/** Replaces each span (the first of overlapping ones) with `[REDACTED:<kind>]`; `collect` gets the values. */
function replaceSpans(
  text: string,
  spans: readonly Candidate[],
  found: Record<string, number>,
  collect?: Set<string>,
): string {
  const sorted = [...spans].sort((a, b) => a.start - b.start || b.end - a.end);
  let out = '';
  let at = 0;
  for (const s of sorted) {
    if (s.start < at || s.end <= s.start) continue;
    out += `${text.slice(at, s.start)}[REDACTED:${s.kind}]`;
    collect?.add(text.slice(s.start, s.end));
    at = s.end;
    found[s.kind] = (found[s.kind] ?? 0) + 1;
  }
  return out + text.slice(at);
}

/**
 * Synchronous redaction by dreamgate's own rules: provider formats, credentials in URLs, credentials by
 * structure. `collect`, when given, receives each redacted value (to find its other copies; never stored).
 */
export function redactKnown(text: string, collect?: Set<string>): Redaction {
  const found: Record<string, number> = {};
  let out = text;
  for (const { kind, pattern, group, unless, whole } of providerRules) {
    const source = out;
    out = source.replace(pattern, (...m: (string | number | undefined)[]) => {
      const at = m.find((x): x is number => typeof x === 'number') ?? 0;
      const match = m[0] as string;
      const around = [source.slice(Math.max(0, at - 60), at), source.slice(at + match.length, at + match.length + 8)];
      if (unless?.(m[whole ? 1 : (group ?? 0)] as string, around[0]!, around[1]!)) return match;
      found[kind] = (found[kind] ?? 0) + 1;
      collect?.add(group ? (m[group] as string) : match);
      return group ? `${m.slice(1, group).join('')}[REDACTED:${kind}]` : `[REDACTED:${kind}]`;
    });
  }
  // digits of every script read as ASCII for shapes and entropy (same offsets); a CSS value is never a secret
  const spans = credentialSpans(asciiDigits(out)).filter((s) => !isStyleValue(out.slice(s.start, s.end)));
  return { text: replaceSpans(out, spans, found, collect), found };
}

// secretlint 11 profiles every lint whether asked or not: a performance mark per rule per call, kept in arrays
// that only grow and scanned on every mark (quadratic; secretlint#1633 and #1653, fixed in 13.x, which needs
// Node 22). A worker lints for weeks, and a 2,000-file store took minutes: nothing here reads the profile.
secretLintProfiler.mark = () => {};

const secretlintConfig = {
  rules: [{ id: '@secretlint/secretlint-rule-preset-recommend', rule: secretlintRecommended }],
};
// secretlint's rules look for tokens, URLs with credentials and key blocks: text without any is not worth a run
const mayHoldToken = /[A-Za-z0-9_+/=.-]{16}|:\/\/|-----BEGIN/;

const userinfo = /^[a-z][a-z0-9+.-]{0,30}:\/\/[^:@/\s]{0,200}:([^@/\s]{1,200})@/i;

/**
 * Is a span secretlint found still a secret after dreamgate's own rules? A URL with credentials (a
 * connection string) is not when its password is already redacted (so the scheme, user, host and database
 * stay readable) or is a placeholder (`postgresql://user:password@host/db` in a README).
 */
function stillSecret(text: string, range: readonly [number, number]): boolean {
  const password = userinfo.exec(text.slice(range[0], range[1]))?.[1];
  return password === undefined || !(isPlaceholder(password) || isReference(password));
}

/**
 * Replaces each secret with `[REDACTED:<kind>]`: dreamgate's own rules, then secretlint's recommended
 * preset (a maintained rule set of provider formats) over what is left.
 */
export async function redactSecrets(text: string, collect?: Set<string>): Promise<Redaction> {
  const own = redactKnown(text, collect);
  if (!mayHoldToken.test(own.text)) return own;
  const result = await lintSource({
    source: { filePath: 'memory.txt', content: own.text, contentType: 'text' },
    options: { config: secretlintConfig },
  });
  if (result.messages.length === 0) return own;
  const found = { ...own.found };
  const spans = result.messages
    .filter((m) => stillSecret(own.text, m.range))
    .map((m) => ({
      start: m.range[0],
      end: m.range[1],
      kind: m.ruleId.replace(/^@secretlint\/secretlint-rule-/, ''),
    }));
  return { text: replaceSpans(own.text, spans, found, collect), found };
}

export async function hasSecret(text: string): Promise<boolean> {
  return Object.keys((await redactSecrets(text)).found).length > 0;
}

export function mergeCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, n] of Object.entries(from)) into[k] = (into[k] ?? 0) + n;
}

// not right after `$`, `{` or `%`: a run there is a variable's name and the path after it (`$STORE/admin/…`)
const handedRun = /(?<![$%{A-Za-z0-9+/=_.:~!#^&*-])[A-Za-z0-9+/=_.:~!#%^&*-]{20,256}/g;

/**
 * Tokens a user hands over in their own words, labelled or not and in any language: 20 characters or more
 * that mix upper case, lower case and digits, with entropy near the most their length allows (0.85 of it:
 * detect-secrets' 4.5 bits for a 40-character base64 string). Identifiers, hashes, URLs and paths are not.
 */
export function handedOverTokens(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(handedRun)) {
    const t = m[0].replace(/[.:!]{1,4}$/, '');
    if (t.length < 20 || /:\/\/|^[~./]|@/.test(t) || isReference(t) || isMasked(t)) continue;
    if (characterClasses(t.replace(/[^A-Za-z0-9]/g, '')) < 3 || relativeEntropy(t) < 0.85) continue;
    out.push(t);
  }
  return out;
}

/**
 * A secret by its own characters, without the label it was found under: long and random (16 characters or
 * more at gitleaks' 3.5 bits a character) or a chosen password's mix (8 or more, a letter, a digit and a third
 * class). Only such a value is looked for unlabelled in a store's other documents: a word, a colour or a name
 * that one label made a secret is, written elsewhere without it, what it says there.
 */
export function standsAlone(value: string): boolean {
  if (isStyleValue(value) || isReference(value) || isPlaceholder(value)) return false;
  const v = asciiDigits(value);
  // words and numbered words joined (`stage2_input_policy_checks`, `--brand-primary`) are written, not drawn
  if (v.split(/[-_./]/).every((w) => /^[a-z]{0,40}\d{0,4}$/.test(w))) return false;
  const mixed = v.length >= 8 && /\p{L}/u.test(v) && /\d/.test(v) && characterClasses(v) >= 3;
  return mixed || (v.length >= 16 && shannonEntropy(v) >= 3.5);
}

/** A secret as screening remembers it across texts: its length and hash, never its text. */
export const secretFingerprint = (value: string): string =>
  `${value.length}:${createHash('sha256').update(value).digest('hex')}`;

// the pieces of text a secret may stand as: a run without spaces, quotes or brackets, and its parts
const piece = /[^\s"'`<>()[\]{},;|（）「」]{6,256}/g;

/**
 * Redacts every copy of a secret found elsewhere: the values in `values` (this process's own findings), and
 * the pieces of `text` whose fingerprints are in `fingerprints` (secrets a user handed over in a session).
 */
export function redactCopies(
  text: string,
  values: ReadonlySet<string>,
  fingerprints: ReadonlySet<string> = new Set(),
): Redaction {
  const found: Record<string, number> = {};
  const spans: Candidate[] = [];
  for (const v of values) {
    if (v.length < 6) continue;
    for (let at = text.indexOf(v); at !== -1; at = text.indexOf(v, at + v.length))
      spans.push({ start: at, end: at + v.length, kind: 'known-secret' });
  }
  if (fingerprints.size > 0) {
    const lengths = new Set([...fingerprints].map((f) => Number(f.split(':')[0])));
    for (const m of text.matchAll(piece))
      for (const [from, part] of parts(m[0]))
        if (lengths.has(part.length) && fingerprints.has(secretFingerprint(part)))
          spans.push({ start: m.index + from, end: m.index + from + part.length, kind: 'handed-over' });
  }
  return spans.length === 0 ? { text, found } : { text: replaceSpans(text, spans, found), found };
}

/** A piece and its parts after `:`, `=`, `@` or `/` (`avi:Btl#…` → `Btl#…`), with their offsets. */
function parts(p: string): [number, string][] {
  const out: [number, string][] = [[0, p]];
  for (let i = 0; i < p.length; i++)
    if (/[:=@/]/.test(p[i]!)) {
      out.push([i + 1, p.slice(i + 1)]);
      out.push([0, p.slice(0, i)]);
    }
  return out.filter(([, x]) => x.length >= 6);
}

/** Every pattern this module matches with, for the test that checks each quantifier is bounded. */
export const secretPatterns: RegExp[] = [
  ...providerRules.map((r) => r.pattern),
  ...credentialPatterns,
  handedRun,
  piece,
  referencePattern,
  mayHoldToken,
  userinfo,
];
