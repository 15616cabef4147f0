/**
 * Tool errors by their structure, not the words around them: the lines of a failed call's output that carry
 * the error (error-level lines, an exception's head, else the last line that is not a stack frame), a
 * signature that stays the same however the output is framed (colours, timestamps, paths, numbers, ids and
 * quoted values aside), and a headline a reader recognises.
 */

// terminal colours and cursor movement; a carriage return that overwrites a progress line
// eslint-disable-next-line no-control-regex -- terminal escapes are control characters
const ansi = /\u001b\[[0-9;?]{0,20}[ -/]{0,4}[@-~]|\u001b\][^\u0007\u001b]{0,500}(?:\u0007|\u001b\\)/g;
/** A stack frame: `    at f (file.js:1:2)`, `  File "x.py", line 3, in f`, `#3 0x… in main`. */
const frame = /^\s+(?:at\s|File\s"|in\s|from\s|#\d+\s)|^\s{4,}\S/;
/** A log line at error level, whatever tool prints it: `error:`, `npm ERR!`, `ERROR`, `E: `, `fatal:`, `✘ [ERROR]`. */
const errorLevel =
  /(?:^|[\s[(|:!-])(?:err(?:or)?!?|fatal|panic|critical|exception|failed|failure|denied|refused)(?:[\s\]):!]|$)|^\s*(?:[✘×✗]|E:)\s/i;
/** An error's own name or code: `ValueError:`, `ENOENT`, `E403`, `SQLITE_CANTOPEN`, `TS2304`. */
const errorName =
  /\b[A-Z]\w*(?:Error|Exception)\b|\bE[A-Z]{3,}\b|\bE\d{3,}\b|\b[A-Z]{2,}_[A-Z_]{3,}\b|\b[A-Z]{2,4}\d{3,5}\b/;
const errorNames = new RegExp(errorName.source, 'g');
const carriesError = (line: string) => errorLevel.test(line) || errorName.test(line);
/** Lines that only say the call failed (`Exit code 1`, `exited with 2`): true, but no error of their own. */
const statusOnly = /^\W*(?:exit(?:ed)?(?: with)?(?: code| status)?\s*[:=]?\s*-?\d+|process exited.*)\W*$/i;

export function stripTerminal(text: string): string {
  return text
    .replace(ansi, '')
    .split('\n')
    .map((l) => l.replace(/\r$/, ''))
    .map((l) => l.slice(l.lastIndexOf('\r') + 1))
    .join('\n');
}

/**
 * The lines of a failed call's output that carry the error: its error-level lines (at most three, a level
 * prefix a tool repeats on every line is one mark), or an exception's head, or the last line that is not a
 * stack frame or a bare exit status. What the tool printed before (a summary, a banner) is left out.
 */
export function errorLines(output: string): string[] {
  // an error is near the end of what a tool printed: a huge output is read from its last 100 KB
  const lines = withoutLogPrefix(
    stripTerminal(output.length > 100_000 ? output.slice(-100_000) : output)
      .split('\n')
      .map((l) => l.replace(/\s+$/, ''))
      .filter((l) => l.trim() !== ''),
  );
  const logged = lines.map(structuredLog);
  const plain = logged.map((l) => l.text);
  // a line just before a position marker (`At line:1 char:12`, `В строка:1 знак:12`) is the message it points into
  const pointed = new Set(plain.flatMap((l, i) => (i > 0 && position.test(l) ? [i - 1] : [])));
  const own = plain.flatMap((l, i) =>
    !frame.test(l) && !position.test(l) && !echo.test(l) && !statusOnly.test(l.trim()) ? [{ l, i }] : [],
  );
  const flagged = own.filter(
    ({ l, i }) => logged[i]!.level === 'error' || pointed.has(i) || (logged[i]!.level === undefined && carriesError(l)),
  );
  if (flagged.length > 0)
    return firstDistinct(
      flagged.map((x) => x.l),
      6,
    );
  // nothing marked as an error: the last line written as `label: message` (an error in any language), else the last
  // (after a stack trace, the line that follows its last frame is the error: nothing before it counts)
  const lastFrame = plain.findLastIndex((l) => frame.test(l));
  const tail = own.filter(({ i }) => i > lastFrame);
  // (a label may be an exception's dotted name: `vendor.errors.QuotaExhausted: …`)
  const labelled = tail.filter(({ l }) => /^\s*[\p{L}][\p{L}\p{M}\p{N} _.-]{0,60}[:：]\s+\S/u.test(l));
  const last = labelled.at(-1) ?? own.at(-1);
  if (!last) return plain.length > 0 ? [plain.at(-1)!.trim()] : [];
  // a message wrapped over two lines (`… internal or external command,` / `operable program …`) is one
  const before = own[own.indexOf(last) - 1];
  const wrapped = before && before.i === last.i - 1 && /,$/.test(before.l) && /^\s*\p{Ll}/u.test(last.l);
  return [wrapped ? `${before.l.trim()} ${last.l.trim()}` : last.l.trim()];
}

/** Where an error points (`At line:1 char:12`, `In Zeile:1 Zeichen:5`): words, each with a number after a colon. */
const position = /^\s*\S+\s\S+:\s?\d+\s\S+:\s?\d+\s*$/u;
/** A shell's echo of the command under its error (`+ Remove-Item …`, `+ ~~~~`). */
const echo = /^\+\s/;

/**
 * A structured log line (a JSON object with a level): its message and error type as text, and whether its level
 * is an error (a standard level name or a numeric level of 50 and over, as pino and bunyan write them).
 */
function structuredLog(line: string): { text: string; level?: 'error' | 'other' } {
  const t = line.trim();
  if (!t.startsWith('{') || !t.endsWith('}')) return { text: line };
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(t) as Record<string, unknown>;
  } catch {
    return { text: line };
  }
  const raw = o.level ?? o.severity ?? o.lvl ?? o.levelname ?? o['log.level'];
  if (raw === undefined || o === null || typeof o !== 'object') return { text: line };
  const level =
    typeof raw === 'number'
      ? raw >= 50
        ? 'error'
        : 'other'
      : /^(?:err|fatal|crit|alert|emerg|panic)/i.test(String(raw))
        ? 'error'
        : 'other';
  const err = (o.err ?? o.error) as Record<string, unknown> | string | undefined;
  const kind = typeof err === 'object' && err ? (err.type ?? err.name ?? err.code) : undefined;
  const msg = [o.msg ?? o.message ?? (typeof err === 'string' ? err : undefined), kind].filter(
    (x) => typeof x === 'string' && x !== '',
  );
  // an error-level line is marked so from its start: its whole message is the error
  const text = msg.length > 0 ? msg.join(' — ') : line;
  return { text: level === 'error' ? `error: ${text}` : text, level };
}

