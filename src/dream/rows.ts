/**
 * Table rows as the old place of an update: `| Runtime | .NET 8 |`, `| vehicle_poll_interval_minutes | … | 60 |`.
 * A row is never a unit a dream takes out; it is a line whose value a session's newer line may replace in place
 * (the row keeps its cells, the old row goes to the archive), offered as a suggestion. The cells come from the
 * row's own pipes (a pipe in a code span or escaped is text), as the markdown tree found the row.
 */
import type { PreparedInput } from './dreamer.js';
import type { Fact } from './facts.js';
import { cellsOf, type MarkdownDocument } from './markdown.js';
import { anchoredValues, anchorOf, token, type Anchored } from './anchors.js';
import { normalizeLine } from './text.js';
import { valuesOf } from './valueAlign.js';
import { isAtomic } from './values.js';

/**
 * The values a row gives its names: a name and the number after it in one cell (`.NET 8`), and each name of the
 * key cell (the first) with the row's one atomic number cell (`60`), when the row has exactly one.
 */
export function rowAnchors(line: string): Anchored[] {
  const out = anchoredValues(line);
  const cells = cellsOf(line);
  const [key, ...rest] = cells;
  if (!key) return out;
  const numbers = rest.filter((c) => {
    const v = c.text.replace(/[*_`]/g, '').trim();
    return v !== '' && isAtomic(v) && valuesOf(v).some((x) => x.kind === 'number' && x.text === v.split(/\s/)[0]);
  });
  if (numbers.length !== 1) return out;
  const cell = numbers[0]!;
  const value = valuesOf(line).find((v) => v.kind === 'number' && v.at >= cell.at && v.at < cell.at + cell.text.length);
  if (!value) return out;
  for (const m of key.text.replace(/`/g, ' ').matchAll(token)) {
    const anchor = anchorOf(m[0]);
    if (anchor !== undefined && !out.some((a) => a.anchor === anchor)) out.push({ anchor, value });
  }
  return out;
}

/** The tables' body rows of the store's documents, as facts a newer line may update (dated by no write). */
export function rowFacts(docs: ReadonlyMap<string, MarkdownDocument>, input: PreparedInput): Fact[] {
  const out: Fact[] = [];
  for (const doc of docs.values())
    for (const i of doc.rows) {
      const text = doc.lines[i]!;
      const section = doc.headings.filter((h) => h.line < i).at(-1)?.text ?? '';
      out.push({
        path: doc.path,
        start: i,
        end: i,
        text,
        scope: `${doc.path}\0table\0${i}`,
        block: i,
        section,
        removable: true,
        checked: null,
        line: input.inputLine(doc.path, i + 1),
        lastLine: input.inputLine(doc.path, i + 1),
        norm: normalizeLine(text),
        row: true,
      });
    }
  return out;
}
