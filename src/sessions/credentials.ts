/**
 * Credentials by structure, in every syntax: a value assigned to or labelled with a credential's name (env
 * and `export`, YAML, JSON, TOML, INI, code, SQL `PASSWORD '…'`, connection strings, command-line flags,
 * markdown labels however decorated, table columns), and a high-entropy token near a credential word: the
 * generic rule of gitleaks (`generic-api-key`: a keyword, then a value of Shannon entropy ≥ 3.5) and of
 * detect-secrets (its keyword detector and high-entropy strings). The scan starts at each occurrence of a
 * credential's name and looks a bounded distance around it: linear in the text.
 */
import { characterClasses, isPlaceholder, isReference, shannonEntropy } from './entropy.js';
import { camelNameAt, familyOf, nameAt, qualifiers } from './credentialNames.js';
import { passwordAfterName, shapedSpans, shapePatterns } from './credentialShapes.js';
import { commandPatterns, commandSpans } from './credentialCommands.js';
import { cellName, tableSpans } from './credentialTables.js';
import { queryPatterns, querySpans } from './credentialQueries.js';
import { looseValue, pairSecret, secretValue, valueAt, type Candidate, type Label } from './credentialValues.js';

export type { Candidate } from './credentialValues.js';

/**
 * What follows a credential's name ending at `end`: decorations, one parenthetical (`Mapbox token (prod,
 * `MAPBOX_TOKEN`)`), then a separator (`=`, `:`, `：`, `:=`, `=>`) or, for SQL and flags, a space and the
 * value. Returns where the value starts, or -1 when the name is not a label (`password encoding: …`).
 */
function separatorAfter(text: string, end: number, flag: boolean): { from: number; decorated: boolean } | undefined {
  let i = end;
  const skip = () => {
    const at = i;
    while (i < text.length && i - at < 8 && '*_`"\'” \t'.includes(text[i]!)) i++;
  };
  skip();
  let decorated = i > end && /[*_`]/.test(text.slice(end, i));
  if (text[i] === '(' || text[i] === '（') {
    const close = text.indexOf(text[i] === '(' ? ')' : '）', i);
    if (close === -1 || close - i > 80 || text.slice(i, close).includes('\n')) return undefined;
    i = close + 1;
    decorated = true;
    skip();
  }
  if ((text[i] === '=' || text[i] === ':' || text[i] === '：') && !text.startsWith('//', i + 1)) {
    i++;
    while ((text[i] === '=' || text[i] === '>') && i - end < 24) i++;
    return { from: i, decorated };
  }
  // `PASSWORD 'x'` (SQL: quoted), `--token x` (a flag): no separator, the value right after a space
  if (/^[ \t]$/.test(text[end] ?? '') && (flag || /^[ \t]{1,4}['"`]/.test(text.slice(end, end + 5))))
    return { from: end, decorated: false };
  return undefined;
}