/**
 * Lines without the frame a log runner puts before each (`job<TAB>step<TAB>2026-07-24T05:12:16Z `): a
 * timestamp-ended prefix, then whatever prefix most lines share.
 */
function withoutLogPrefix(lines: readonly string[]): string[] {
  const stamped = /^[^\n]{0,80}?\d{4}-\d{2}-\d{2}[T ][\d:.,]*\d(?:Z|[+-]\d{2}:?\d{2})?\s/;
  const out =
    lines.filter((l) => stamped.test(l)).length * 2 > lines.length
      ? lines.map((l) => l.replace(stamped, ''))
      : [...lines];
  if (out.length < 3) return out;
  let prefix = out[0]!;
  for (const l of out.slice(1)) {
    let i = 0;
    while (i < prefix.length && i < l.length && prefix[i] === l[i]) i++;
    prefix = prefix.slice(0, i);
    if (prefix === '') return out;
  }
  // a runner's frame has columns or a time in it; a shared indentation or a tool's own name is not one
  return /[\t|]|\d[:T-]\d/.test(prefix) ? out.map((l) => l.slice(prefix.length)) : out;
}

/** The first `n` lines that are not the same error said again (a level prefix on every line is one mark). */
function firstDistinct(lines: readonly string[], n: number): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const l of lines) {
    const k = signatureOf(l);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(l);
    if (out.length === n) break;
  }
  return out;
}

