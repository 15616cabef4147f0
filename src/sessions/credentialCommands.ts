/**
 * Credentials in the places commands and configs put them, whatever the credential is called: the password
 * in a URI's userinfo (any scheme, any characters, read by the WHATWG `URL` parser), an environment variable
 * set in any shell's syntax (POSIX `export`, PowerShell `$env:X =`, fish `set -x`, cmd `set X=`), and a
 * command-line flag: one whose name ends in a credential's name in any spelling (`--requirepass`), or a
 * short flag whose value is random (`redis-cli -a 'rEd1s-Np9vKq4W'`). Where no credential's name labels the
 * value, only its structure decides: gitleaks' generic rule (a letter, a digit, Shannon entropy ≥ 3.5) kept
 * to values drawn at random, not identifiers, hashes, paths or words.
 */
import { credentialName } from './credentialNames.js';
import { valueAt, type Candidate, type Value } from './credentialValues.js';
import {
  characterClasses,
  isMasked,
  isPlaceholder,
  isReference,
  passphrase,
  relativeEntropy,
  shannonEntropy,
  wordsOnly,
} from './entropy.js';

/** A scheme, `://`, then an authority with an `@`: userinfo the URL parser is asked to read. */
const uriWithUser = /\b[a-z][a-z0-9+.-]{0,30}:\/\/[^\s/"'`<>]{0,256}@/gi;

/**
 * The password of each URI with userinfo (`redis://:Rd!s-st4nd-2025@host`, `amqp://app:p@ss@mq/`), as the
 * WHATWG URL parser reads it: the userinfo ends at the authority's last `@`, the user at its first `:`.
 */
export function uriPasswords(text: string): Candidate[] {
  const out: Candidate[] = [];
  for (const m of text.matchAll(uriWithUser)) {
    const authority = m[0].slice(m[0].indexOf('://') + 3, -1);
    const colon = authority.indexOf(':');
    if (colon === -1) continue;
    const password = authority.slice(colon + 1);
    if (password.length < 3 || !parsesWithPassword(m[0].slice(0, m[0].length - 1 - password.length), password))
      continue;
    if (isPlaceholder(password) || isReference(password) || password.startsWith('[REDACTED')) continue;
    const start = m.index + m[0].length - 1 - password.length;
    out.push({ start, end: start + password.length, kind: 'password-in-url' });
  }
  return out;
}

/**
 * Does the URL parser read a password in this userinfo (not a broken scheme or user)? The password goes in
 * percent-encoded, as a URL must carry it: people write `#` or `?` in one raw, and it is still the password.
 */
function parsesWithPassword(prefix: string, password: string): boolean {
  try {
    return new URL(`${prefix}${encodeURIComponent(password)}@host.invalid/`).password !== '';
  } catch {
    return false;
  }
}

/**
 * An environment variable set in a shell: POSIX (`export X=v`, `X=v cmd`), PowerShell (`$env:X = "v"`), fish
 * (`set -x X v`, `set -gx X v`), cmd (`set X=v`, `setx X v`). Group 1 is the name; the value follows the match.
 */
const envAssignment =
  /(?:^|[\s;&|(`])(?:(?:export|declare -x|env)[ \t]{1,4}([A-Za-z_][A-Za-z0-9_]{0,80})=|\$[Ee][Nn][Vv]:([A-Za-z_][A-Za-z0-9_]{0,80})[ \t]{0,4}=[ \t]{0,4}|set[ \t]{1,4}-[gUxlu]{1,4}[ \t]{1,4}([A-Za-z_][A-Za-z0-9_]{0,80})[ \t]{1,4}|[Ss][Ee][Tt][ \t]{1,4}"?([A-Za-z_][A-Za-z0-9_]{0,80})=|[Ss][Ee][Tt][Xx][ \t]{1,4}([A-Za-z_][A-Za-z0-9_]{0,80})[ \t]{1,4}|(?<=^|[\s;&|(])([A-Z][A-Z0-9_]{2,80})=(?=\S))/gm;

/**
 * Random, not written or computed: gitleaks' generic rule (16 characters or more, a letter and a digit, Shannon
 * entropy ≥ 3.5) where letters and digits alternate often (an identifier's one number does not) and entropy is
 * near the most the length allows. A hash or an id in hex, a UUID, a path, a URL or a version is no secret here.
 */
export function drawnAtRandom(v: string): boolean {
  if (v.length < 16 || v.length > 512 || !/^[A-Za-z0-9+/=_.~-]+$/.test(v)) return false;
  if (/^[0-9a-fA-F-]+$/.test(v) || /^[~./]|\/.*\/|\.[a-z]{1,5}$/.test(v) || /^v?\d+(?:\.\d+)+/.test(v)) return false;
  if (!/[A-Za-z]/.test(v) || !/\d/.test(v) || isReference(v) || isMasked(v) || isPlaceholder(v)) return false;
  const switches = v.match(/(?<=\d)[A-Za-z]|(?<=[A-Za-z])\d/g)?.length ?? 0;
  return switches >= 6 && shannonEntropy(v) >= 3.5 && relativeEntropy(v) >= 0.8;
}

/** A value cut short where it stands (`sk-proj-...`, `ghp_…`) or a bare prefix (`sk-live-`) shows what goes there. */
const elided = (text: string, v: Value) => /^(?:\.{2,}|…)/.test(text.slice(v.end)) || /[-_]$/.test(v.text);

/** Every variable set in a shell whose value is drawn at random, or whose name is a credential's and value no reference. */
export function envSecrets(text: string): Candidate[] {
  const out: Candidate[] = [];
  for (const m of text.matchAll(envAssignment)) {
    const name = m.slice(1).find((g) => g !== undefined)!;
    const v = valueAt(text, m.index + m[0].length);
    if (!v || v.start !== m.index + m[0].length + (v.quoted ? 1 : 0) || elided(text, v)) continue;
    const t = v.text;
    // a credential's name: any value but a reference, a placeholder or a word that is no passphrase
    const named =
      credentialName(name) &&
      t.length >= 6 &&
      !/\s/.test(t) &&
      !isReference(t) &&
      !isPlaceholder(t, [name.toLowerCase()]) &&
      !(wordsOnly(t) && !passphrase(t));
    if (named || drawnAtRandom(t)) out.push({ start: v.start, end: v.end, kind: 'env-assignment' });
  }
  return out;
}

/**
 * A flag and its value: a long flag whose name ends in a credential's name (`--requirepass`, `--apitoken`), or
 * a short one (`-a`, `-k`). Group 1 is the long flag's name. The value follows, after a space or `=`.
 */
const flagAt = /(?<=^|[\s(`])(?:--([A-Za-z][A-Za-z0-9-]{1,40})|-[A-Za-z])(?:[ \t]{1,3}|=)(?=['"]?[^\s'"-])/gm;

/** A chosen password's shape: both cases and a digit, or three classes, with letters and digits mixed through it. */
const chosenShape = (v: string) =>
  v.length >= 8 &&
  v.length <= 128 &&
  !/\s|\/.*\/|:\/\/|^[~./]|\.[a-z]{1,5}$/.test(v) &&
  /\p{Lu}/u.test(v) &&
  /\p{Ll}/u.test(v) &&
  /\d/.test(v) &&
  (v.match(/(?<=\d)[A-Za-z]|(?<=[A-Za-z])\d/g)?.length ?? 0) >= 3 &&
  relativeEntropy(v) >= 0.75;

/** The values of command-line flags that are credentials, by the flag's name or the value's randomness. */
export function flagSecrets(text: string): Candidate[] {
  const out: Candidate[] = [];
  for (const m of text.matchAll(flagAt)) {
    const v = valueAt(text, m.index + m[0].length);
    if (!v || isReference(v.text) || isPlaceholder(v.text) || /^\d+$/.test(v.text) || elided(text, v)) continue;
    const long = m[1];
    const byName = long !== undefined && credentialName(long) && !/\s/.test(v.text) && characterClasses(v.text) >= 2;
    if (byName || (long === undefined && (chosenShape(v.text) || drawnAtRandom(v.text))))
      out.push({ start: v.start, end: v.end, kind: 'cli-flag' });
  }
  return out;
}

/** Every credential here, as spans (overlaps are left to the caller); each scan only where its mark is. */
export const commandSpans = (text: string): Candidate[] => [
  ...(text.includes('://') ? uriPasswords(text) : []),
  ...(text.includes('=') || /set/i.test(text) ? envSecrets(text) : []),
  ...(text.includes('-') ? flagSecrets(text) : []),
];

/** Every pattern here, for the test that checks each quantifier is bounded. */
export const commandPatterns: RegExp[] = [uriWithUser, envAssignment, flagAt];
