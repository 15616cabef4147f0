/**
 * Line-based checks of a dream's output against its input, written apart from the dreamer's own parser so that a
 * dreamer that damages structure cannot hide it: structure lines that went missing, lines that left no trace, and
 * how much of the store changed.
 */
import { parse as parseYaml } from 'yaml';

/** A store as the benchmark sees it: path → text. */
export type Files = ReadonlyMap<string, string>;

export const isArchive = (path: string): boolean => path.startsWith('/archive/');
export const nonBlank = (text: string): string[] =>
  text
    .split('\n')
    .map((l) => l.replace(/\r$/, ''))
    .filter((l) => l.trim() !== '');

/** Lines of a markdown file that are structure: front-matter keys, headings, table rows, fenced code. */
export function structureLines(text: string): { kind: string; line: string }[] {
  const out: { kind: string; line: string }[] = [];
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  let i = 0;
  if (lines[0] === '---') {
    for (i = 1; i < lines.length && lines[i] !== '---'; i++)
      if (/^[A-Za-z_][\w-]*\s*:/.test(lines[i]!))
        out.push({ kind: 'front-matter key', line: lines[i]!.split(':')[0]! });
    i++;
  }
  let fence: string | undefined;
  for (; i < lines.length; i++) {
    const l = lines[i]!;
    const f = /^\s*(```|~~~)/.exec(l)?.[1];
    if (fence) {
      if (f === fence) fence = undefined;
      else out.push({ kind: 'code line', line: l });
      continue;
    }
    if (f) fence = f;
    else if (/^#{1,6}\s/.test(l)) out.push({ kind: 'heading', line: l.trim() });
    else if (/^\s*\|.*\|\s*$/.test(l)) out.push({ kind: 'table row', line: l.trim() });
  }
  return out;
}

function parses(path: string, text: string): boolean | undefined {
  try {
    if (/\.json$/i.test(path)) JSON.parse(text);
    else if (/\.ya?ml$/i.test(path)) parseYaml(text);
    else return undefined;
    return true;
  } catch {
    return false;
  }
}

const count = (lines: string[]): Map<string, number> => {
  const m = new Map<string, number>();
  for (const l of lines) m.set(l.trim(), (m.get(l.trim()) ?? 0) + 1);
  return m;
};

/** Lines of `before` with no copy left in `after`, counted as a multiset (a removed duplicate is a removed line). */
export function removedLines(before: string, after: string): string[] {
  const left = count(nonBlank(after));
  const removed: string[] = [];
  for (const l of nonBlank(before)) {
    const n = left.get(l.trim()) ?? 0;
    if (n > 0) left.set(l.trim(), n - 1);
    else removed.push(l.trim());
  }
  return removed;
}

/** Lines of `after` that `before` did not have (multiset). */
export const addedLines = (before: string, after: string): string[] => removedLines(after, before);

/**
 * Lines the dream changed, as a share of the input's non-blank lines: per file the larger of lines removed and
 * lines added (an edited line counts once), plus the lines of new files; the archive is where removed lines
 * go, so its lines are not counted again.
 */
export function churn(input: Files, output: Files): { lines: number; share: number } {
  let changed = 0;
  for (const [path, after] of output) {
    if (isArchive(path)) continue;
    const before = input.get(path) ?? '';
    changed += Math.max(removedLines(before, after).length, addedLines(before, after).length);
  }
  for (const [path, before] of input) if (!output.has(path)) changed += nonBlank(before).length;
  const total = [...input.values()].reduce((n, t) => n + nonBlank(t).length, 0);
  return { lines: changed, share: total === 0 ? 0 : changed / total };
}

/**
 * Structure the dream broke: a file deleted, front-matter keys, headings, table rows or code lines gone (unless
 * the dream says it took them out as a session's quarantined or held lines), a JSON/YAML file that no longer
 * parses, a file it cannot take that changed.
 */
export function structureBreaks(
  input: Files,
  output: Files,
  explained: ReadonlySet<string>,
  skippedChanged: string[] = [],
): string[] {
  const breaks: string[] = skippedChanged.map((p) => `${p}: a skipped file changed`);
  for (const [path, text] of input) {
    const after = output.get(path);
    if (after === undefined) {
      breaks.push(`${path}: deleted`);
      continue;
    }
    const left = new Map<string, number>();
    for (const s of structureLines(after))
      left.set(`${s.kind}\0${s.line}`, (left.get(`${s.kind}\0${s.line}`) ?? 0) + 1);
    for (const s of structureLines(text)) {
      const k = `${s.kind}\0${s.line}`;
      const n = left.get(k) ?? 0;
      if (n > 0) left.set(k, n - 1);
      else if (!explained.has(s.line.trim()))
        breaks.push(`${path}: ${s.kind} ${JSON.stringify(s.line.slice(0, 60))} gone`);
    }
    if (parses(path, text) === true && parses(path, after) === false) breaks.push(`${path}: no longer parses`);
  }
  return breaks;
}

/**
 * Input lines that are nowhere in the output (archive included) and that the dream does not account for as
 * quarantined or held: memory lost. `input` is compared with its secrets already redacted, so a redaction is
 * not a loss.
 */
export function lostLines(input: Files, output: Files, explained: ReadonlySet<string>): string[] {
  const everywhere = new Set([...output.values()].flatMap((c) => c.split('\n').map(lineContent)));
  const lost: string[] = [];
  for (const [path, text] of input) {
    const after = output.get(path) ?? '';
    for (const l of removedLines(text, after))
      if (!everywhere.has(lineContent(l)) && !explained.has(l)) lost.push(`${path}: ${l.slice(0, 80)}`);
  }
  return lost;
}

/**
 * A line's text without the markup that places it (list or quote marker, task box, surrounding space): the
 * same text kept as a list item in one file and as a paragraph in another is kept.
 */
const lineContent = (line: string): string =>
  line
    .trim()
    .replace(/^(?:(?:[-*+]|\d+[.)]|>)\s+)+(?:\[[ xX]\]\s+)?/, '')
    .trim();
