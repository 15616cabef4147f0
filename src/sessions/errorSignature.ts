/**
 * One error line in a form that is the same for the same error wherever and whenever it happened, and a
 * comparison of two such forms by similarity: three sessions print the same error with another field, file,
 * id or test name in it, and it is still one error; another code or exception name is another error.
 */

/** An error's own name or code: `ValueError:`, `ENOENT`, `E403`, `SQLITE_CANTOPEN`, `TS2304`, `P1002`. */
export const errorName =
  /\b[A-Z]\w*(?:Error|Exception)\b|\bE(?!RRORS?\b)[A-Z]{3,}\b|\bE\d{3,}\b|\b[A-Z]{2,}_[A-Z_]{3,}\b|\b[A-Z]{1,4}\d{3,5}\b/;
export const errorNames = new RegExp(errorName.source, 'g');
const wholeName = new RegExp(`^(?:${errorName.source})$`);
/** A code a message ends with (`[code: 8000007]`, `code=10013`): it names the error, its message starts before it. */
export const errorCode = /\bcode[:=]\s*["']?\d{3,}\b/i;
export const errorCodes = new RegExp(errorCode.source, 'gi');
/** A qualified exception name labelling its message: `django.db.migrations.exceptions.InconsistentMigrationHistory: …`. */
const qualifiedName = /(?:^|\s)(?:[a-z_]\w*\.){2,}([A-Z]\w+)(?=:\s)/g;

/** The identifiers a line names its error by: exception names and codes, as printed. */
export function identifiers(line: string): string[] {
  return [
    ...new Set(
      [...line.matchAll(errorNames), ...line.matchAll(errorCodes), ...line.matchAll(qualifiedName)].map((m) =>
        (m[1] ?? m[0]).trim(),
      ),
    ),
  ];
}

/** The error level marks of any tool: a line's error starts at the first (see errors.ts). */
export const errorLevel =
  /(?:^|[\s[(|:!-])(?:err(?:or)?!?|fatal|panic|critical|exception|failed|failure|denied|refused)(?:[\s\]):!]|$)|^\s*(?:[✘×✗]|E:)\s/i;

/**
 * A line from where its error starts (the error's name or level mark): what comes before is framing (a
 * process name and pid, a logger's columns, a package path before an exception's name).
 */
export function fromMarker(line: string): string {
  const bare = unquoted(line);
  const at = [errorName.exec(bare)?.index, levelAt(bare)].filter((i): i is number => i !== undefined);
  return at.length ? line.slice(Math.min(...at)).trim() : line.trim();
}

/**
 * The line with what it quotes and the values it dumps (`'…'`, `"…"`, `{…}`) blanked, each character kept in
 * place: a name inside a value (`input_value={'DATABASE_URL': …}`) is data the error shows, not where it starts;
 * a quoted code alone (`'MODULE_NOT_FOUND'`) stays.
 */
export function unquoted(line: string): string {
  return line
    .replace(/\{[^{}\n]*\}/g, (m) => ' '.repeat(m.length))
    .replace(/(?<![\p{L}\p{N}])(["'`])([^"'`\n]*)\1(?![\p{L}\p{N}])/gu, (m, _q: string, inner: string) =>
      // a quoted code (`code: 'MODULE_NOT_FOUND'`) is the error's own name, not data
      m.length > 2 && !wholeName.test(inner) ? `${m[0]}${' '.repeat(m.length - 2)}${m[0]}` : m,
    );
}
const levelAt = (line: string) => {
  const m = errorLevel.exec(line);
  return m ? m.index + (m[0].length - m[0].trimStart().length) : undefined;
};

/**
 * The line normalised: colours are gone already; times, ids, urls, paths, hex, numbers and versions become their
 * shape, a quoted value becomes `…` (a quoted code such as `'ERR_REQUIRE_ESM'` is the error's name and stays), a
 * word that mixes letters and digits (`msg_77b1`, `apt_2207`) becomes `<id>`.
 */
export function signatureOf(line: string): string {
  return fromMarker(line)
    .toLowerCase()
    .replace(/\b\d{4}-\d{2}-\d{2}[t ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:z|[+-]\d{2}:?\d{2})?/g, ' ')
    .replace(/\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b/g, ' ')
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g, '<id>')
    .replace(/(["'`‘“])([^"'`’”\n]{0,200})["'`’”]/g, (m, _q: string, inner: string) =>
      /^[a-z][a-z0-9_]{2,}$/.test(inner) && /_|\d/.test(inner) ? inner : '…',
    )
    .replace(/\b[a-z][a-z0-9+.-]{1,15}:\/\/[^\s"'`)]+/g, '<url>')
    .replace(/(?:~|\.{1,2})?(?:[/\\][\w.@+~-]+){2,}[/\\]?|\b[a-z]:\\[^\s]+|\b[\w.@-]+(?:\/[\w.@+~-]+)+/g, '<path>')
    .replace(/\b(?=[0-9a-f]*\d)[0-9a-f]{7,}\b/g, '<hex>')
    .replace(/\bv\d+(?:\.\d+)+\b/g, 'vN')
    .replace(/\b(?=[a-z_-]*\d)(?=[\d_-]*[a-z])[a-z0-9]+(?:[_-][a-z0-9]+)+\b/g, '<id>')
    .replace(/(?<![a-z0-9_])\d+(?:[.,:]\d+)*(?![a-z0-9_])/g, 'N')
    .replace(/^[\W_]*(?:err(?:or)?|fatal)[!:\]]*\s*/, '') // a level mark is framing
    .replace(/\s+/g, ' ')
    .trim();
}

const words = (signature: string) => new Set(signature.match(/[\p{L}\p{N}_<>…][\p{L}\p{N}_<>….()-]*/gu) ?? []);

/** How alike two signatures are: the share of words they have in common (Jaccard), from 0 to 1. */
export function similarity(a: string, b: string): number {
  if (a === b) return 1;
  const [x, y] = [words(a), words(b)];
  if (x.size === 0 || y.size === 0) return 0;
  let common = 0;
  for (const w of x) if (y.has(w)) common++;
  return common / (x.size + y.size - common);
}

/**
 * How much of the shorter signature the longer one says (its words in common over the shorter's): one tool
 * prints an error's code alone, another its code and the message after it.
 */
export function containment(a: string, b: string): number {
  if (a === b) return 1;
  const [x, y] = [words(a), words(b)];
  if (x.size === 0 || y.size === 0) return 0;
  let common = 0;
  for (const w of x) if (y.has(w)) common++;
  return common / Math.min(x.size, y.size);
}

/** Two words in ten may differ (a field, a test, a module's name): more, and it is another message. */
export const sameErrorAt = 0.75;

/** What an error line is compared by: its identifiers and its signature. */
export interface ErrorKey {
  ids: string[];
  signature: string;
}
export const errorKey = (line: string): ErrorKey => ({ ids: identifiers(line), signature: signatureOf(line) });

/**
 * Whether two error lines are the same error: the same identifiers (another code or exception is another error)
 * and signatures at least `sameErrorAt` alike (when both are named, the shorter said within the longer). One tool
 * may print the exception's name where another prints only its message: a name missing is no other name, when
 * the unnamed message (five words or more) is said within the named one.
 */
export function sameError(a: string | ErrorKey, b: string | ErrorKey): boolean {
  const [x, y] = [typeof a === 'string' ? errorKey(a) : a, typeof b === 'string' ? errorKey(b) : b];
  const [nx, ny] = [x.ids.length > 0, y.ids.length > 0];
  if (nx !== ny)
    return (
      Math.min(words(x.signature).size, words(y.signature).size) >= 5 &&
      containment(x.signature, y.signature) >= sameErrorAt
    );
  if (x.ids.length !== y.ids.length || x.ids.some((n) => !y.ids.includes(n))) return false;
  // named by the same identifiers, one may say more of the message than the other; unnamed, both say it alike
  return (nx ? containment : similarity)(x.signature, y.signature) >= sameErrorAt;
}
