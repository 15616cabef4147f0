/**
 * Credentials told by their shape where no credential's name labels them: the value of a label or a `k=v`
 * pair that has a random key's entropy and character mix (`VAPID秘密鍵：q7Wm…`, `Cookie: SESSION=NjY4…`), and a
 * `user / password` pair or a password as people choose one that makes up a label's whole value (`SSH: root /
 * Yumoshucheng@`, `**Router admin**: \`Mk!cafe-2025\``), and random letters (`授权码：qwlkzmbvnrtypdse`). The name of the
 * label is not read: detect-secrets' high-entropy strings, kept to the place a value is assigned.
 */
import { characterClasses, isMasked, isPlaceholder, isReference, relativeEntropy } from './entropy.js';
import { familyOf } from './credentialNames.js';
import { valueAt, type Candidate } from './credentialValues.js';

/** A separator of a label or an assignment in any script, decoration, then a run of a key's characters. */
const assigned = /(?<![:/])[:=：﹕∶꞉][ \t]{0,3}[*_`"'“「]{0,3}([A-Za-z0-9+/_-]{20,512}={0,3})(?![A-Za-z0-9+/=_-])/g;

/**
 * Random, not written: upper case, lower case and digits, digits spread through it (an identifier's one
 * number is not), entropy near the most its length allows (as for tokens a user hands over).
 */
export function randomKey(token: string): boolean {
  // words joined by `_` or `-` (a file's or a slug's name: `intel_03_CAE_K12_risks`) are written, not drawn
  // `/` beside `-` or `_` is in neither base64 alphabet (RFC 4648 §4, §5): a path's segments (`tasks/JB-2026…/raw_db`)
  const parts = token.split(/\//.test(token) && /[-_]/.test(token) ? /[-_/]/ : /[-_]/);
  const longest = parts.reduce((a, b) => (b.length > a.length ? b : a), '');
  if (longest.length < 16) return false;
  const alnum = token.replace(/[^A-Za-z0-9]/g, '');
  if (characterClasses(alnum) < 3 || token.startsWith('/') || isReference(token) || isMasked(token)) return false;
  const switches = alnum.match(/(?<=\d)[A-Za-z]|(?<=[A-Za-z])\d/g)?.length ?? 0;
  return switches >= 4 && relativeEntropy(token) >= 0.8;
}

/**
 * A label that names an identifier (`client_id`, `secretId`, `App ID`): what it labels is public, as
 * detect-secrets' `is_likely_id_string` filter reads an entropy string after `id`.
 */
const idLabel = /(?:(?<![A-Za-z])(?:id|ID|Id)|(?<=[a-z])I[dD])s?["'`*_ \t)]{0,6}$/;

