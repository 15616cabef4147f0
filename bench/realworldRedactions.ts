/**
 * False redactions: a `[REDACTED:…]` marker the dream wrote where the truth has no secret (a placeholder, a
 * reference, an ordinary line). Each marked line of the output that the input did not have is traced to the
 * line it was redacted from (the store's own, or a line a session wrote) and the text its markers replaced
 * is compared with the planted secrets: a marker standing for no planted secret is a false redaction. A line
 * the dream also changed otherwise cannot be traced and is not counted.
 */
import { redactedValues } from '../src/memory/mask.js';
import { isArchive, type Files } from './realworldChecks.js';

/** Every string in a session file's JSON lines, split into lines: what an agent may have written to memory. */
export function sessionLines(jsonl: string): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string') out.push(...v.split('\n'));
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  for (const line of jsonl.split('\n')) {
    if (!line.trim()) continue;
    try {
      walk(JSON.parse(line));
    } catch {
      // an invalid line is the session reader's to report, not this measure's
    }
  }
  return out;
}

const marker = /\[REDACTED:[A-Za-z0-9_.-]{1,64}\]/g;

/** The longest piece of a marked line between its markers: what its source line must contain. */
const anchor = (line: string) => line.split(marker).reduce((a, b) => (b.trim().length > a.trim().length ? b : a), '');

/**
 * The false redactions in `output` (live files and archive alike), as `path: kind` entries (the value is not
 * shown: it may be an unplanted secret of the store's own). `sources` are the input store's and the
 * sessions' lines; `secrets` the planted secrets' values.
 */
export function falseRedactions(
  input: Files,
  output: Files,
  sources: readonly string[],
  secrets: readonly string[],
): string[] {
  const before = new Set([...input.values()].flatMap((t) => t.split('\n')));
  const out: string[] = [];
  for (const [path, text] of output)
    for (const line of text.split('\n')) {
      if (!line.includes('[REDACTED:') || before.has(line)) continue;
      const a = anchor(line);
      if (a.trim().length < 3) continue; // a marker alone on its line says nothing about what it stood for
      const planted = (v: { value: string }) => secrets.some((s) => v.value.includes(s) || s.includes(v.value));
      // several source lines may share the marked line's shape (a template `token: "123:ABC..."` beside the
      // real one): the line was redacted from one of them, so the reading with the fewest unplanted values counts
      const readings = sources
        .filter((s) => s.includes(a))
        .map((s) => redactedValues(s, line)?.filter((v) => !planted(v)))
        .filter((v) => v !== undefined);
      const fewest = readings.reduce<(typeof readings)[number] | undefined>(
        (best, r) => (best === undefined || r.length < best.length ? r : best),
        undefined,
      );
      for (const v of fewest ?? []) out.push(`${isArchive(path) ? 'archive ' : ''}${path}: ${v.kind}`);
    }
  return out;
}
