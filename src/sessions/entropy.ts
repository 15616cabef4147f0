/**
 * What a value is, by its structure alone: random enough to be a secret, or written to be replaced or
 * looked up (a placeholder, a reference). No list of example values: brackets, character classes,
 * repetition, entropy and the words of the value's own label decide.
 */
import { allNames } from './credentialNames.js';

/** Shannon entropy in bits per character, over the value's own characters (as gitleaks and detect-secrets compute it). */
export function shannonEntropy(value: string): number {
  if (value.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const ch of value) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  const n = [...value].length;
  for (const c of counts.values()) bits -= (c / n) * Math.log2(c / n);
  return bits;
}

/**
 * Entropy as a share of the most a string of this length can have (log2 of its length, up to 64 characters):
 * a 20-character key cannot reach detect-secrets' 4.5 bits, a 40-character one does at 0.85.
 */
export function relativeEntropy(value: string): number {
  const n = Math.min([...value].length, 64);
  return n < 2 ? 0 : shannonEntropy(value) / Math.log2(n);
}

/** Upper-case, lower-case, digit, other: how many of the four classes the value mixes. */
export function characterClasses(value: string): number {
  return (
    Number(/\p{Lu}/u.test(value)) +
    Number(/\p{Ll}/u.test(value)) +
    Number(/\p{N}/u.test(value)) +
    Number(/[^\p{L}\p{N}]/u.test(value))
  );
}

/** Letters only, in words joined by `-`, `_`, `.`, `:` or spaces: "orange-tiger-river", "plaintext", "agent:main". */
export const wordsOnly = (v: string): boolean => /^\p{L}{1,60}(?:[-_.: ]\p{L}{1,60}){0,12}$/u.test(v);
const letters = (v: string) => v.replace(/[^\p{L}]/gu, '').length;
const wordsOf = (v: string) => v.toLowerCase().split(/[^\p{L}\p{N}]{1,8}/u);

/**
 * A value masked, truncated or made up of a pattern rather than chosen: a run of one character (`xxxx`,
 * `****`, `••••`, `0000`), an ellipsis, or a sequence (`12345678`, `abcdefgh`), as detect-secrets'
 * sequential-string filter reads them.
 */
export function isMasked(v: string): boolean {
  if (/([^\p{L}\p{N}])\1{2}/u.test(v)) return true;
  // a run of one character masks what it stands in, unless what is left is random itself (`0x4AAAAAAAbQ7r…`)
  if (/(.)\1{3}/u.test(v)) {
    const rest = v.replace(/(.)\1{3,}/gu, '');
    return rest.length < 16 || characterClasses(rest.replace(/[^A-Za-z0-9]/g, '')) < 3 || relativeEntropy(rest) < 0.8;
  }
  if (/…|\.\.\.$/.test(v)) return true;
  const s = v.toLowerCase();
  return s.length >= 6 && ('0123456789'.repeat(2).includes(s) || 'abcdefghijklmnopqrstuvwxyz'.includes(s));
}

/**
 * A value that names or points at a secret instead of being one: a template slot in brackets, a variable
 * (`$VAR`, `${VAR}`, `%VAR%`, `{{var}}`), an environment variable's name, a dotted config path, a file path,
 * code (a call, an index, an object) or a value already redacted.
 */
