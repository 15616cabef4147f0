/** Writing decisions back into documents: units taken out or replaced in place, old lines archived, every move noted. */
import { clipped, day, place, where, type Decision, type Fact } from './facts.js';
import { quote, type Ledger } from './ledger.js';
import { droppedLines, type MarkdownDocument } from './markdown.js';

export const archiveHeader = (path: string) =>
  `# Archive of ${path}\n\nLines taken out of ${path} (superseded, or held for a reviewer), each with where it was and why: history, not current knowledge.\n`;

const textOf = (f: Fact) => (f.decision?.kind === 'replaced' ? f.decision.text! : f.text);
const byWhere = (by: Fact, from: Fact, sections = true) =>
  `line ${by.line}${sections && by.section ? ` in "${clipped(by.section)}"` : ''}${by.path === from.path ? '' : ` of ${by.path}`}`;

/**
 * The files the decisions `taken` change, as they are once those decisions are made: units taken out or
 * replaced, archived lines appended to `/archive/<path>`. Only the decisions `noted` are described in the
 * ledger (a suggestion describes its own, over the applied tier it is made on); `paths`, when given, limits
 * the work to those files.
 */
export function rewrite(
  docs: ReadonlyMap<string, MarkdownDocument>,
  facts: readonly Fact[],
  store: ReadonlyMap<string, string>,
  taken: (d: Decision) => boolean,
  ledger: Ledger,
  noted: (d: Decision) => boolean = () => true,
  paths?: ReadonlySet<string>,
): Map<string, string> {
  const files = new Map<string, string>();
  const byPath = new Map<string, Fact[]>();
  for (const f of facts)
    if (f.decision && taken(f.decision) && (!paths || paths.has(f.path)))
      byPath.set(f.path, [...(byPath.get(f.path) ?? []), f]);
  const { cut, renumber } = cutLines(docs, byPath);
  const nowAt = (f: Fact) => renumber.get(f.path)?.[f.start] ?? f.start + 1;
  const archives = new Map<string, string[]>();
  for (const [path, decided] of byPath) {
    const lines = [...docs.get(path)!.lines];
    for (const f of decided)
      if (f.decision!.kind === 'replaced')
        // a unit of several lines keeps its lines: a value replaced within it changes the line that holds it
        f.decision!.text!.split('\n').forEach((l, i) => (lines[f.start + i] = l));
    files.set(path, lines.filter((_, i) => !cut.get(path)!.has(i)).join('\n'));
    for (const f of decided.sort((a, b) => a.start - b.start)) {
      if (f.decision!.kind !== 'duplicate') archiveOne({ docs, store, archives, ledger, noted }, path, f);
      else if (noted(f.decision!)) noteDuplicate(ledger, path, f, nowAt);
    }
  }
  for (const [target, entries] of archives) {
    const existing = store.get(target) ?? archiveHeader(target.slice('/archive'.length));
    files.set(target, `${existing.replace(/\n*$/, '\n')}${entries.join('\n')}\n`);
  }
  return files;
}

/** The lines each file loses, and every file's new line numbers, so a move can name where the survivor is. */
function cutLines(
  docs: ReadonlyMap<string, MarkdownDocument>,
  byPath: ReadonlyMap<string, Fact[]>,
): { cut: Map<string, Set<number>>; renumber: Map<string, number[]> } {
  const renumber = new Map<string, number[]>();
  const cut = new Map<string, Set<number>>();
  for (const [path, decided] of byPath) {
    const lines = docs.get(path)!.lines;
    const drop = new Set<number>();
    for (const f of decided) if (f.decision!.kind !== 'replaced') for (let i = f.start; i <= f.end; i++) drop.add(i);
    const all = droppedLines(lines, drop);
    cut.set(path, all);
    let n = 0;
    renumber.set(
      path,
      lines.map((_, i) => (all.has(i) ? -1 : ++n)),
    );
  }
  return { cut, renumber };
}

/** A duplicate taken out: the ledger names the copy kept, where it now is. */
function noteDuplicate(ledger: Ledger, path: string, f: Fact, nowAt: (f: Fact) => number): void {
  const { by, evidence } = f.decision!;
  ledger.note(
    path,
    'duplicate',
    `duplicate: ${where(f)} ${quote(f.text)} is the same fact as ${byWhere(by, f)}; one copy kept`,
    evidence,
    [{ from: place(f), to: { ...place(by), line: nowAt(by) } }],
    `duplicate: line ${f.line} = line ${by.line}${by.path === f.path ? '' : ` of ${by.path}`}`,
  );
}

interface Archiving {
  docs: ReadonlyMap<string, MarkdownDocument>;
  store: ReadonlyMap<string, string>;
  archives: Map<string, string[]>;
  ledger: Ledger;
  noted: (d: Decision) => boolean;
}

/** A superseded or replaced unit's old lines go to `/archive/<path>` with where they were and why. */
function archiveOne({ docs, store, archives, ledger, noted }: Archiving, path: string, f: Fact): void {
  const d = f.decision!;
  const { by, evidence } = d;
  // lines are named as the input has them; `moved.to` says where the line is in the output
  const at = byWhere(by, f);
  const target = `/archive${path}`;
  const entries = archives.get(target) ?? [];
  const when = by.written ? ` (${by.written.sessionId}, ${day(by.written.at)})` : '';
  // an archive note names lines, not section titles: a title is the store's text, not the dream's to repeat
  const shares = d.anchor === undefined ? '' : `; shares ${quote(d.anchor)}`;
  const why =
    d.kind === 'replaced'
      ? `replaced in place by the newer value of ${byWhere(by, f, false)}${when}${shares}`
      : `superseded by ${byWhere(by, f, false)}${when}`;
  entries.push(
    ...docs
      .get(path)!
      .lines.slice(f.start, f.end + 1)
      .map((l) => l.replace(/\r$/, '')),
    `  <!-- from ${f.path} line ${f.line}; ${why} -->`,
  );
  archives.set(target, entries);
  const existing = (store.get(target) ?? archiveHeader(path)).replace(/\n*$/, '\n').split('\n').length;
  const archiveLine = existing + entries.length - (f.end - f.start + 2);
  if (!noted(d)) return;
  ledger.note(
    path,
    'superseded',
    d.kind === 'replaced'
      ? `superseded: ${where(f)} ${quote(f.text)} now reads ${quote(d.text!)}, the newer value ${at} wrote${when}${shares}; old line moved to ${target}`
      : `superseded: ${where(f)} ${quote(f.text)} by ${at} ${quote(textOf(by))}${when}; old line moved to ${target}`,
    evidence,
    [{ from: place(f), to: { path: target, section: f.section, line: archiveLine } }],
    `superseded: line ${f.line} by line ${by.line}${by.path === f.path ? '' : ` of ${by.path}`}${when}`,
  );
  ledger.note(
    target,
    'superseded',
    `history of ${path}: superseded lines kept, each with where it was and what replaced it`,
  );
}
