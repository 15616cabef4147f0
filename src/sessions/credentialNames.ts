/** The names of credentials: the words a label, a variable or a flag uses for a password, a key or a pair. */

/** The name of a password, in the languages memory is written in: one concept, a closed vocabulary. */
// prettier-ignore
export const passwordNames = [
  'password', 'passwd', 'passphrase', 'passcode', 'pwd', 'pass', 'psw', 'passwort', 'kennwort', 'mot de passe',
  'contraseña', 'contrasena', 'contrasenya', 'senha', 'wachtwoord', 'lösenord', 'passord', 'adgangskode', 'hasło',
  'heslo', 'jelszó', 'parola', 'şifre', 'sifre', 'salasana', 'lozinka', 'geslo', 'parool', 'slaptažodis', 'κωδικός',
  'пароль', 'гасло', '密码', '密碼', '口令', 'パスワード', '비밀번호', '암호', 'mật khẩu', 'kata sandi', 'รหัสผ่าน', 'סיסמה',
  'كلمة المرور', 'كلمة السر', 'رمز عبور', 'पासवर्ड',
];
/** The name of a key, token or secret. */
// prettier-ignore
export const keyNames = [
  'secret', 'token', 'key', 'apikey', 'geheimnis', 'schlüssel', 'secreto', 'segredo', 'chave', 'clave', 'chiave',
  'clé', 'anahtar', 'klucz', 'kulcs', 'nyckel', 'nøgle', 'sleutel', 'секрет', 'токен', 'ключ', '密钥', '秘钥', '密鑰',
  '金鑰', '令牌', 'トークン', 'シークレット', 'キー', '토큰', '시크릿', '키',
];
/** Names whose value is a user and a password: `Credentials: admin / …`, `login: alice:…`. */
export const pairNames = ['credentials', 'credential', 'creds', 'login'];
/** Words before `key` that make it a credential whatever its value looks like. */
export const qualifiers = new Set([
  'api',
  'secret',
  'access',
  'private',
  'auth',
  'client',
  'session',
  'signing',
  'master',
]);

export const unspacedScript =
  /^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Thai}]/u;
export const allNames = [...passwordNames, ...keyNames, ...pairNames].sort((a, b) => b.length - a.length);
export const alternation = (names: string[]) => names.map((n) => n.replace(/ /g, '[ _-]')).join('|');
/** A credential's name as a word (`Password`, `SESSION_KEY`'s `KEY`, `数据库密码`'s `密码`), or inside camelCase. */
export const nameAt = new RegExp(
  `(?<![\\p{L}\\p{N}])(?:${alternation(allNames.filter((n) => !unspacedScript.test(n)))})(?![\\p{L}\\p{N}])|${alternation(allNames.filter((n) => unspacedScript.test(n)))}`,
  'giu',
);
export const camelNameAt = /(?<=[\p{Ll}\p{N}])(?:Password|Passwd|Pwd|Pass|Secret|Token|Key|Credentials)(?![\p{Ll}])/gu;

export type Family = 'password' | 'key' | 'pair';

const families = new Map<string, Family>([
  ...keyNames.map((n) => [n, 'key'] as const),
  ...passwordNames.map((n) => [n, 'password'] as const),
  ...pairNames.map((n) => [n, 'pair'] as const),
]);

export function familyOf(name: string): Family {
  return families.get(name.toLowerCase().replace(/[_-]/g, ' ')) ?? 'key';
}

const asciiNames = allNames.filter((n) => /^[a-z]+$/.test(n));
const asciiSet = new Set(asciiNames);

/**
 * Does an identifier (a variable's or a flag's name) name a credential? Its last word is one in any spelling
 * (`DB_PASSWORD`, `apiToken`, `--db-pass`), or it ends in one of four letters or more run together
 * (`--requirepass`, `APITOKEN`). An identifier's id (`KEY_ID`) or a path (`SSH_KEY_PATH`) names none.
 */
export function credentialName(identifier: string): boolean {
  const words = identifier
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  const last = words[words.length - 1] ?? '';
  return asciiSet.has(last) || asciiNames.some((n) => n.length >= 4 && last.endsWith(n));
}