/** One error line in a form that is the same for the same error wherever and whenever it happened. */
function signatureOf(line: string): string {
  return (
    fromMarker(line)
      .toLowerCase()
      .replace(/\b\d{4}-\d{2}-\d{2}[t ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:z|[+-]\d{2}:?\d{2})?/g, ' ')
      .replace(/\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b/g, ' ')
      .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g, '<id>')
      // a quoted value varies (a name, a path); a quoted code (`'ERR_REQUIRE_ESM'`) is the error's name
      .replace(/(["'`‘“])([^"'`’”\n]{0,200})["'`’”]/g, (m, _q: string, inner: string) =>
        /^[a-z][a-z0-9_]{2,}$/.test(inner) && /_|\d/.test(inner) ? inner : '…',
      )
      .replace(/\b[a-z][a-z0-9+.-]{1,15}:\/\/[^\s"'`)]+/g, '<url>')
      .replace(/(?:~|\.{1,2})?(?:[/\\][\w.@+~-]+){2,}[/\\]?|\b[a-z]:\\[^\s]+/g, '<path>')
      .replace(/\b(?=[0-9a-f]*\d)[0-9a-f]{7,}\b/g, '<hex>')
      .replace(/(?<![a-z0-9_])\d+(?:[.,:]\d+)*(?![a-z0-9_])/g, 'N')
      .replace(/^[\W_]*(?:err(?:or)?|fatal)[!:\]]*\s*/, '') // a level mark is framing
      .replace(/\s+/g, ' ')
      .trim()
  );
}

/**
 * A line from where its error starts (the error's name or level mark): what comes before is framing (a
 * process name and pid, a logger's columns, a package path before an exception's name).
 */
function fromMarker(line: string): string {
  const at = [errorName.exec(line)?.index, levelAt(line)].filter((i): i is number => i !== undefined);
  return at.length ? line.slice(Math.min(...at)).trim() : line.trim();
}
const levelAt = (line: string) => {
  const m = errorLevel.exec(line);
  return m ? m.index + (m[0].length - m[0].trimStart().length) : undefined;
};

/** The same error in other words: the error lines of the output, each normalized. */
export function errorSignature(output: string): string {
  return errorLines(output).map(signatureOf).join(' | ').slice(0, 240);
}

/** What a reader sees of the error: its error lines, level prefixes aside, joined. */
export function errorHeadline(output: string, max = 240): string {
  return headlineOf(errorLines(output), max);
}

/**
 * Error lines as a reader reads them: the two that say most, those that name the error (an exception, a code)
 * first, the deepest cause first; each from where its error starts, level marks aside, cut to share the room.
 */
export function headlineOf(lines: readonly string[], max = 240): string {
  // a line whose error names a longer line says too adds nothing (`code: 'ECONNREFUSED',` beside the message)
  const namesOf = (l: string) => [...l.matchAll(errorNames)].map((m) => m[0]);
  const told = lines.filter((l) => {
    const names = namesOf(l);
    return (
      names.length === 0 || !lines.some((o) => o !== l && o.length > l.length && names.every((n) => o.includes(n)))
    );
  });
  const named = told.filter((l) => errorName.test(l)).reverse();
  const ordered = [...named, ...told.filter((l) => !errorName.test(l))].slice(0, 2);
  const room = Math.max(60, Math.floor(max / Math.max(1, ordered.length)) - 3);
  const text = ordered
    .map((l) => fromMarker(l).replace(/^(?:ERR!|error:?)\s+/i, ''))
    .map((l) => (ordered.length > 1 ? clipWords(l, room) : l))
    .join(' — ');
  return clipWords(text, max);
}

/** `text` cut to `max` characters at the end of a word, marked with `…`. */
export function clipWords(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const space = cut.search(/\s\S*$/);
  return `${(space > max / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

/**
 * The part of a failed call's output worth keeping in a digest: whole lines of the output's start for
 * context, then its error lines (found in the whole output, so an error after a long summary is not cut
 * off). Read again by `errorLines`, it gives the same error lines.
 */
export function errorExcerpt(output: string, max = 500): string {
  const errors = errorLines(output);
  let size = errors.join('\n').length;
  const context: string[] = [];
  for (const line of stripTerminal(output.slice(0, 10 * max)).split('\n')) {
    // a position marker points into the line before it: kept without its error, it would point elsewhere
    if (line.trim() === '' || carriesError(line) || position.test(line) || errors.includes(line.trim())) continue;
    if (size + line.length + 1 > max) break;
    context.push(line);
    size += line.length + 1;
  }
  const text = [...context, ...errors].join('\n');
  return text.length > max ? `…${text.slice(-max)}` : text;
}