/** The credential named at [start, end) of `text`, and its value's span, if it holds a secret. */
function labelled(text: string, start: number, end: number): Candidate | 'unlabelled' | undefined {
  const name = text.slice(start, end);
  const prev = text[start - 1] ?? '';
  if (
    name.length <= 4 &&
    /^(?:pass|psw|pwd)$/i.test(name) &&
    prev !== '_' &&
    prev !== '-' &&
    prev !== '/' && // a Windows flag (`/pass:…`) is a name, not prose
    !/^[:=：]/.test(text.slice(end, end + 1)) && // `pass: 4480…`: a label, its separator right after it
    name !== name.toUpperCase()
  )
    return undefined; // `pass` alone is a word of prose; in a name (`DB_PASS`) it is a password
  const word = wordBefore(text, start);
  // not the last word of its name (`key_path`, `private_key_id`): only a compound credential name keeps its
  // value in reach, and then only a random-looking one (detect-secrets' keyword detector takes such suffixes)
  if (/[\p{L}\p{N}_]/u.test(text[end] ?? '')) {
    if (!qualifiers.has(word.toLowerCase())) return undefined;
    const near = nearKeyword(text, identifierEnd(text, end), 20);
    // an id's name over capitals and digits (`aws_access_key_id = AKIA…`): a key's public id as providers write it
    const publicId =
      near && namesAnId(text.slice(end, end + 4)) && /^[A-Z0-9]+$/.test(text.slice(near.start, near.end));
    return publicId ? undefined : near;
  }
  // an identifier's name (`Key ID`, `key id`): the value names the key, as detect-secrets' id filter reads it
  if (namesAnId(text.slice(end, end + 4))) return undefined;
  // a command-line flag: dashes right before the name (`--password`, `--db-pass`), not a list marker (`- Password`)
  const flag =
    word.includes('-') && /(?:^|\s)--?[\p{L}\p{N}_-]{0,30}$/u.test(text.slice(Math.max(0, start - 34), start));
  // a variable's default where it is expanded (`${DB_PASS:-password}`): the default is the value, if any is
  if (expanded(text, start) && /^:?[-=?+]/.test(text.slice(end, end + 2))) return expansionDefault(text, end);
  const sep =
    separatorAfter(text, end, flag) ?? (familyOf(name) === 'password' ? looseSeparator(text, end) : undefined);
  // a variable's name being expanded (`"${PWD}:/app"`, `$DB_PASSWORD`) is read there, not assigned: no label
  if (!sep && expanded(text, start)) return undefined;
  if (!sep) return passwordAfterName(text, name, end) ?? 'unlabelled';
  let v = valueAt(text, sep.from);
  // a YAML tag says how to read the value after it (`password: !secret db_password`, `!!str …`): that is the value
  if (v && !v.quoted && /^!{1,2}[A-Za-z][\w.-]{0,40}$/.test(v.text) && /^[ \t]{1,3}\S/.test(text.slice(v.end)))
    v = valueAt(text, v.end);
  // a type annotation (`password: String? = null`, `token: string = "…"`): the value is what follows its `=`
  const typed = v && !v.quoted ? /^[ \t]{0,3}=(?![=>])/.exec(text.slice(v.end, v.end + 8)) : null;
  if (v && typed) v = valueAt(text, v.end + typed[0].length);
  if (!v || v.start - end > 40 || (flag && v.text.startsWith('-'))) return undefined;
  // `pass` is a verb too (`All code must pass: \`pnpm build --strict\``): a password it labels is one token
  if (/^pass$/i.test(name) && /\s/.test(v.text)) return undefined;
  // an elided value (`sk-proj-...`, `ghp_…`) or a bare prefix (`sk-proj-`) shows what goes there, not a secret
  if (/^(?:\.{2,}|…)/.test(text.slice(v.end)) || /[-_]$/.test(v.text)) return undefined;
  const family = familyOf(name);
  if (family === 'pair') {
    const pair = pairSecret(text, v);
    if (pair) return pair;
  }
  const qualifier = word.replace(/^-{1,2}/, '').toLowerCase();
  const identifier = /[\p{L}\p{N}_.$-]/u.test(prev) || /^[A-Z0-9_]{3,}$/.test(name);
  const env = prev === '_' && /^[A-Z]+$/.test(name) && /^[A-Z0-9_]{1,60}$/.test(word);
  const label: Label = {
    family,
    strong: family !== 'key' || env || !/^key$/i.test(name) || qualifiers.has(qualifier),
    assignment: !sep.decorated && (identifier || flag || text[sep.from - 1] === '='),
    qualified: env || qualifiers.has(qualifier) || /^[A-Z0-9_]{3,}$/.test(word),
    compound: /\p{L}/u.test(word),
    field:
      /"[\w.-]{0,60}$/.test(text.slice(Math.max(0, start - 61), start)) &&
      /^"[ \t]{0,3}:/.test(text.slice(end, end + 5)),
    words: [name.toLowerCase(), qualifier],
  };
  if ('loose' in sep ? !looseValue(v.text, label) && !secretValue(v, label) : !secretValue(v, label)) return undefined;
  return { start: v.start, end: v.end, kind: family === 'password' ? 'password' : 'labelled-key' };
}

