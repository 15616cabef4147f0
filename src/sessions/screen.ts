/**
 * Screening at the session boundary: text that tries to instruct the agent, and secrets. Runs before any
 * dreamer sees a session, and again on a change set before it may be promoted.
 *
 * Every detector runs in time linear in its input: each pattern's quantifiers are bounded (a test checks
 * that none is unbounded), so a 1 MB run of spaces or a near-match repeated 100,000 times costs a bounded
 * amount per character, never a quadratic backtrack.
 */
import { lintSource } from '@secretlint/core';
import { creator as secretlintRecommended } from '@secretlint/secretlint-rule-preset-recommend';
import { secretLintProfiler } from '@secretlint/profiler';

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

/** Invisible or control characters: never legitimate in a memory line. */
export function hasHiddenCharacters(text: string): boolean {
  return new RegExp(hiddenChars.source).test(text) || controlChars.test(text);
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

// Words of the rules, in the languages memory is written in: when an order recurs, what it does with data, to
// whom, and text that addresses an AI agent or asks it to write to its memory.
const when = [
  'always',
  'from now on',
  'going forward',
  'in (?:all|every) future',
  'every time',
  'whenever you',
  'whenever',
  'any ?time',
  '(?:before|after|when) (?:\\w{1,20} ){0,2}(?:any|each|every)',
  'every (?:day|week|month|morning|evening|night|hour|monday|tuesday|wednesday|thursday|friday|saturday|sunday)',
  'each (?:day|week|month|time)',
  '每次',
  '每天',
  '每日',
  '每週',
  '每周',
  '總是',
  '总是',
  '以後',
  '以后',
  '今後',
  '从现在起',
  '從現在起',
  '毎回',
  '毎日',
  '常に',
  '매번',
  '매일',
  '항상',
  'jeden tag',
  'jede woche',
  'jedes mal',
  'immer',
  'ab sofort',
  'künftig',
  'toujours',
  'chaque (?:jour|fois|semaine)',
  'désormais',
  'siempre',
  'cada (?:día|dia|vez|semana)',
  'sempre',
  'всегда',
  'каждый',
  'каждую',
  'каждое',
  'впредь',
  'luôn',
  'mỗi (?:ngày|lần|tuần)',
].join('|');
const transfer = [
  'send',
  'forward',
  'post',
  'upload',
  'e-?mail',
  'cc',
  'bcc',
  'copy',
  'transmit',
  'exfiltrate',
  'share',
  'leak',
  'zip',
  'dm',
  'message',
  '上傳',
  '上传',
  '發送',
  '发送',
  '傳送',
  '传送',
  '寄',
  '轉發',
  '转发',
  '提交',
  '送信',
  'アップロード',
  '転送',
  '전송',
  '업로드',
  '보내',
  'sende',
  'senden',
  'schick',
  'übermittel',
  'hochlad',
  'weiterleit',
  'envoie',
  'envoyer',
  'transmet',
  'envía',
  'envia',
  'enviar',
  'envie',
  'sube',
  'reenvía',
  'отправ',
  'перешл',
  'пересыл',
  'загруз',
  'gửi',
  'tải lên',
].join('|');
// a recipient: "to <address>", "an <address>", "至 <address>", or an address right after a verb that sends (cc, e-mail)
const recipient = `(?:\\b(?:to|into|at|an|à|vers|a|para|на)\\s{1,3}|[至到給给へ]\\s{0,2}|\\b(?:cc|bcc|e-?mail|dm)\\s{1,3})`;
const address = '(?:https?:\\/\\/|[\\w.+-]{1,64}@[\\w-]{1,63}\\.[\\w.]{1,63}|@[\\w-]{2,40}\\.[\\w.-]{2,60})';
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
        '\\byou are now\\b|\\bnew (?:system )?instructions? {0,3}:|<\\/? {0,3}system {0,3}>|\\[ {0,3}system {0,3}\\]|\\bsystem prompt\\b|\\bdeveloper mode\\b|\\bjailbreak\\b|\\bact as (?:an? )?(?:admin|administrator|root)\\b|\\bassistant {0,3}: {0,3}(?:sure|ok)',
        // text that addresses the AI reading it
        '\\b(?:notice|message|note|instructions?) for (?:the )?(?:ai|llm) (?:agents?|assistants?|models?)',
        '(?:給|给|致)\\s{0,2}(?:ai|人工智慧|人工智能).{0,8}(?:助理|助手|代理|系統|系统)|系統指示|系统指示|系統提示|系统提示',
        '\\b(?:für|an) (?:ki|ai)-?(?:agenten|assistenten|systeme|modelle)',
        '\\b(?:aux|pour les) (?:agents|assistants) (?:ia|d.ia)\\b|\\b(?:para|a) (?:los )?(?:agentes|asistentes) de ia\\b',
        'ai(?:エージェント|アシスタント)(?:へ|に|の)',
        '(?:для|к) (?:ии|ai)[- ]?(?:агент|ассистент)',
      ].join('|'),
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

