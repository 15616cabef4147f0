/** The value after a credential's name, and whether it is a secret: the label's family and strength, the value's structure. */
import type { Family } from './credentialNames.js';
import { characterClasses, isPlaceholder, isReference, passphrase, tokenShaped, wordsOnly } from './entropy.js';

export interface Candidate {
  /** Where the secret starts and ends in the text. */
  start: number;
  end: number;
  kind: string;
}

export const openers: Record<string, string> = {
  '"': '"',
  "'": "'",
  '`': '`',
  '“': '”',
  '‘': '’',
  '«': '»',
  '「': '」',
};

export interface Value {
  start: number;
  end: number;
  text: string;
  quoted: boolean;
  /** The text the value is in: what follows it tells a bare value in prose (more words follow). */
  source: string;
}

export function valueAt(text: string, from: number): Value | undefined {
  let i = from;
  while (i < text.length && i - from < 8 && (text[i] === ' ' || text[i] === '\t' || text[i] === '*' || text[i] === '_'))
    i++;
  const close = openers[text[i] ?? ''];
  if (close) {
    const end = text.indexOf(close, i + 1);
    if (end === -1 || end - i > 201 || end === i + 1) return undefined;
    const quoted = text.slice(i + 1, end);
    return quoted.includes('\n') ? undefined : { start: i + 1, end, text: quoted, quoted: true, source: text };
  }
  let end = i;
  const ascii = text.charCodeAt(i) < 0x80;
  while (end < text.length && end - i < 200 && !stops.has(text[end]!) && inCharset(text[end]!, ascii)) end++;
  // a bare value ends before a sentence's full stop or colon and an unopened bracket; a trailing ! or ? is
  // more often the password's own (`Butch2026!`): redacting one more character of prose costs nothing
  while (end > i && '.:*_'.includes(text[end - 1]!)) end--;
  const opened = /[([{]/.test(text.slice(i, end));
  while (end > i && !opened && ')]}'.includes(text[end - 1]!)) end--;
  return end === i ? undefined : { start: i, end, text: text.slice(i, end), quoted: false, source: text };
}

/** What ends a bare value: spacing, quotes, separators of lists and cells. */
const stops = new Set([...' \t\n\r\f\v\u00a0\u2028\u3000"\'`,;<>|&（）']);

/**
 * Whether `ch` can go on a bare value: a value ends where its own charset ends, not only at spacing. Full-width
 * forms and CJK punctuation (`…Nl；GitHub`), punctuation and symbols outside ASCII (closing quotes and
 * brackets: `”`, `」`, `»`) end any value; a value begun in ASCII (a key, a password) also ends at a letter
 * of another script (`…Nl中改用`). Latin letters with marks stay (`Köln2026!`).
 */
function inCharset(ch: string, ascii: boolean): boolean {
  const code = ch.charCodeAt(0);
  if (code < 0x80) return true;
  if ((code >= 0x3000 && code <= 0x303f) || (code >= 0xff00 && code <= 0xffef)) return false;
  if (/[\p{P}\p{S}]/u.test(ch)) return false;
  return !ascii || /[\p{Script=Latin}\p{M}]/u.test(ch);
}

/** The text right after a value. */
const after = (v: Value) => v.source.slice(v.end, v.end + 40);

export interface Label {
  family: Family;
  /** A credential whatever its value's shape: a password, an UPPER_SNAKE variable, an API key. */
  strong: boolean;
  /** An assignment (`SESSION_KEY=…`, `"password": …`, `--token …`) rather than a label in prose. */
  assignment: boolean;
  /** Named as an API's, a secret's or an environment's key (`api_key`, `client_secret`, `HEROKU_TOKEN`), not a field's plain name. */
  qualified?: boolean;
  /** A field of a JSON object (`"url_token": …`): named for the API that sends it, not by the person keeping it. */
  field?: boolean;
  /** A name of more than one word (`merchant key`, `merchant_key`): named for what it opens, not a map's bare `key`. */
  compound?: boolean;
  words: string[];
}

const uuidShape = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Is a labelled value a secret? The label's family and strength and the value's structure decide. */
export function secretValue(v: Value, label: Label): boolean {
  const t = v.text;
  // a bare word that is no passphrase is never a password: decided before the costlier tests
  if (!v.quoted && label.family === 'password' && wordsOnly(t) && !passphrase(t)) return false;
  if (isReference(t) || isPlaceholder(t, label.words)) return false;
  // a key is drawn at random: an identifier that carries the key's own name names it (`type Secret = V1Secret`)
  if (
    label.family !== 'password' &&
    /^[A-Za-z_][A-Za-z0-9_]{0,60}$/.test(t) &&
    label.words.some((w) => w.length >= 3 && t.toLowerCase().includes(w))
  )
    return false;
  // a type that does something with passwords: their name, then more words (`UserPasswordHasherInterface`)
  if (label.family === 'password' && typeAbout(t, label.words)) return false;
  // small numbers joined (`16/16`, `3.5`, `10:30`, `2025-10-01`): a count, a ratio, a time or a date
  if (/^\d{1,4}(?:[/.:,-]\d{1,4}){1,3}$/.test(t)) return false;
  // an identifier's format (a UUID) is a secret only with more evidence than its shape: an API's, a secret's or an
  // environment's name (`HEROKU_API_KEY`, `client_secret`), or a credential's name a person gave it in a label or
  // a config (`merchant_key: <uuid>`); a JSON payload's plain field (`"url_token": "<uuid>"`) or a bare `key` is an id
  if (uuidShape.test(t) && !label.qualified && (label.field || !(label.strong || label.compound))) return false;
  if (label.family === 'password') {
    // one of a list of words in code spans (`Hasło: \`NotBlank\`, \`Length(min=8)\``): constraints, not a password
    if (v.quoted && wordsOnly(t) && /^[ \t]{0,2}[,;、][ \t]{0,2}[`'"]/.test(after(v).slice(1))) return false;
    if (v.quoted) return t.length >= 3;
    if (!wordsOnly(t)) return t.length >= 4;
    if (!label.assignment && /^[ \t]{1,3}\p{L}/u.test(after(v))) return false; // more words follow: a sentence
    // a script written without spaces runs words together: a long run there is a sentence, not a passphrase
    if (/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}]/u.test(t)) return false;
    if (/^[ \t]{0,3}\S/u.test(after(v))) return false; // more follows on the line: not one value
    return passphrase(t);
  }
  // keys and tokens are written in ASCII: a value with letters of another script is prose about the key
  // (`JWT Secret: 環境変数で管理、…`: kept in an environment variable), not the key
  if (/(?!\p{Script=Latin})\p{L}/u.test(t)) return false;
  // nor has a key spaces between symbols (`조인키: \`date + symbol\``: an expression of what joins)
  if (/\s/.test(t) && !wordsOnly(t)) return false;
  if (tokenShaped(t)) return true;
  if (!label.strong) return false;
  if (wordsOnly(t)) return label.assignment && passphrase(t);
  return t.length >= 8 && /[\d\W_]/u.test(t);
}

/** A type's name in words (`PasswordEncoder`, `UserPasswordHasherInterface`) with the label's word before another. */
function typeAbout(t: string, words: readonly string[]): boolean {
  const humps = t.match(/\p{Lu}\p{Ll}+/gu);
  if (!humps || humps.join('') !== t) return false;
  const lower = humps.map((h) => h.toLowerCase());
  return lower.slice(0, -1).some((h) => words.some((w) => w.length >= 4 && h === w));
}

/** A value after a loose label: a password's shape (three character classes) or a key's. */
export const looseValue = (t: string, label: Label) =>
  !isReference(t) && !isPlaceholder(t, label.words) && ((t.length >= 6 && characterClasses(t) >= 3) || tokenShaped(t));

/** `admin / s3cret`, `admin:s3cret`: the part after the user. */
export function pairSecret(text: string, v: Value): Candidate | undefined {
  const inToken = v.text.indexOf(':');
  if (inToken > 0 && inToken < v.text.length - 3 && !v.text.includes('//'))
    return { start: v.start + inToken + 1, end: v.end, kind: 'password' };
  const m = /^[ \t]{0,2}[/|][ \t]{0,2}(?:`|\*\*)?([^\s`*]{3,200})/.exec(text.slice(v.end, v.end + 220));
  if (!m || isReference(m[1]!) || isPlaceholder(m[1]!, [v.text])) return undefined;
  const secret = m[1]!.replace(/[.,;]$/, '');
  const start = v.end + m[0].length - m[1]!.length;
  return { start, end: start + secret.length, kind: 'password' };
}