export function isReference(v: string): boolean {
  return (
    /^\[REDACTED/.test(v) ||
    /^<[^<>]{1,80}>$/.test(v) || // <ADMIN_PASSWORD>, <token>
    (/^[A-Z][A-Z0-9_]{2,}$/.test(v) && !drawnInCapitals(v)) || // an environment variable's name
    /^(?:\$\{?|%|\{\{|\$\()/.test(v) || // $VAR, ${VAR}, %VAR%, {{var}}, $(cmd)
    /^(?:process\.env|os\.environ|env)\b/.test(v) ||
    // config.database.password, process.env.KEY: words, not a token's random runs (`pk.eyJ1Ijoi…`)
    /^[A-Za-z_$][A-Za-z_$]{0,40}\d{0,3}(?:\.[A-Za-z_$][A-Za-z_$]{0,40}\d{0,3}){1,8}(?:\(\))?$/.test(v) ||
    /[()[\]{}]/.test(v) || // code: a call, a type (Optional[str]), an object
    /^(?:~|\.{1,2})?\//.test(v) || // a file
    /^#\/[\w./-]{0,200}$/.test(v) || // a JSON pointer (`#/components/schemas/User`)
    /^(?:\p{Ll}{2,24}:){2,8}[^\s:/]/u.test(v) || // a name in a namespace (`agent:main:subagent:<id>`, `urn:uuid:…`)
    builtOnReferences(v)
  );
}

/**
 * Capitals and digits drawn, not a name: 12 or more with no `_` between words, letters and digits alternating
 * three times or more (`F00DBABE1234F00D`, a base32 `JBSWY3DPEHPK3PXP`); `SHA256`, `OAUTH2_TOKEN` are names.
 */
const drawnInCapitals = (v: string) =>
  !v.includes('_') && v.length >= 12 && (v.match(/(?<=\d)[A-Z]|(?<=[A-Z])\d/g)?.length ?? 0) >= 3;

/**
 * The references a value may be built around: a template expression (`${{ secrets.X }}`, `{{ vault … }}`), a
 * variable expansion (`${X}`, `$(cmd)`, `$X` starting a word, `%X%`), an angle-bracketed slot in words (no `=`:
 * not a tag with attributes) and an environment variable's name (`PLANNED_KEY`).
 */
const referencePart =
  /\$\{\{[^{}\n]{1,160}\}\}|\{\{[^{}\n]{1,160}\}\}|\$\{[^{}\n]{1,120}\}|\$\([^()\n]{1,120}\)|(?<![\p{L}\p{N}$\\])\$[A-Za-z_][A-Za-z0-9_]{0,80}|%[A-Za-z_][A-Za-z0-9_]{0,80}%|<[^<>=\n]{1,160}>|(?<![\p{L}\p{N}_])[A-Z][A-Z0-9]{0,40}(?:_[A-Z0-9]{1,40}){1,8}(?![\p{L}\p{N}_])/gu;

/** A part of a value random enough to be a key or chosen as a password: letters with digits, or three classes. */
const keyLike = (p: string) =>
  !isMasked(p) && ((p.length >= 6 && characterClasses(p) >= 3) || (p.length >= 8 && /\d/.test(p) && /\p{L}/u.test(p)));

/**
 * A value built around references (`https://$STORE/admin/…`, `"planned ENCRYPTION_KEY"`, `Bearer ${TOKEN}`): it
 * names where a secret lives. What is left once the references are taken out decides: no part of it random or
 * mixed enough to be a key (a path's words, a version, prose), and the value is no secret.
 */
export function builtOnReferences(v: string): boolean {
  const rest = v.replace(referencePart, ' ');
  return rest !== v && !rest.split(/[\s/?&#:;,"'`=@|.]{1,40}/u).some(keyLike);
}

/** The pattern a value's references are found with, for the test that checks each quantifier is bounded. */
export const referencePattern = referencePart;

/**
 * A value written to be replaced, as in documentation and templates, decided by structure: masked or
 * truncated (`ock_xxxx…`, `***`), or words only in lower case that are either short (`change-me`,
 * `plaintext`: under 12 letters, no passphrase) or describe themselves: they repeat a word of their own
 * label or the credential's name (`your-jwt-secret-here-change-this-in-production`, `put-your-key-here`).
 * A value with a capital or a digit is never one, so a real secret is not mistaken for a placeholder by its
 * words; a passphrase of unrelated words (`orange-tiger-river`) is a secret.
 */
export function isPlaceholder(v: string, labelWords: readonly string[] = []): boolean {
  if (
    (v.startsWith('eyJ') && sampleJwt(v)) ||
    isMasked(v) ||
    ownWordAndSequence(v, labelWords) ||
    namesItself(v, labelWords)
  )
    return true;
  if (describesItself(v)) return true;
  if (!wordsOnly(v) || /\p{Lu}/u.test(v)) return false;
  if (letters(v) < 12) return true;
  // a phrase (`django-insecure-change-me`, `set-it-in-env`): three words or more, one of one or two letters,
  // is written language; a passphrase is drawn from a word list, whose words have three letters or more (EFF's)
  const words = wordsOf(v);
  if (words.length >= 3 && words.some((w) => w.length <= 2)) return true;
  const own = new Set([...labelWords.map((w) => w.toLowerCase()), ...credentialWords]);
  // a credential's own name in any language the names are kept in (`sua-chave-aqui`: "your key here")
  return words.some(
    (w) => own.has(w) || credentialNames.has(w) || [...own].some((o) => o.length >= 4 && w.includes(o)),
  );
}

/** Credentials' names of one word, in every language credentialNames.ts keeps them in. */
const credentialNames = new Set(allNames.filter((n) => !n.includes(' ')));

/**
 * A description of a value in place of one (`random_64_char_string`, `min-32-chars`): three or more lower-case
 * words joined by one separator, one of them a number of one to three digits (a length, a count).
 */
const describesItself = (v: string): boolean => {
  const parts = v.split(/[-_.]/);
  return (
    parts.length >= 3 &&
    /^[a-z0-9]{1,12}(?:([-_.])[a-z0-9]{1,12}(?:\1[a-z0-9]{1,12}){1,8})$/.test(v) &&
    parts.every((p) => /^[a-z]{2,12}$/.test(p) || /^\d{1,3}$/.test(p)) &&
    parts.filter((p) => /^\d/.test(p)).length === 1
  );
};

/**
 * A value that says nothing its label does not: a word of its own label, the user's name beside it or a
 * credential's word, then at most a sequence (`password123`, `admin / admin123`, `secret1`): an example or a
 * seeded default in docs and tests. What it adds is detect-secrets' sequential string; a chosen part
 * (`admin2024x`, `password!Kq7`) makes it a password.
 */
export function ownWordAndSequence(v: string, labelWords: readonly string[]): boolean {
  const s = v.toLowerCase();
  return [...labelWords.map((w) => w.toLowerCase()), ...credentialWords].some((w) => {
    if (w.length < 4 || !s.startsWith(w)) return false;
    const rest = /^[-_.]?(\d{0,10})$/.exec(s.slice(w.length))?.[1];
    return rest !== undefined && '01234567890123456789'.includes(rest);
  });
}

/** The characters people write for a letter when a site asks for a digit or a symbol (`P@ssw0rd`). */
const lookalikes: Record<string, string> = { a: 'a@4', e: 'e3', i: 'i1!', l: 'l1', o: 'o0', s: 's$5', t: 't7' };
const spelledAnyway = (w: string) => [...w].map((c) => `[${lookalikes[c] ?? c}]`).join('');
const credentialSpellings = () =>
  new RegExp(
    `^(\\p{L}{0,3})(?:${credentialWords
      .filter((w) => w.length >= 4)
      .map(spelledAnyway)
      .join('|')})([-_.]?\\d{0,10})([!?.#*]{0,2})$`,
    'iu',
  );
let spellings: RegExp | undefined;

/**
 * A value that is a credential's own word however it is spelled, with a short word before it and at most a
 * sequence and a mark after it (`P@ssw0rd!`, `NewP@ssw0rd!`, `Secr3t1`): the first value any cracker's list
 * tries, written in docs and API examples to show where a password goes. A chosen part makes it a password.
 */
export function namesItself(v: string, labelWords: readonly string[] = []): boolean {
  spellings ??= credentialSpellings();
  const m = spellings.exec(v);
  if (m) return '01234567890123456789'.includes(m[2]!.replace(/^[-_.]/, ''));
  // words that describe themselves, with a sequence: every part a lower-case word or a counting number, one
  // of them the label's own word or a credential's (`sk-invalid-key-123`, `test_token_1`)
  const parts = v.split(/[-_.]/);
  const own = new Set([...labelWords.map((w) => w.toLowerCase()), ...credentialWords]);
  return (
    parts.length >= 2 &&
    parts.every((p) => /^[a-z]{1,12}$/.test(p) || (/^\d{1,10}$/.test(p) && '01234567890123456789'.includes(p))) &&
    parts.some((p) => own.has(p))
  );
}

/** The words a placeholder uses to name what goes in its place (English, as templates are written). */
const credentialWords = ['password', 'passwd', 'secret', 'token', 'key', 'apikey', 'credential', 'credentials'];

/**
 * Long enough and mixed enough to be a key: 20 characters or more that are not words only, or 12 or more
 * with a letter and a digit.
 */
export const tokenShaped = (v: string): boolean =>
  (v.length >= 20 && !wordsOnly(v)) || (v.length >= 12 && /\d/.test(v) && /\p{L}/u.test(v));

/** A passphrase: words only, at least 12 letters (diceware's three words), or capitals inside a word. */
export const passphrase = (v: string): boolean => wordsOnly(v) && (letters(v) >= 12 || /\p{Ll}\p{Lu}/u.test(v));

/** The names RFC 2606 and RFC 6761 reserve for documentation: a host or an address under them is an example. */
const reservedForExamples = /(?:^|[@.])example\.(?:com|org|net)$|\.(?:example|test|invalid)$/i;
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A JWT written to show the format (jwt.io's `{"sub": "1234567890", …}`), read from its decoded claims: a claim
 * is a counting sequence, masked, a slot in angle brackets or an address reserved for examples, and none is
 * drawn at random (an id, a UUID). A token whose payload is no JSON object is left to be redacted.
 */
export function sampleJwt(token: string): boolean {
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
  } catch {
    return false;
  }
  if (!claims || typeof claims !== 'object' || Array.isArray(claims)) return false;
  const values = Object.values(claims).filter((v): v is string => typeof v === 'string');
  if (values.some((v) => uuid.test(v) || (v.length >= 12 && characterClasses(v) >= 3 && relativeEntropy(v) >= 0.8)))
    return false;
  return values.some((v) => isMasked(v) || /^<[^<>]{1,80}>$/.test(v) || reservedForExamples.test(v));
}