function decodeBase64Runs(text: string): string[] {
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
    const hidden = text.match(hiddenChars);
    if (hidden && hidden.length > 0) {
      const at = text.search(hiddenChars);
      return {
        detector: 'hidden-unicode',
        excerpt: `${hidden.length} invisible character(s)`,
        at,
        context: redactKnown(normalizeForScreening(text.slice(Math.max(0, at - 300), at + 300))).text,
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

// ---------------------------------------------------------------- secrets

interface SecretRule {
  kind: string;
  pattern: RegExp;
  /** The secret is this capture group (the rest of the match, e.g. a label, stays). */
  group?: number;
  /** A value this rule matches that is not a secret (a placeholder). */
  unless?: (value: string) => boolean;
}

/** Provider formats that secretlint's preset does not read as we need, and credentials in URLs. */
const providerRules: SecretRule[] = [
  {
    kind: 'private-key',
    pattern:
      /-----BEGIN (?:[A-Z]{1,20} ){0,3}PRIVATE KEY-----[\s\S]{0,16384}?(?:-----END (?:[A-Z]{1,20} ){0,3}PRIVATE KEY-----|$)/g,
  },
  { kind: 'anthropic-api-key', pattern: /\bsk-ant-(?:api|admin)\d{2}-[A-Za-z0-9_-]{20,300}/g },
  { kind: 'openai-api-key', pattern: /\bsk-(?:(?:proj|svcacct|admin)-[A-Za-z0-9_-]{32,300}|[A-Za-z0-9]{32,300})\b/g },
  { kind: 'api-key', pattern: /\bsk-[a-z]{2,12}-[A-Za-z0-9_-]{32,300}\b/g },
  { kind: 'aws-access-key-id', pattern: /\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[0-9A-Z]{16}\b/g },
  {
    kind: 'aws-secret-access-key',
    pattern: /(\baws[_-]?secret[_-]?(?:access[_-]?)?key["']?[ \t]{0,4}[:=][ \t]{0,4}["']?)([A-Za-z0-9/+]{40})\b/gi,
    group: 2,
  },
  { kind: 'github-token', pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{60,255})\b/g },
  { kind: 'slack-token', pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,250}\b/g },
  { kind: 'stripe-key', pattern: /\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{20,250}\b/g },
  { kind: 'google-api-key', pattern: /\bAIza[0-9A-Za-z_-]{35}\b/g },
  { kind: 'jwt', pattern: /\beyJ[A-Za-z0-9_-]{8,4096}\.eyJ[A-Za-z0-9_-]{8,4096}\.[A-Za-z0-9_-]{8,4096}\b/g },
  {
    kind: 'password-in-url',
    pattern: /(\b[a-z][a-z0-9+.-]{0,30}:\/\/[^\s:/@[\]]{1,256}:)(?!\[REDACTED)([^\s@/]{3,256})(?=@)/gi,
    group: 2,
    unless: (v) => isPlaceholder(v),
  },
  { kind: 'bearer-token', pattern: /(\bbearer[ \t]{1,4})(?!\[REDACTED)([A-Za-z0-9._~+/-]{20,4096}={0,2})/gi, group: 2 },
];

/**
 * Labels that say "what follows is a credential", in the languages memory is written in. A label followed
 * by a value is a labelled credential; names and references of secrets (an environment variable, a config
 * path, a file) are not secrets.
 */
const passwordLabels = [
  'password',
  'passwd',
  'passphrase',
  'passcode',
  'pwd',
  'passwort',
  'kennwort',
  'mot de passe',
  'contraseña',
  'contrasena',
  'senha',
  'wachtwoord',
  'lösenord',
  'passord',
  'adgangskode',
  'hasło',
  'heslo',
  'jelszó',
  'parola',
  'şifre',
  'sifre',
  'пароль',
  '密码',
  '密碼',
  'パスワード',
  '비밀번호',
  'mật khẩu',
  'kata sandi',
  'รหัสผ่าน',
  'סיסמה',
  'كلمة المرور',
  'पासवर्ड',
];
const keyLabels = [
  'secret',
  'client[ _-]?secret',
  'api[ _-]?key',
  'apikey',
  'access[ _-]?key',
  'secret[ _-]?key',
  'access[ _-]?token',
  'auth[ _-]?token',
  'refresh[ _-]?token',
  'token',
  'private[ _-]?key',
];
const labelled = (labels: readonly string[]) =>
  new RegExp(
    // the label (bold, quoted or plain), a separator, then the value (bold, quoted or plain)
    `((?:^|[^\\p{L}\\p{N}])(?:${labels.join('|')})(?:[ \\t]{0,3}(?:\\*\\*|__|\\*|_|\`|"|'))?[ \\t]{0,3}(?:[:=：]|=>)[ \\t]{0,3}(?:\\*\\*|__|\\*|_)?[ \\t]{0,3}["'\`]?)([^\\s"'\`,;<>]{3,200})`,
    'giu',
  );
const passwordLabel = labelled(passwordLabels);
const keyLabel = labelled(keyLabels);

/** A value that names or points at a secret rather than being one. */
function isReference(v: string): boolean {
  return (
    /^\[REDACTED/.test(v) ||
    /^[A-Z][A-Z0-9_]{2,}$/.test(v) || // an environment variable's name
    /^(?:\$\{?|%|\{\{)/.test(v) || // $VAR, ${VAR}, %VAR%, {{var}}
    /^(?:process\.env|os\.environ|env)\b/.test(v) ||
    /^[A-Za-z_$][\w$]{0,60}(?:\.[A-Za-z_$][\w$]{0,60}){1,8}(?:\(\))?$/.test(v) || // config.database.password
    /[()[\]{}]/.test(v) || // code: a call, a type (Optional[str]), an object
    /^(?:~|\.{1,2})?\//.test(v) || // a file
    /^(?:\*{3,}|x{3,}|…|\.{3})$/i.test(v)
  );
}

const placeholderPrefix = '(?:your|my|example|sample|dummy|fake|placeholder)';
const secretWord = '(?:password|passwd|passphrase|pass|pwd|secret|token|key|api[-_ ]?key|credentials?)';
const placeholder = new RegExp(
  `^(?:${secretWord}|${placeholderPrefix}[-_ .]?(?:[a-z]{1,12}[-_ .]){0,3}${secretWord}(?:[-_ .]?here)?|change[-_]?me|change[-_]?it|replace[-_]?me)$`,
);

/**
 * A value written to be replaced, as in documentation and templates: a word that names a secret, or one
 * after "your"/"example" ("password", "your_password", "your-super-secret-key", "changeme"). A value with a
 * digit, a capital or a symbol is never one, so a real secret is not mistaken for a placeholder by its words.
 */
export function isPlaceholder(v: string): boolean {
  return v.length <= 60 && placeholder.test(v);
}

/**
 * Is a bare (unquoted) value a password, given what follows it on the line? A word of letters is prose or a
 * type name ("Same as Proton", "Required for login", "String", "见钥匙串") unless it is long or mixes case
 * inside; a value with digits or symbols is a password.
 */
function barePassword(v: string, after: string): boolean {
  if (!/^\p{L}+$/u.test(v)) return v.length >= 4;
  if (/^[ \t]{1,3}\p{L}/u.test(after)) return false; // more words follow: a sentence
  if (!/^\p{Script=Latin}+$/u.test(v)) return false; // a password is rarely a word of another script
  return v.length >= 12 || /\p{Ll}\p{Lu}/u.test(v);
}
const tokenShaped = (v: string) => v.length >= 20 || (v.length >= 12 && /\d/.test(v) && /\p{L}/u.test(v));

function redactLabelled(text: string, found: Record<string, number>): string {
  const replace =
    (pattern: RegExp, kind: string, accept: (v: string, quoted: boolean, after: string) => boolean) => (s: string) =>
      s.replace(pattern, (whole, label: string, value: string, offset: number, all: string) => {
        const quoted = /["'`]$/.test(label);
        // a quoted value is taken whole; a bare one ends before a sentence's full stop or colon and an unopened
        // bracket (a trailing ! or ? is more often the password's own: `Butch2026!`, and redacting one more
        // character of prose costs nothing, while leaving one of a password shows it)
        const v = quoted ? value : value.replace(/[.:]+$/, '').replace(/(?<=^[^([{]*)[)\]}]+$/, '');
        const after = all.slice(offset + whole.length - (value.length - v.length), offset + whole.length + 40);
        if (isReference(v) || isPlaceholder(v) || !accept(v, quoted, after)) return whole;
        found[kind] = (found[kind] ?? 0) + 1;
        return `${label}[REDACTED:${kind}]${value.slice(v.length)}`;
      });
  return replace(keyLabel, 'labelled-key', (v) => tokenShaped(v))(
    replace(passwordLabel, 'password', (v, quoted, after) => (quoted ? v.length >= 3 : barePassword(v, after)))(text),
  );
}

export interface Redaction {
  text: string;
  /** kind → count */
  found: Record<string, number>;
}

/** Synchronous redaction by dreamgate's own rules: provider formats, credentials in URLs, labelled credentials. */
export function redactKnown(text: string): Redaction {
  const found: Record<string, number> = {};
  let out = text;
  for (const { kind, pattern, group, unless } of providerRules) {
    out = out.replace(pattern, (...m: string[]) => {
      if (group && unless?.(m[group]!)) return m[0]!;
      found[kind] = (found[kind] ?? 0) + 1;
      return group ? `${m.slice(1, group).join('')}[REDACTED:${kind}]` : `[REDACTED:${kind}]`;
    });
  }
  return { text: redactLabelled(out, found), found };
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
  return password === undefined || !(isPlaceholder(password) || password.startsWith('[REDACTED'));
}

/**
 * Replaces each secret with `[REDACTED:<kind>]`: dreamgate's own rules, then secretlint's recommended
 * preset (a maintained rule set of provider formats) over what is left.
 */
export async function redactSecrets(text: string): Promise<Redaction> {
  const own = redactKnown(text);
  if (!mayHoldToken.test(own.text)) return own;
  const result = await lintSource({
    source: { filePath: 'memory.txt', content: own.text, contentType: 'text' },
    options: { config: secretlintConfig },
  });
  if (result.messages.length === 0) return own;
  const found = { ...own.found };
  let out = own.text;
  const spans = result.messages
    .filter((m) => stillSecret(own.text, m.range))
    .map((m) => ({ range: m.range, kind: m.ruleId.replace(/^@secretlint\/secretlint-rule-/, '') }))
    .sort((a, b) => b.range[0] - a.range[0]);
  let floor = Infinity;
  for (const { range, kind } of spans) {
    const [start, end] = range;
    if (end > floor) continue; // overlaps a span already replaced
    out = `${out.slice(0, start)}[REDACTED:${kind}]${out.slice(end)}`;
    found[kind] = (found[kind] ?? 0) + 1;
    floor = start;
  }
  return { text: out, found };
}

export async function hasSecret(text: string): Promise<boolean> {
  return Object.keys((await redactSecrets(text)).found).length > 0;
}

export function mergeCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, n] of Object.entries(from)) into[k] = (into[k] ?? 0) + n;
}

/** Every pattern this module matches with, for the test that checks each quantifier is bounded. */
export const screeningPatterns: RegExp[] = [
  ...injectionRules.map((r) => r.pattern),
  destination,
  base64Run,
  hexRun,
  tokenLike,
  ...providerRules.map((r) => r.pattern),
  passwordLabel,
  keyLabel,
];