/** Does `before` end with an identifier's label and its separator (`aws_access_key_id = `, `**App ID**: `)? */
export const labelsAnId = (before: string): boolean =>
  idLabel.test(before.replace(/[ \t]{0,4}(?:[:=：]|:=)[ \t]{0,4}["'`]?$/, ''));

/** `: <user> / <password>` ending the line or a parenthesis: the pair is a label's whole value. */
const pair =
  /[:：=][ \t]{0,3}[\p{L}\p{N}_.@-]{1,64}[ \t]{1,3}\/[ \t]{1,3}([^\s/()（）`"']{6,128})(?=[ \t]{0,8}(?:$|[)）]))/gmu;

/**
 * A password's shape: three character classes with both cases (or a random mix), not a version, a file, a
 * URL, title-case words (`Platform-Infra`) or a placeholder.
 */
export function passwordShaped(v: string): boolean {
  if (characterClasses(v) < 3 || isReference(v) || isPlaceholder(v) || /:\/\//.test(v)) return false;
  if (/^v?\d+(?:\.\d+)+/.test(v) || /\.[A-Za-z]{1,5}$/.test(v) || /^\p{Lu}\p{Ll}+(?:[-_ ]\p{Lu}\p{Ll}+)+$/u.test(v))
    return false;
  return (/\p{Lu}/u.test(v) && /\p{Ll}/u.test(v)) || (randomKey(v) && !/[-_.]/.test(v));
}

/**
 * A password as people choose one: both cases and a mark of the kind sites require (`Mk!cafe-2025`), not an
 * address (`a@b.c`), a URL or a placeholder.
 */
export function strongPassword(v: string): boolean {
  // typed in ASCII: letters of another script are prose (`GenAI对高阶思维Meta分析**`), emphasis marks are markup
  if (!/^[\x21-\x7e]{8,64}$/.test(v) || /[*_]{2}/.test(v)) return false;
  // a word and the punctuation after it (`Message?,`: a nullable type in a list; `Hello!`) is no password,
  // nor is code: a negated or cast identifier path ending a member (`!!response.data.items,`)
  if (
    /^[A-Za-z]{1,64}[?!.,;:]{1,3}$/.test(v) ||
    /^!{1,2}[A-Za-z_$][\w$]{0,40}(?:\.[A-Za-z_$][\w$]{0,40}){0,8}[,;]?$/.test(v)
  )
    return false;
  if (!/\p{Lu}/u.test(v) || !/\p{Ll}/u.test(v) || !/[!#$%^&*?~@+]/.test(v)) return false;
  // a path or a glob over one (`api/app/Http/Controllers/Api/*Controller.php`): names of folders, not chosen
  if (/^[\w.*-]{0,64}(?:\/[\w.*-]{0,64}){2,16}$/.test(v)) return false;
  // an assignment or a slot (`KEY=changeme`, `KEY=<service-role-key>`) holds a value, it is none
  if (/[<>＜＞=]/.test(v) || /@[\w-]{1,63}\./.test(v) || /:\/\//.test(v)) return false;
  return !isReference(v) && !isPlaceholder(v);
}

/** Letters drawn at random, not written: 12 or more in lower case with almost no vowels (`qwlkzmbvnrtypdse`). */
export function randomLetters(v: string): boolean {
  if (!/^[a-z]{12,64}$/.test(v)) return false;
  return (v.match(/[aeiou]/g)?.length ?? 0) / v.length < 0.2 && relativeEntropy(v) >= 0.85;
}

/** A label's whole value, bare or in a code span or quotes, ending the line. */
const wholeValue = /[:：][ \t]{0,3}([`"']?)([^\s`"':：]{8,64})\1[ \t]{0,3}$/gmu;

/** A password written right after its name, as netrc and some configs do (`password Ftp_Chel!2025`). */
export function passwordAfterName(text: string, name: string, end: number): Candidate | undefined {
  if (familyOf(name) !== 'password' || !/^[ \t]$/.test(text[end] ?? '')) return undefined;
  const v = valueAt(text, end);
  return v && v.start - end <= 2 && strongPassword(v.text)
    ? { start: v.start, end: v.end, kind: 'password' }
    : undefined;
}

/**
 * A public key's or address's encoding, which people publish (a wallet to be paid at): base58 of an address's
 * length (26–44; a base58 private key is 51 or more) or a checksummed 0x address. Random-looking, yet no secret.
 */
const publicAddress = /^(?:[1-9A-HJ-NP-Za-km-z]{26,44}|0x[0-9a-fA-F]{40})$/;

/** A run of base64 (RFC 4648) standing alone: an encoding that may hide a `user:password` pair. */
const base64Run = /(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/]{12,684}={0,2}(?![A-Za-z0-9+/=_-])/g;

/**
 * Credentials encoded in base64, as HTTP Basic authentication (RFC 7617) and many configs carry them: the
 * run decodes to printable text that is a user, a colon and a password (`YWRtaW46…` → `admin:…`). The
 * structure inside, not a header's name, decides: a placeholder pair (`user:password`) is none.
 */
export function encodedPair(token: string): boolean {
  if (token.length % 4 !== 0 || characterClasses(token.replace(/[^A-Za-z0-9]/g, '')) < 2) return false;
  const text = Buffer.from(token, 'base64').toString('latin1');
  const m = /^([\w.@+-]{1,64}):([\x21-\x7e]{3,128})$/.exec(text);
  return m !== null && !isPlaceholder(m[2]!, [m[1]!]) && !isReference(m[2]!);
}

/**
 * `<numeric id>:<secret>`, a bot's or an app's token (`7213456789:AAHk…`): an id, a colon and a part of 30 or
 * more base64url characters with a random key's mix and entropy. The service's name is not read.
 */
const idSecret = /(?<![\w:/.-])\d{5,12}:([A-Za-z0-9_-]{30,64})(?![\w-])/g;
const idSecretPart = (v: string) =>
  characterClasses(v.replace(/[^A-Za-z0-9]/g, '')) >= 3 && relativeEntropy(v) >= 0.75 && !isMasked(v);

/** Spans of secrets by shape alone in `text`. */
export function shapedSpans(text: string): Candidate[] {
  const out: Candidate[] = [];
  for (const m of text.matchAll(base64Run))
    if (encodedPair(m[0])) out.push({ start: m.index, end: m.index + m[0].length, kind: 'encoded-credentials' });
  for (const m of text.matchAll(idSecret))
    if (idSecretPart(m[1]!)) {
      const start = m.index + m[0].length - m[1]!.length;
      out.push({ start, end: start + m[1]!.length, kind: 'id-secret-token' });
    }
  for (const m of text.matchAll(assigned)) {
    const token = m[1]!;
    // a file's name (`….md`) is no key, nor is the value of an identifier's label (`secretId = AKID…`, `App ID: cli_…`)
    if (!randomKey(token) || publicAddress.test(token) || /^\.[A-Za-z]{1,5}\b/.test(text.slice(m.index + m[0].length)))
      continue;
    if (labelsAnId(text.slice(Math.max(0, m.index - 40), m.index + 1))) continue;
    // the first part of a JWT: the token is read whole, by its claims (secrets.ts)
    if (text.startsWith('.eyJ', m.index + m[0].length)) continue;
    const start = m.index + m[0].length - token.length;
    out.push({ start, end: start + token.length, kind: 'high-entropy-value' });
  }
  for (const m of text.matchAll(wholeValue)) {
    const v = m[2]!;
    if (!strongPassword(v) && !randomLetters(v)) continue;
    // a markdown heading's words are a title (`### Part 2: MCP+Context7`), not a label's value
    if (/^[ \t]{0,3}#{2,6}[ \t]/.test(text.slice(text.lastIndexOf('\n', m.index) + 1))) continue;
    const start = m.index + m[0].trimEnd().length - m[1]!.length - v.length;
    out.push({ start, end: start + v.length, kind: 'password' });
  }
  for (const m of text.matchAll(pair)) {
    const secret = m[1]!.replace(/[.,;]$/, '');
    if (!passwordShaped(secret)) continue;
    const start = m.index + m[0].length - m[1]!.length;
    out.push({ start, end: start + secret.length, kind: 'password' });
  }
  return out;
}

/** Every pattern here, for the test that checks each quantifier is bounded. */
export const shapePatterns: RegExp[] = [assigned, idLabel, pair, wholeValue, publicAddress, base64Run, idSecret];
