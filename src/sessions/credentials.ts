/**
 * Credentials by structure, in every syntax: a value assigned to or labelled with a credential's name (env
 * and `export`, YAML, JSON, TOML, INI, code, SQL `PASSWORD '…'`, connection strings, command-line flags,
 * markdown labels however decorated, table columns), and a high-entropy token near a credential word: the
 * generic rule of gitleaks (`generic-api-key`: a keyword, then a value of Shannon entropy ≥ 3.5) and of
 * detect-secrets (its keyword detector and high-entropy strings). The scan starts at each occurrence of a
 * credential's name and looks a bounded distance around it: linear in the text.
 */
import {
  characterClasses,
  isPlaceholder,
  isReference,
  passphrase,
  shannonEntropy,
  tokenShaped,
  wordsOnly,
} from './entropy.js';

/** The name of a password, in the languages memory is written in: one concept, a closed vocabulary. */
// prettier-ignore
const passwordNames = [
  'password', 'passwd', 'passphrase', 'passcode', 'pwd', 'pass', 'psw', 'passwort', 'kennwort', 'mot de passe',
  'contraseña', 'contrasena', 'contrasenya', 'senha', 'wachtwoord', 'lösenord', 'passord', 'adgangskode', 'hasło',
  'heslo', 'jelszó', 'parola', 'şifre', 'sifre', 'salasana', 'lozinka', 'geslo', 'parool', 'slaptažodis', 'κωδικός',
  'пароль', 'гасло', '密码', '密碼', '口令', 'パスワード', '비밀번호', '암호', 'mật khẩu', 'kata sandi', 'รหัสผ่าน', 'סיסמה',
  'كلمة المرور', 'كلمة السر', 'رمز عبور', 'पासवर्ड',
];
/** The name of a key, token or secret. */
// prettier-ignore
const keyNames = [
  'secret', 'token', 'key', 'apikey', 'geheimnis', 'schlüssel', 'secreto', 'segredo', 'chave', 'clave', 'chiave',
  'clé', 'anahtar', 'klucz', 'kulcs', 'nyckel', 'nøgle', 'sleutel', 'секрет', 'токен', 'ключ', '密钥', '秘钥', '密鑰',
  '金鑰', '令牌', 'トークン', 'シークレット', 'キー', '토큰', '시크릿', '키',
];
/** Names whose value is a user and a password: `Credentials: admin / …`, `login: alice:…`. */
const pairNames = ['credentials', 'credential', 'creds', 'login'];
/** Words before `key` that make it a credential whatever its value looks like. */
const qualifiers = new Set(['api', 'secret', 'access', 'private', 'auth', 'client', 'session', 'signing', 'master']);

const unspacedScript = /^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Thai}]/u;
const allNames = [...passwordNames, ...keyNames, ...pairNames].sort((a, b) => b.length - a.length);
const alternation = (names: string[]) => names.map((n) => n.replace(/ /g, '[ _-]')).join('|');
/** A credential's name as a word (`Password`, `SESSION_KEY`'s `KEY`, `数据库密码`'s `密码`), or inside camelCase. */
const nameAt = new RegExp(
  `(?<![\\p{L}\\p{N}])(?:${alternation(allNames.filter((n) => !unspacedScript.test(n)))})(?![\\p{L}\\p{N}])|${alternation(allNames.filter((n) => unspacedScript.test(n)))}`,
  'giu',
);
const camelNameAt = /(?<=[\p{Ll}\p{N}])(?:Password|Passwd|Pwd|Pass|Secret|Token|Key|Credentials)(?![\p{Ll}])/gu;

export type Family = 'password' | 'key' | 'pair';

function familyOf(name: string): Family {
  const n = name.toLowerCase().replace(/[_-]/g, ' ');
  if (passwordNames.includes(n)) return 'password';
  return pairNames.includes(n) ? 'pair' : 'key';
}

export interface Candidate {
  /** Where the secret starts and ends in the text. */
  start: number;
  end: number;
  kind: string;
}

