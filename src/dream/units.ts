/**
 * The document's own unit a line belongs to, so that what takes a line out (a hold) takes the whole of it and
 * leaves no half record still asserting what was held: a JSON object written over several lines (a record of
 * a JSON file or of comma-joined JSON objects), or a YAML front-matter entry with its continuation lines. A
 * line in no such unit (a list item, a table row, a JSON-lines record on one line) is its own unit.
 */

/** How far a record may reach from the held line: a record longer than this is not taken whole. */
const reach = 200;

/** A JSON member (`"fact": …`) or a closing brace: a line inside an object. */
const member = /^\s{0,40}(?:"(?:[^"\\]|\\.){0,200}"\s{0,8}:|[}\]],?\s*$)/;

/** Where the object opened at `start` closes: the line its braces balance on (strings skipped), or -1. */
function objectEnd(lines: readonly string[], start: number): number {
  let depth = 0;
  let inString = false;
  for (let j = start; j < lines.length && j <= start + 2 * reach; j++) {
    const line = lines[j]!;
    for (let c = 0; c < line.length; c++) {
      const ch = line[c];
      if (inString) {
        if (ch === '\\') c++;
        else if (ch === '"') inString = false;
      } else if (ch === '"') inString = true;
      else if (ch === '{' || ch === '[') depth++;
      else if (ch === '}' || ch === ']') {
        depth--;
        if (depth === 0) return j;
      }
    }
    inString = false; // JSON strings never span lines
  }
  return -1;
}

/** The innermost JSON object around line `i` that parses on its own (a trailing comma aside). */
function jsonObject(lines: readonly string[], i: number): [number, number] | undefined {
  if (!member.test(lines[i]!)) return undefined;
  for (let s = i; s >= 0 && s >= i - reach; s--) {
    if (!/^\s{0,40}\{\s*$/.test(lines[s]!)) continue;
    const e = objectEnd(lines, s);
    if (e < i) continue;
    try {
      const value: unknown = JSON.parse(
        lines
          .slice(s, e + 1)
          .join('\n')
          .replace(/,\s*$/, ''),
      );
      if (value && typeof value === 'object' && !Array.isArray(value)) return [s, e];
    } catch {
      // not a whole object on its own: the line is its own unit
    }
    return undefined;
  }
  return undefined;
}

/** The front-matter entry around line `i`: its key's line and the indented or list lines that continue it. */
function frontMatterEntry(lines: readonly string[], i: number): [number, number] | undefined {
  if (lines[0]?.trim() !== '---') return undefined;
  const close = lines.findIndex((l, j) => j > 0 && l.trim() === '---');
  if (close === -1 || i <= 0 || i >= close) return undefined;
  const key = (l: string) => /^[A-Za-z_][\w.-]{0,80}\s{0,4}:/.test(l);
  let s = i;
  while (s > 1 && !key(lines[s]!)) s--;
  if (!key(lines[s]!)) return undefined;
  let e = i;
  while (e + 1 < close && !key(lines[e + 1]!)) e++;
  return [s, e];
}

/** The first and last line (0-based, inclusive) of the unit line `i` of `lines` belongs to. */
export function unitAround(lines: readonly string[], i: number): [number, number] {
  return jsonObject(lines, i) ?? frontMatterEntry(lines, i) ?? [i, i];
}

/**
 * After lines `from`..`to` of a JSON array or object are taken out: the line before them whose trailing comma
 * would now stand before a closing bracket (the taken record was the last), or undefined.
 */
export function danglingComma(lines: readonly string[], from: number, to: number): number | undefined {
  if (/,\s*$/.test(lines[to]!) || from === 0) return undefined;
  return /,\s*$/.test(lines[from - 1]!) && /^\s*[\]}]/.test(lines[to + 1] ?? '') ? from - 1 : undefined;
}
