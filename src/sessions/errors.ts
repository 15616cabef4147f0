import {
  errorCode,
  errorCodes,
  errorLevel,
  errorName,
  errorNames,
  fromMarker,
  signatureOf,
  unquoted,
} from './errorSignature.js';

/**
 * Tool errors by their structure, not the words around them: the lines of a failed call's output that carry
 * the error (error-level lines, an exception's head, else the last line that is not a stack frame), a
 * signature that stays the same however the output is framed (colours, timestamps, paths, numbers, ids and
 * quoted values aside), and a headline a reader recognises.
 */

// terminal colours and cursor movement; a carriage return that overwrites a progress line
// eslint-disable-next-line no-control-regex -- terminal escapes are control characters
const ansi = /\u001b\[[0-9;?]{0,20}[ -/]{0,4}[@-~]|\u001b\][^\u0007\u001b]{0,500}(?:\u0007|\u001b\\)/g;
/**
 * A stack frame or the code it points at: `    at f (file.js:1:2)`, `  File "x.py", line 3, in f`, `#3 0x… in
 * main`, a code frame (`  142 |     await x(`, `    |  ^`), an indented location (` ❯ f src/a.ts:3:17`).
 */
const frame = /^\s+(?:at\s|File\s"|in\s|from\s|#\d+\s)|^\s*>?\s*\d*\s*\|(?:\s|$)|^\s+\S.*[\w)]\.\w+:\d+(?::\d+)?\)?$/;
// (a name quoted or inside a dumped value is data the error shows, not an error of the line's own)
const carriesError = (line: string) => {
  const bare = unquoted(line);
  return errorLevel.test(bare) || errorName.test(bare) || errorCode.test(bare);
};
/** Lines that only say the call failed (`Exit code 1`, `exited with 2`): true, but no error of their own. */
const statusOnly = /^\W*(?:exit(?:ed)?(?: with)?(?: code| status)?\s*[:=]?\s*-?\d+|process exited.*)\W*$/i;
/** A tally (`Tests: 1 failed, 27 passed`, `(4 tests | 4 failed) 38ms`): how many failed, not what. */
const tally = (line: string) =>
  /(?<![\w.])\d+\s+\p{L}+\s*[,|]\s*\d+\s+\p{L}|\p{L}:\s*\d+\s*,\s*\p{L}+:\s*\d+(?![\w.:])/u.test(line);
/**
 * A rule or a banner between sections (`=== FAILURES ===`, `⎯⎯ Failed Tests 4 ⎯⎯`), or a progress line of marks
 * (`EEEE....  30 / 30 (100%)`): runs of one character, and hardly a word beside them.
 */
const rule = {
  test: (l: string) =>
    /([-=_⎯─━~*#])\1{2,}/.test(l) ||
    (/(.)\1{3,}/u.test(l) && l.replace(/(.)\1{3,}/gu, '').replace(/\P{L}/gu, '').length < 3),
};
const errorLevels = new RegExp(errorLevel.source, 'gi');
/** A warning, not an error: a warning level mark or a warning's own name (`ExperimentalWarning`). */
const warning = /(?:^|[\s[(|:!-])warn(?:ing)?s?(?:[\s\]):!]|$)|\w+Warning\b|^\s*▲/i;

export function stripTerminal(text: string): string {
  return text
    .replace(ansi, '')
    .split('\n')
    .map((l) => l.replace(/\r$/, ''))
    .map((l) => l.slice(l.lastIndexOf('\r') + 1))
    .join('\n');
}

/**
 * The lines of a failed call's output that carry the error: its error-level lines and named errors (at most six,
 * a level prefix a tool repeats on every line is one mark), an exception's head beside its stack trace, each with
 * the line that continues its message; else the last line that is not a stack frame or a bare exit status.
 * What the tool printed around it (a summary, a banner, warnings, tallies of passed and failed) is left out.
 */
export function errorLines(output: string): string[] {
  // an error is near the end of what a tool printed: a huge output is read from its last 100 KB
  const all = stripTerminal(output.length > 100_000 ? output.slice(-100_000) : output)
    .split('\n')
    .map((l) => l.replace(/\s+$/, ''));
  const gap = all.flatMap((l, i) => (l.trim() === '' ? [] : [i > 0 && all[i - 1]!.trim() === '']));
  const lines = withoutLogPrefix(all.filter((l) => l.trim() !== ''));
  const logged = lines.map(structuredLog);
  const plain = logged.map((l) => l.text);
  const frames = framesOf(plain);
  // a line just before a position marker (`At line:1 char:12`, `В строка:1 знак:12`) is the message it points into
  const pointed = new Set(plain.flatMap((l, i) => (i > 0 && position.test(l) ? [i - 1] : [])));
  // a heading at error level (`error during build:`) announces the line right below it as the error
  for (let i = 0; i + 1 < plain.length; i++) if (heading(plain[i]!) && errorLevel.test(plain[i]!)) pointed.add(i + 1);
  const heads = exceptionHeads(plain, frames);
  const warned = warnings(plain, gap);
  // a short heading (`Error Message:`, `Stack Trace:`) introduces an error; it is not one
  const framing = (l: string, i: number) =>
    frames[i] ||
    position.test(l) ||
    echo.test(l) ||
    statusOnly.test(l.trim()) ||
    tally(l) ||
    rule.test(l) ||
    heading(l);
  const own = plain.flatMap((l, i) => (!framing(l, i) ? [{ l, i }] : []));
  // one word right below an error line (`SECRET_KEY` under `1 validation error for Settings`) names its field
  const field = (l: string, i: number) => !/\s/.test(l.trim()) && i > 0 && carriesError(plain[i - 1]!);
  const flagged = own.filter(
    ({ l, i }) =>
      !field(l, i) &&
      (logged[i]!.level === 'error' ||
        (!warned.has(i) && (pointed.has(i) || heads.has(i) || (logged[i]!.level === undefined && carriesError(l))))),
  );
  if (flagged.length > 0) {
    const isFlagged = new Set(flagged.map((f) => f.i));
    // a message goes on in the lines right below it, up to a gap, a frame, a rule or another error
    const continued = ({ l, i }: { l: string; i: number }) => {
      const more: string[] = [];
      // (an object's dump, `code: 'X',` / `syscall: …,` / `}`, is fields, not a message going on)
      // (a message may end in a bracketed detail: `Field required [type=missing]`)
      const dump = (t: string) => /[,{[]$|^[}\]]/.test(t.trim());
      for (let k = i + 1; k < plain.length && more.length < 2 && !dump(l); k++) {
        if (dump(plain[k]!) || plain[k]!.trim() === '' || plain[k]!.includes('\t')) break;
        if (gap[k] || framing(plain[k]!, k) || isFlagged.has(k) || logged[k]!.level !== undefined || warned.has(k))
          break;
        more.push(plain[k]!.trim());
      }
      return [l.trim(), ...more, ...(heads.get(i) ?? [])].join(' ');
    };
    return firstDistinct(flagged.map(continued), 6);
  }
  // nothing marked as an error: the last line written as `label: message` (an error in any language), else the last
  // (after a stack trace, the line that follows its last frame is the error: nothing before it counts)
  const lastFrame = frames.lastIndexOf(true);
  // a warning is no error, unless the tool printed nothing else
  const unwarned = own.filter(({ i }) => !warned.has(i));
  const tail = unwarned.filter(({ i }) => i > lastFrame);
  // (a label may be an exception's dotted name: `vendor.errors.QuotaExhausted: …`)
  const labelled = tail.filter(({ l }) => /^\s*[\p{L}][\p{L}\p{M}\p{N} _.-]{0,60}[:：]\s+\S/u.test(l));
  const last = labelled.at(-1) ?? unwarned.at(-1) ?? own.at(-1);
  if (!last) return plain.length > 0 ? [plain.at(-1)!.trim()] : [];
  // a message wrapped over two lines (`… internal or external command,` / `operable program …`) is one
  const before = own[own.indexOf(last) - 1];
  const wrapped = before && before.i === last.i - 1 && /,$/.test(before.l) && /^\s*\p{Ll}/u.test(last.l);
  return [wrapped ? `${before.l.trim()} ${last.l.trim()}` : last.l.trim()];
}

/**
 * Which lines are stack frames or the code they show: a frame's own shape, or a line right below a frame and
 * indented deeper (`  File "x.py", line 3` / `    main()`).
 */
function framesOf(lines: readonly string[]): boolean[] {
  const out: boolean[] = [];
  const indent = (l: string) => /^\s*/.exec(l)![0].length;
  // a named error labelled as a message (`page.goto: net::ERR_CERT_…`) under a step's location is its error, not code
  const message = (l: string) => /^\s*[\w.$<>-]+:\s/.test(l) && errorName.test(l);
  lines.forEach((l, i) =>
    out.push(frame.test(l) || (i > 0 && out[i - 1]! && indent(l) > indent(lines[i - 1]!) && !message(l))),
  );
  return out;
}

/**
 * An exception's head by where it stands beside its stack trace: the line right above the frames (JavaScript,
 * Java), or, when a header ending in a colon introduces them (`Traceback (most recent call last):`), the line
 * right below them (Python).
 */
function exceptionHeads(lines: readonly string[], frames: readonly boolean[]): Map<number, string[]> {
  // each head with the fields printed below its frames (`  response: { "error": "…" }`, as Node prints them)
  const heads = new Map<number, string[]>();
  for (let i = 0; i < lines.length; i++) {
    if (!frames[i] || (i > 0 && frames[i - 1])) continue;
    let end = i;
    while (end + 1 < lines.length && frames[end + 1]) end++;
    const above = i - 1;
    const indent = (l: string) => /^\s*/.exec(l)![0].length;
    // a head stands out of its frames (`TypeError: …` above `    at …`); a detail beside them does not
    if (above >= 0 && !/[:：]$/.test(lines[above]!.trim())) {
      if (indent(lines[above]!) < indent(lines[i]!)) {
        const fields: string[] = [];
        for (let k = end + 1; k < lines.length && fields.length < 2; k++) {
          const field = lines[k]!;
          if (
            frames[k] ||
            indent(field) <= indent(lines[above]!) ||
            tally(field) ||
            rule.test(field) ||
            /,$/.test(field)
          )
            break;
          fields.push(field.trim());
        }
        heads.set(above, fields);
      }
    } else if (end + 1 < lines.length) heads.set(end + 1, []);
    i = end;
  }
  return heads;
}

/**
 * Lines that are warnings: a line at warning level, and the lines a warning heading (`WARNINGS:`) introduces,
 * up to a gap or the next heading.
 */
function warnings(lines: readonly string[], gap: readonly boolean[]): Set<number> {
  const out = new Set<number>();
  let under = false;
  lines.forEach((l, i) => {
    const heading = /[:：]$/.test(l.trim());
    if (gap[i] || heading) under = false;
    const [w, e] = [warning.exec(l)?.index, errorLevel.exec(l)?.index];
    if (w !== undefined && (e === undefined || w <= e)) {
      out.add(i);
      if (heading) under = true;
    } else if (under) out.add(i);
  });
  return out;
}

/** A short heading (`Error Message:`, `Stack Trace:`): it introduces what follows. */
const heading = (l: string) => /^[\p{L}\s]{0,30}[:：]$/u.test(l.trim());

/** Where an error points (`At line:1 char:12`, `In Zeile:1 Zeichen:5`): words, each with a number after a colon. */
const position = /^\s*\S+\s\S+:\s?\d+\s\S+:\s?\d+\s*$/u;
/** A shell's echo of the command under its error (`+ Remove-Item …`, `+ ~~~~`). */
const echo = /^\s*\+\s/;

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
    if (prefix === '') return withoutColumn(out);
  }
  // a runner's frame has columns or a time in it; a shared indentation or a tool's own name is not one
  return /[\t|]|\d[:T-]\d/.test(prefix) ? out.map((l) => l.slice(prefix.length)) : out;
}

/** Lines without a container's column (`web-1  | `) that two lines in three start with (the rest: the runner's own). */
function withoutColumn(lines: string[]): string[] {
  const counts = new Map<string, number>();
  for (const l of lines) {
    const c = /^[^|\t\s][^|\t]{0,39}[|\t]/.exec(l)?.[0];
    if (c) counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  const [column, n] = [...counts].sort((a, b) => b[1] - a[1])[0] ?? ['', 0];
  const strip = (l: string) => (l.startsWith(column) ? l.slice(column.length).replace(/^ /, '') : l);
  return n * 3 >= lines.length * 2 ? lines.map(strip) : lines;
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
  // a name inside a link is part of an address (`[Help 1] http://…/MojoExecutionException`), not the error's
  const bare = (l: string) => l.replace(/\b[a-z][a-z0-9+.-]*:\/\/\S+/gi, ' ');
  const namesOf = (l: string) => [...bare(l).matchAll(errorNames), ...bare(l).matchAll(errorCodes)].map((m) => m[0]);
  // so does a summary line that repeats, after its own mark, the message another line says whole
  // (`FAILED test_x - Exception: Could not …` beside `Exception: Could not … <its cause>`)
  const lastSaid = (l: string) => {
    const mark = [...l.matchAll(errorLevels)].at(-1);
    const tail = mark ? l.slice(mark.index + mark[0].length).trim() : '';
    return tail.length >= 20 && tail.length < l.length ? tail : undefined;
  };
  // a line that says nothing but its level (`[INFO] BUILD FAILURE`) names no error beside one that does
  const levelOnly = (l: string) =>
    fromMarker(l)
      .replace(errorLevels, ' ')
      .replace(/[^\p{L}\p{N}]+/gu, '') === '';
  const said = lines.filter((l) => !levelOnly(l));
  const told = (said.length > 0 ? said : lines).filter((l) => {
    const names = namesOf(l);
    const tail = lastSaid(l);
    return !lines.some(
      (o) =>
        o !== l &&
        o.length > l.length &&
        ((names.length > 0 && names.every((n) => o.includes(n))) || (tail !== undefined && o.includes(tail))),
    );
  });
  // (a name inside a quoted or dumped value does not name the line's error)
  const isNamed = (l: string) => errorName.test(unquoted(bare(l))) || errorCode.test(unquoted(bare(l)));
  const named = told.filter(isNamed).reverse();
  const ordered = [...named, ...told.filter((l) => !isNamed(l))].slice(0, 2);
  const room = Math.max(60, Math.floor(max / Math.max(1, ordered.length)) - 3);
  const text = ordered
    .map((l) => fromMarker(l).replace(/^(?:ERR!|error:?)\s+/i, ''))
    .map((l) => (ordered.length > 1 ? clipWords(l, room) : l))
    .join(' — ');
  // one message alone says its deepest cause last: its middle goes
  return ordered.length === 1 ? clipMiddle(text, max) : clipWords(text, max);
}

/**
 * `text` cut to `max` characters in its middle, at word ends, marked with `…`: a message chains its causes
 * (`Could not transfer artifact …: Unknown host proxy: Name or service not known`), the deepest said last.
 */
export function clipMiddle(text: string, max: number): string {
  if (text.length <= max) return text;
  const head = clipWords(text, Math.floor(max / 3)).replace(/…$/, '');
  const room = max - head.length - 3;
  const tail = text.slice(-room);
  const start = tail.search(/(?<=\s)\S/);
  return `${head} … ${start > 0 && start < room / 2 ? tail.slice(start) : tail}`;
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
    if (
      line.trim() === '' ||
      carriesError(line) ||
      frame.test(line) ||
      position.test(line) ||
      errors.includes(line.trim())
    )
      continue;
    if (size + line.length + 1 > max) break;
    context.push(line);
    size += line.length + 1;
  }
  const text = [...context, ...errors].join('\n');
  return text.length > max ? `…${text.slice(-max)}` : text;
}