const openers: Record<string, string> = { '"': '"', "'": "'", '`': '`', '“': '”', '‘': '’', '«': '»', '「': '」' };

interface Value {
  start: number;
  end: number;
  text: string;
  quoted: boolean;
  /** The text after the value: a bare value followed by more words is prose. */
  after: string;
}

/** The value at `from`: decorations and an opening quote skipped; a quoted value is taken whole. */
function valueAt(text: string, from: number): Value | undefined {
  const i = from + (/^[ \t*_]{0,8}/.exec(text.slice(from, from + 8))?.[0].length ?? 0);
  const close = openers[text[i] ?? ''];
  if (close) {
    const end = text.indexOf(close, i + 1);
    if (end === -1 || end - i > 201 || end === i + 1 || text.slice(i + 1, end).includes('\n')) return undefined;
    return { start: i + 1, end, text: text.slice(i + 1, end), quoted: true, after: text.slice(end + 1, end + 41) };
  }
  const end = i + (/^[^\s"'`,;<>|&（）]{0,200}/.exec(text.slice(i, i + 200))?.[0].length ?? 0);
  // a bare value ends before a sentence's full stop or colon and an unopened bracket; a trailing ! or ? is
  // more often the password's own (`Butch2026!`): redacting one more character of prose costs nothing
  const bare = text
    .slice(i, end)
    .replace(/[.:*_]{1,8}$/, '')
    .replace(/(?<=^[^([{]{0,200})[)\]}]{1,8}$/, '');
  if (bare.length === 0) return undefined;
  const stop = i + bare.length;
  return { start: i, end: stop, text: bare, quoted: false, after: text.slice(stop, stop + 40) };
}

interface Label {
  family: Family;
  /** A credential whatever its value's shape: a password, an UPPER_SNAKE variable, an API key. */
  strong: boolean;
  /** An assignment (`SESSION_KEY=…`, `"password": …`, `--token …`) rather than a label in prose. */
  assignment: boolean;
  words: string[];
}

/** Is a labelled value a secret? The label's family and strength and the value's structure decide. */
function secretValue(v: Value, label: Label): boolean {
  const t = v.text;
  if (isReference(t) || isPlaceholder(t, label.words)) return false;
  if (label.family === 'password') {
    if (v.quoted) return t.length >= 3;
    if (!wordsOnly(t)) return t.length >= 4;
    if (!label.assignment && /^[ \t]{1,3}\p{L}/u.test(v.after)) return false; // more words follow: a sentence
    if (!/^\p{Script=Latin}+$/u.test(t.replace(/[-_. ]/g, ''))) return false; // rarely a word of another script
    return passphrase(t);
  }
  if (tokenShaped(t)) return true;
  if (!label.strong) return false;
  if (wordsOnly(t)) return label.assignment && passphrase(t);
  return t.length >= 8 && /[\d\W_]/u.test(t);
}

/**
 * What follows a credential's name ending at `end`: decorations, one parenthetical (`Mapbox token (prod,
 * `MAPBOX_TOKEN`)`), then a separator (`=`, `:`, `：`, `:=`, `=>`) or, for SQL and flags, a space and the
 * value. Returns where the value starts, or -1 when the name is not a label (`password encoding: …`).
 */
function separatorAfter(text: string, end: number, flag: boolean): { from: number; decorated: boolean } | undefined {
  let i = end;
  const skip = () => {
    const at = i;
    while (i < text.length && i - at < 8 && /[*_`"'” \t]/.test(text[i]!)) i++;
  };
  skip();
  let decorated = i > end && /[*_`]/.test(text.slice(end, i));
  if (text[i] === '(') {
    const close = text.indexOf(')', i);
    if (close === -1 || close - i > 80 || text.slice(i, close).includes('\n')) return undefined;
    i = close + 1;
    decorated = true;
    skip();
  }
  if (/[=:：]/.test(text[i] ?? '') && !text.startsWith('//', i + 1)) {
    i++;
    while (/[=>]/.test(text[i] ?? '') && i - end < 24) i++;
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
    name !== name.toUpperCase()
  )
    return undefined; // `pass` alone is a word of prose; in a name (`DB_PASS`) it is a password
  const word = wordBefore(text, start);
  // not the last word of its name (`key_path`, `private_key_id`): only a compound credential name keeps its
  // value in reach, and then only a random-looking one (detect-secrets' keyword detector takes such suffixes)
  if (/[\p{L}\p{N}_]/u.test(text[end] ?? ''))
    return qualifiers.has(word.toLowerCase()) ? nearKeyword(text, identifierEnd(text, end), 20) : undefined;
  // a command-line flag: dashes right before the name (`--password`, `--db-pass`), not a list marker (`- Password`)
  const flag = /(?:^|\s)--?[\p{L}\p{N}_-]{0,30}$/u.test(text.slice(Math.max(0, start - 34), start));
  const sep = separatorAfter(text, end, flag) ?? (familyOf(name) === 'password' ? looseSeparator(text, end) : undefined);
  if (!sep) return 'unlabelled';
  const v = valueAt(text, sep.from);
  if (!v || v.start - end > 40 || (flag && v.text.startsWith('-'))) return undefined;
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
    words: [name.toLowerCase(), qualifier],
  };
  if ('loose' in sep ? !looseValue(v.text, label) : !secretValue(v, label)) return undefined;
  return { start: v.start, end: v.end, kind: family === 'password' ? 'password' : 'labelled-key' };
}

/** The word right before `start` (`SESSION_` → `SESSION`, `api ` → `api`, `--db-` → `--db`), at most 30 characters. */
function wordBefore(text: string, start: number): string {
  let i = start;
  if (i > 0 && /[ _.-]/.test(text[i - 1]!)) i--;
  let j = i;
  while (j > 0 && i - j < 30 && /[\p{L}\p{N}-]/u.test(text[j - 1]!)) j--;
  return text.slice(j, i);
}

/** A value after a loose label: a password's shape (three character classes) or a key's. */
const looseValue = (t: string, label: Label) =>
  !isReference(t) && !isPlaceholder(t, label.words) && ((t.length >= 6 && characterClasses(t) >= 3) || tokenShaped(t));

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
function looseSeparator(text: string, end: number): { from: number; decorated: boolean; loose: true } | undefined {
  const m = /^[ \t]{1,3}(?:[^\s:=：.,;!?()]{1,24}[ \t]{1,3}){0,3}[^\s:=：.,;!?()]{1,24}[ \t]{0,3}[:=：]/u.exec(text.slice(end, end + 120));
  return m && !text.startsWith('//', end + m[0].length) ? { from: end + m[0].length, decorated: true, loose: true } : undefined;
}

/** `admin / s3cret`, `admin:s3cret`: the part after the user. */
function pairSecret(text: string, v: Value): Candidate | undefined {
  const inToken = v.text.indexOf(':');
  if (inToken > 0 && inToken < v.text.length - 3 && !v.text.includes('//'))
    return { start: v.start + inToken + 1, end: v.end, kind: 'password' };
  const m = /^[ \t]{0,2}[/|][ \t]{0,2}(?:`|\*\*)?([^\s`*]{3,200})/.exec(text.slice(v.end, v.end + 220));
  if (!m || isReference(m[1]!) || isPlaceholder(m[1]!)) return undefined;
  const secret = m[1]!.replace(/[.,;]$/, '');
  const start = v.end + m[0].length - m[1]!.length;
  return { start, end: start + secret.length, kind: 'password' };
}

const tokenRun = /(?<![A-Za-z0-9+/=_.:~@-])[A-Za-z0-9+/=_.:~-]{16,256}/g;

/**
 * gitleaks' generic rule, read for prose as well as code: a token of 16 characters or more within a short
 * reach after a credential's name ("the bot's token is 1234:AAH…"), with a letter and a digit and Shannon
 * entropy of at least 3.5 bits a character (gitleaks' threshold for `generic-api-key`).
 */
function nearKeyword(text: string, end: number, minLength = 16): Candidate | undefined {
  const window = text.slice(end, end + 296);
  const line = window.slice(0, (window.indexOf('\n') + 1 || window.length + 1) - 1);
  for (const m of line.matchAll(tokenRun)) {
    if (m.index > 40) break;
    const token = m[0].replace(/[.:]{1,4}$/, '');
    if (token.length >= minLength && genericSecret(token))
      return { start: end + m.index, end: end + m.index + token.length, kind: 'generic-secret' };
  }
  return undefined;
}

const genericSecret = (token: string) =>
  !/:\/\/|^[~./]|@/.test(token) &&
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
const secretPath = /\/(?:hooks?|webhooks?|tokens?|keys?|secrets?)\/(?:[\w-]{1,64}\/){0,3}([A-Za-z0-9_-]{16,128})(?=[/?#\s)\]"'`）]|$)/gi;

/** Every labelled credential and keyword-near token in `text`, as spans (overlaps are left to the caller). */
export function credentialSpans(text: string): Candidate[] {
  const out: Candidate[] = [];
  // SQL's `CREATE USER … IDENTIFIED BY '…'`
  for (const m of text.matchAll(userFlag)) {
    const v = m[1]!.replace(/[.,;)]{1,4}$/, '');
    if (!isReference(v) && !isPlaceholder(v)) out.push({ start: m.index + m[0].length - m[1]!.length, end: m.index + m[0].length - m[1]!.length + v.length, kind: 'password' });
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
  return [...out, ...tableSpans(text)];
}

/** Table rows: a row `| Password | value |`, or a column whose header names a credential. */
function tableSpans(text: string): Candidate[] {
  if (!text.includes('|')) return [];
  const out: Candidate[] = [];
  let header: string[] | undefined;
  let offset = 0;
  for (const line of text.split('\n')) {
    const row = /^\s{0,3}\|/.test(line);
    if (!row) header = undefined;
    else if (/^\s{0,3}\|[\s:|-]{1,400}$/.test(line))
      void 0; // the delimiter row
    else {
      const cells = cellsOf(line);
      cells.forEach((cell, i) => {
        const label = labelOfCell(cells[i - 1]?.text) ?? (header ? labelOfCell(header[i]) : undefined);
        if (!label) return;
        const v = valueAt(line, cell.start);
        if (v && v.end <= cell.end && secretValue(v, label))
          out.push({
            start: offset + v.start,
            end: offset + v.end,
            kind: label.family === 'password' ? 'password' : 'labelled-key',
          });
      });
      header ??= cells.map((c) => c.text);
    }
    offset += line.length + 1;
  }
  return out;
}

function cellsOf(line: string): { start: number; end: number; text: string }[] {
  const cells: { start: number; end: number; text: string }[] = [];
  let start = line.indexOf('|') + 1;
  for (let i = start; i < line.length; i++)
    if (line[i] === '|' && line[i - 1] !== '\\') {
      cells.push({ start, end: i, text: line.slice(start, i).trim() });
      start = i + 1;
    }
  return cells;
}

const cellName = new RegExp(`(?:${alternation(allNames)})$`, 'iu');

function labelOfCell(cell: string | undefined): Label | undefined {
  const name = cell?.replace(/[*_`]/g, '').trim() ?? '';
  if (name.length === 0 || name.length > 40) return undefined;
  const m = cellName.exec(name);
  if (!m || (m.index > 0 && /[\p{L}\p{N}]/u.test(name[m.index - 1]!) && !unspacedScript.test(m[0]))) return undefined;
  const family = familyOf(m[0]);
  return { family, strong: family !== 'key' || !/^key$/i.test(m[0]), assignment: false, words: [m[0].toLowerCase()] };
}

/** Every pattern here, for the test that checks each quantifier is bounded. */
export const credentialPatterns: RegExp[] = [nameAt, camelNameAt, tokenRun, identifiedBy, userFlag, secretPath, cellName];