/** The word right before `start` (`SESSION_` → `SESSION`, `api ` → `api`, `--db-` → `--db`), at most 30 characters. */
function wordBefore(text: string, start: number): string {
  let i = start;
  if (i > 0 && ' _.-'.includes(text[i - 1]!)) i--;
  let j = i;
  while (j > 0 && i - j < 30 && wordChar(text.charCodeAt(j - 1), text[j - 1]!)) j--;
  return text.slice(j, i);
}

/** A letter, a digit or `-`: ASCII by its code, the rest by Unicode class. */
const wordChar = (code: number, ch: string) =>
  (code >= 97 && code <= 122) ||
  (code >= 65 && code <= 90) ||
  (code >= 48 && code <= 57) ||
  code === 45 ||
  (code > 127 && /[\p{L}\p{N}]/u.test(ch));

/** `ID`, `Id`, `_id` or ` id` right after a credential's name: it names an identifier of the key, not the key. */
export const namesAnId = (after: string): boolean => /^(?:[ _-]?(?:id|ID)|Id)s?(?![\p{L}\p{N}])/u.test(after);

/** Is the identifier holding the name at `start` expanded as a variable (`$X`, `${X}`, `%X%`)? */
function expanded(text: string, start: number): boolean {
  let j = start;
  while (j > 0 && start - j < 60 && /[A-Za-z0-9_]/.test(text[j - 1]!)) j--;
  return text[j - 1] === '$' || text[j - 1] === '%' || (text[j - 1] === '{' && text[j - 2] === '$');
}

/** The default of `${NAME:-default}` (or `:=`, `-`, `=`): a secret when it has a password's or a key's mix. */
function expansionDefault(text: string, end: number): Candidate | undefined {
  const v = valueAt(text, end + (text[end] === ':' ? 2 : 1));
  if (!v || text[v.end] !== '}' || isReference(v.text) || isPlaceholder(v.text)) return undefined;
  return characterClasses(v.text) >= 3 && v.text.length >= 6
    ? { start: v.start, end: v.end, kind: 'password' }
    : undefined;
}

/** Where an identifier that goes on after a credential's name ends (`private_key|_id`). */
function identifierEnd(text: string, from: number): number {
  let i = from;
  while (i < text.length && i - from < 40 && /[\p{L}\p{N}_-]/u.test(text[i]!)) i++;
  return i;
}

/**
 * A password's name at the head of a longer label, as languages that name the head first write it
 * (`รหัสผ่าน admin หน้าเว็บ: …`, `סיסמה לאינטראנט: …`, `contraseña del panel: …`): up to four more words,
 * then a separator. Only a value shaped like a password passes (`loose`): three character classes.
 */
