/** Credentials in markdown tables: a row `| Password | value |`, or a column whose header names a credential. */
import { allNames, alternation, familyOf, unspacedScript } from './credentialNames.js';
import { secretValue, valueAt, type Candidate, type Label } from './credentialValues.js';

/**
 * Table rows: a row `| Password | value |`, or a column whose header names a credential. A cell whose text
 * comes back down its column (`| ✅ PASS |` in every row) may be a status, not a label: then it labels only a
 * value that fills its cell (`| ✅ PASS | Save/load/defaults working |` is a sentence).
 */
export function tableSpans(text: string): Candidate[] {
  if (!text.includes('|')) return [];
  const out: Candidate[] = [];
  let header: string[] | undefined;
  let offset = 0;
  const lines = text.split('\n');
  const repeated = repeatedCells(lines);
  lines.forEach((line, n) => {
    const row = /^\s{0,3}\|/.test(line);
    if (!row) header = undefined;
    else if (/^\s{0,3}\|[\s:|-]{1,400}$/.test(line))
      void 0; // the delimiter row
    else {
      const cells = cellsOf(line);
      cells.forEach((cell, i) => {
        const rowLabel = labelOfCell(cells[i - 1]?.text);
        const label = rowLabel ?? (header ? labelOfCell(header[i]) : undefined);
        if (!label) return;
        const v = valueAt(line, cell.start);
        // a status down its column labels no value; a value it seems to label is the head of a sentence
        const status = rowLabel && repeated.has(`${n}\u0000${i - 1}`) && v && line.slice(v.end, cell.end).trim() !== '';
        if (v && v.end <= cell.end && !status && secretValue(v, label))
          out.push({
            start: offset + v.start,
            end: offset + v.end,
            kind: label.family === 'password' ? 'password' : 'labelled-key',
          });
      });
      header ??= cells.map((c) => c.text);
    }
    offset += line.length + 1;
  });
  return out;
}

/** `line\u0000column` of every cell whose text stands in the same column in another row of its table. */
function repeatedCells(lines: readonly string[]): Set<string> {
  const out = new Set<string>();
  let table = new Map<string, string[]>();
  const close = () => {
    for (const places of table.values()) if (places.length > 1) places.forEach((p) => out.add(p));
    table = new Map();
  };
  lines.forEach((line, n) => {
    if (!/^\s{0,3}\|/.test(line)) return close();
    cellsOf(line).forEach((c, i) => {
      const key = `${i}\u0000${c.text}`;
      if (c.text) table.set(key, [...(table.get(key) ?? []), `${n}\u0000${i}`]);
    });
  });
  close();
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

export const cellName = new RegExp(`(?:${alternation(allNames)})$`, 'iu');

function labelOfCell(cell: string | undefined): Label | undefined {
  const name = cell?.replace(/[*_`]/g, '').trim() ?? '';
  if (name.length === 0 || name.length > 40) return undefined;
  const m = cellName.exec(name);
  if (!m || (m.index > 0 && /[\p{L}\p{N}]/u.test(name[m.index - 1]!) && !unspacedScript.test(m[0]))) return undefined;
  const family = familyOf(m[0]);
  return { family, strong: family !== 'key' || !/^key$/i.test(m[0]), assignment: false, words: [m[0].toLowerCase()] };
}