const looseLabel =
  /^[ \t]{1,3}(?:[^\s:=：.,;!?()*`]{1,24}[ \t]{1,3}){0,3}(?:[^\s:=：.,;!?()*`]{1,24}|\([^()\n]{1,40}\)|（[^（）\n]{1,40}）)[ \t]{0,3}[*_`]{0,3}[ \t]{0,3}[:=：]/u;
function looseSeparator(text: string, end: number): { from: number; decorated: boolean; loose: true } | undefined {
  const m = looseLabel.exec(text.slice(end, end + 120));
  return m && !text.startsWith('//', end + m[0].length)
    ? { from: end + m[0].length, decorated: true, loose: true }
    : undefined;
}

// not right after `$`, `{` or `%`: a run there is a variable's name and the path after it (`https://$STORE/admin/…`)
const tokenRun = /(?<![$%{A-Za-z0-9+/=_.:~@-])[A-Za-z0-9+/=_.:~-]{16,256}/g;

/**
 * gitleaks' generic rule, read for prose as well as code: a token of 16 characters or more within a short
 * reach after a credential's name ("the bot's token is 1234:AAH…"), with a letter and a digit and Shannon
 * entropy of at least 3.5 bits a character (gitleaks' threshold for `generic-api-key`).
 */
function nearKeyword(text: string, end: number, minLength = 16): Candidate | undefined {
  const window = text.slice(end, end + 296);
  // a keyword's reach ends with its clause (`login API answers 200; workflow \`4LlPb…\``: the id is the workflow's)
  const clause = /\n|[;；。]|\.[ \t]/.exec(window);
  const line = window.slice(0, clause ? clause.index : window.length);
  // a value after the next label is that label's (`Key ID: 7QK2 — Issuer: 69a6…`): the reach ends at it
  const labels = [...line.matchAll(/[:=：](?=[ \t])/g)].map((m) => m.index);
  const reach = Math.min(40, labels.length > 1 ? labels[1]! : 40);
  for (const m of line.matchAll(tokenRun)) {
    if (m.index > reach) break;
    const token = m[0].replace(/[.:]{1,4}$/, '');
    if (token.length >= minLength && genericSecret(token))
      return { start: end + m.index, end: end + m.index + token.length, kind: 'generic-secret' };
  }
  return undefined;
}

const genericSecret = (token: string) =>
  !/:\/\/|^[~./]|@/.test(token) &&
  // a setting (`LoginCookieValidity=3600`: the name is written, the value a number) or a file under folders
  !/^[A-Za-z_][\w.-]{0,60}=\d{0,12}$/.test(token) &&
  !/^[\w.-]{1,80}(?:\/[\w.-]{1,80}){1,16}\.[A-Za-z]{1,6}$/.test(token) &&
  !/^(?:[a-z0-9-]{1,63}\.){1,6}[a-z]{2,24}$/.test(token) && // a host's name (`avi1840.github.io`)
  // words and small numbers joined by separators: a slug, a model's or a file's name (`google-x/gemini-3-flash`)
  !token.split(/[-_/.:]/).every((w) => /^[a-z]{0,40}\d{0,4}$/.test(w)) && // numbered words too (`stage2_checks`)
  !/^[\w.-]{1,253}:\d{1,5}(?:\/|$)/.test(token) && // host:port/path
  !/^\d{1,4}(?:[-/.:]\d{1,4}){1,6}/.test(token) && // a date, a time, a version
  /\d/.test(token) &&
  /[A-Za-z]/.test(token) &&
  !isReference(token) &&
  !isPlaceholder(token) &&
  shannonEntropy(token) >= 3.5;

const identifiedBy = /\bidentified[ \t]{1,4}by[ \t]{1,4}(?=['"`])/gi;
/** `curl -u user:pass`, `--user user:pass`: the password after the user. */
const userFlag = /(?<![\w-])(?:-u|--user)(?:[ \t]{1,3}|=)['"]?[^\s:'"@/]{1,64}:([^\s'"@]{3,200})/g;
/** A URL's secret path: the random segment after `hook`, `webhook`, `token`, `key` or `secret` (`…/hook/8f3c…`). */
const secretPath =
  /\/(?:hooks?|webhooks?|tokens?|keys?|secrets?)\/(?:[\w-]{1,64}\/){0,3}([A-Za-z0-9_-]{16,128})(?=[/?#\s)\]"'`）]|$)/gi;

/**
 * A command's password flag beside its user flag (`mysql -u root -pS3cret`, `psexec -u admin -p S3cret`,
 * `sqlcmd -U sa -P "S3cret"`): the pair of a user and a password is the credential's structure, whatever the
 * tool. A number (`psql -U app -p 5432`: a port) or a reference is no password.
 */
const commandWithUser = /(?:^|\s)-[uU](?:[ \t]{1,3}|(?=[^\s-]))[^\s-]/;
/** `net use … /user:backup S3cret`: a Windows user flag, then the password as the next bare word. */
const windowsUser = /(?<![\w/])\/user:[^\s/]{1,64}[ \t]{1,3}(?=[^\s/*-])/gi;
const passwordFlag = /(?<=\s)-[pP](?:[ \t]{1,3}(?=['"]?[^\s'"-])|(?=[^\s]))/g;

function flagPasswords(text: string): Candidate[] {
  const out: Candidate[] = [];
  for (const m of text.matchAll(passwordFlag)) {
    const lineStart = text.lastIndexOf('\n', m.index) + 1;
    const lineEnd = (text.indexOf('\n', m.index) + 1 || text.length + 1) - 1;
    if (!commandWithUser.test(text.slice(lineStart, lineEnd))) continue;
    const v = valueAt(text, m.index + m[0].length);
    if (!v || /^\d+$/.test(v.text) || v.text.length < 6 || isReference(v.text) || isPlaceholder(v.text)) continue;
    if (!v.quoted && wordsOnlyValue(v.text)) continue;
    out.push({ start: v.start, end: v.end, kind: 'password' });
  }
  for (const m of text.matchAll(windowsUser)) {
    const v = valueAt(text, m.index + m[0].length);
    if (v && /\d/.test(v.text) && /\p{L}/u.test(v.text) && v.text.length >= 6 && !/[\\:]/.test(v.text))
      if (!isReference(v.text) && !isPlaceholder(v.text)) out.push({ start: v.start, end: v.end, kind: 'password' });
  }
  return out;
}
const wordsOnlyValue = (t: string) => /^[\p{L}]+$/u.test(t) && !/\p{Ll}\p{Lu}/u.test(t);

/** Every labelled credential and keyword-near token in `text`, as spans (overlaps are left to the caller). */
export function credentialSpans(text: string): Candidate[] {
  const out: Candidate[] = [...flagPasswords(text)];
  // SQL's `CREATE USER … IDENTIFIED BY '…'`
  for (const m of text.matchAll(userFlag)) {
    const v = m[1]!.replace(/[.,;)]{1,4}$/, '');
    if (!isReference(v) && !isPlaceholder(v))
      out.push({
        start: m.index + m[0].length - m[1]!.length,
        end: m.index + m[0].length - m[1]!.length + v.length,
        kind: 'password',
      });
  }
  for (const m of text.matchAll(secretPath)) {
    const v = m[1]!;
    if (/\d/.test(v) && /[A-Za-z]/.test(v) && shannonEntropy(v) >= 3 && !isPlaceholder(v))
      out.push({ start: m.index + m[0].length - v.length, end: m.index + m[0].length, kind: 'secret-url-path' });
  }
  for (const m of text.matchAll(identifiedBy)) {
    const v = valueAt(text, m.index + m[0].length);
    if (v?.quoted && !isReference(v.text) && !isPlaceholder(v.text))
      out.push({ start: v.start, end: v.end, kind: 'password' });
  }
  for (const re of [nameAt, camelNameAt])
    for (const m of text.matchAll(re)) {
      if (text.startsWith('[REDACTED:', m.index - 10) || text.startsWith('[REDACTED:', m.index - 11)) continue;
      // a name with a separator labels its value; one in prose may have a key within reach
      const found = labelled(text, m.index, m.index + m[0].length);
      const near = found === 'unlabelled' ? nearKeyword(text, m.index + m[0].length) : found;
      if (near) out.push(near);
    }
  return [...out, ...tableSpans(text), ...shapedSpans(text), ...commandSpans(text), ...querySpans(text)];
}

/** Every pattern here, for the test that checks each quantifier is bounded. */
export const credentialPatterns: RegExp[] = [
  looseLabel,
  commandWithUser,
  passwordFlag,
  windowsUser,
  nameAt,
  camelNameAt,
  tokenRun,
  identifiedBy,
  userFlag,
  secretPath,
  cellName,
  ...shapePatterns,
  ...commandPatterns,
  ...queryPatterns,
];
