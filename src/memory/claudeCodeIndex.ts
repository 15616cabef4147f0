import { posix } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { applyChanges } from './apply.js';
import type { Change, ChangeSet } from './changeSet.js';
import { isArchivePath } from './paths.js';
import type { MemoryStore } from './store.js';

/**
 * Claude Code's auto-memory index, `MEMORY.md`: one line per topic file (`- [Title](file.md) — hook`), loaded
 * at the start of every session up to its first 200 lines or 25,000 bytes (code.claude.com/docs/en/memory).
 * A dream that archives, merges or renames a topic file must update its line, and a topic file it creates
 * gets one, as long as the index stays within what Claude Code loads.
 */
export const indexPath = '/MEMORY.md';
export const indexLimits = { lines: 200, bytes: 25_000 } as const;

export interface IndexReport {
  lines: number;
  bytes: number;
  relinked: { from: string; to: string }[];
  /** Lines taken out because their topic file left the store (archived, merged or deleted), and where it went. */
  removed: { line: number; text: string; file: string; to?: string }[];
  added: string[];
  /** Topic files the dream created but the index had no room for. */
  unindexed: string[];
  /** The index is longer than Claude Code loads: lines past the limit are not seen at session start. */
  overLimit: boolean;
}

const linkPattern = /\[([^\]]*)\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g;

/** The store path a link of the index points at, or undefined for a URL, an anchor or a path outside the store. */
function linkTarget(href: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith('#')) return undefined;
  let target: string;
  try {
    target = decodeURIComponent(href.split('#')[0]!);
  } catch {
    return undefined;
  }
  if (target === '') return undefined;
  const p = posix.normalize(posix.join('/', target));
  return p.startsWith('/') && !p.startsWith('/..') ? p : undefined;
}

const relative = (path: string) => path.slice(1).split('/').map(encodeURIComponent).join('/');

/** A title and a one-line hook for a new topic file: front matter `name` / `description`, else its heading. */
function describe(path: string, content: string): { title: string; hook?: string } {
  const fm = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?/.exec(content);
  let meta: Record<string, unknown> = {};
  if (fm) {
    try {
      const parsed: unknown = parseYaml(fm[1]!);
      if (parsed && typeof parsed === 'object') meta = parsed as Record<string, unknown>;
    } catch {
      // front matter that is not YAML names nothing; the heading still may
    }
  }
  const body = fm ? content.slice(fm[0].length) : content;
  const heading = /^#{1,6}\s+(.+)$/m.exec(body)?.[1]?.trim();
  const firstLine = body
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l !== '' && !l.startsWith('#') && !l.startsWith('```'));
  const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
  const oneLine = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim().replace(/\s+/g, ' ') : undefined);
  const title = oneLine(meta.name) ?? heading ?? posix.basename(path).replace(/\.md$/i, '');
  const hook = oneLine(meta.description) ?? (firstLine ? firstLine.replace(/^[-*+]\s+/, '') : undefined);
  return { title: clip(title.replace(/[[\]]/g, ''), 80), ...(hook ? { hook: clip(hook, 120) } : {}) };
}

/**
 * The index a candidate store should have: lines of topic files that left the store removed (or relinked,
 * for a rename), lines for topic files the dream created added while the index stays within Claude Code's
 * loading limits. Returns the change set with its `/MEMORY.md` change set accordingly, and what was done.
 */
export function reconcileIndex(
  base: MemoryStore,
  changeSet: ChangeSet,
): { changeSet: ChangeSet; report?: IndexReport } {
  const candidate = applyChanges(base, changeSet);
  const index = candidate.get(indexPath);
  if (index === undefined) return { changeSet };

  const renamedTo = new Map<string, string>();
  for (const c of changeSet.changes) if (c.op === 'rename' && c.new_path) renamedTo.set(c.path, c.new_path);
  const gone = (p: string) => base.get(p) !== undefined && candidate.get(p) === undefined;
  const whereTo = (p: string) => {
    const to = renamedTo.get(p);
    if (to) return { to, relink: !isArchivePath(to) };
    const archived = `/archive${p}`;
    return candidate.get(archived) !== undefined ? { to: archived, relink: false } : { relink: false };
  };

  const eol = index.includes('\r\n') ? '\r\n' : '\n';
  const lines = index.split('\n');
  const report: IndexReport = {
    lines: 0,
    bytes: 0,
    relinked: [],
    removed: [],
    added: [],
    unindexed: [],
    overLimit: false,
  };
  const linked = new Set<string>();
  const kept: string[] = [];
  lines.forEach((line, i) => {
    const links = [...line.matchAll(linkPattern)]
      .map((m) => ({ href: m[2]!, path: linkTarget(m[2]!) }))
      .filter((l): l is { href: string; path: string } => l.path !== undefined);
    let text = line;
    let dropped: { file: string; to?: string } | undefined;
    let live = 0;
    for (const l of links) {
      if (!gone(l.path)) {
        live++;
        linked.add(l.path);
        continue;
      }
      const w = whereTo(l.path);
      if (w.relink && w.to) {
        text = text.replace(`(${l.href}`, `(${relative(w.to)}`);
        report.relinked.push({ from: l.path, to: w.to });
        linked.add(w.to);
        live++;
      } else dropped ??= { file: l.path, ...(w.to ? { to: w.to } : {}) };
    }
    if (dropped && live === 0) report.removed.push({ line: i + 1, text: line.replace(/\r$/, ''), ...dropped });
    else kept.push(text);
  });

  const trailing = kept.length > 0 && kept.at(-1)!.replace(/\r$/, '') === '';
  const body = trailing ? kept.slice(0, -1) : kept;
  const size = (ls: string[]) => ({ lines: ls.length, bytes: Buffer.byteLength(ls.join('\n') + '\n', 'utf8') });
  const fits = (ls: string[]) => {
    const s = size(ls);
    return s.lines <= indexLimits.lines && s.bytes <= indexLimits.bytes;
  };
  const created = candidate
    .paths()
    .filter(
      (p) =>
        base.get(p) === undefined &&
        p !== indexPath &&
        !isArchivePath(p) &&
        /\.md$/i.test(p) &&
        !linked.has(p) &&
        ![...renamedTo.values()].includes(p),
    );
  for (const p of created) {
    const d = describe(p, candidate.get(p)!);
    const entry = `- [${d.title}](${relative(p)})${d.hook ? ` — ${d.hook}` : ''}${eol === '\r\n' ? '\r' : ''}`;
    if (fits([...body, entry])) {
      body.push(entry);
      report.added.push(p);
    } else report.unindexed.push(p);
  }
  const next = body.join('\n') + (trailing || body.length === 0 ? '\n' : '');
  const s = size(body);
  report.lines = s.lines;
  report.bytes = s.bytes;
  report.overLimit = !fits(body);

  const touched = report.relinked.length + report.removed.length + report.added.length > 0;
  if (!touched) return report.overLimit || report.unindexed.length > 0 ? { changeSet, report } : { changeSet };
  return { changeSet: { ...changeSet, changes: withIndex(base, changeSet.changes, next, summary(report)) }, report };
}

/** One line for a reviewer: what happened to the index, and how full it is. */
export function summary(r: IndexReport): string {
  const parts = [
    ...r.relinked.map((x) => `relinked ${x.from} → ${x.to}`),
    ...r.removed.map((x) => `line ${x.line} of ${x.file} removed (${x.to ? `moved to ${x.to}` : 'file deleted'})`),
    ...(r.added.length ? [`added ${r.added.join(', ')}`] : []),
    ...(r.unindexed.length ? [`no room for ${r.unindexed.join(', ')}`] : []),
  ];
  const fill = `${r.lines}/${indexLimits.lines} lines, ${(r.bytes / 1000).toFixed(1)}/${indexLimits.bytes / 1000} KB${r.overLimit ? ' (over what Claude Code loads)' : ''}`;
  const text = `index kept in step with the topic files: ${parts.join('; ')}; ${fill}`;
  return text.length > 300 ? `${text.slice(0, 250)}… (${parts.length} index edits); ${fill}` : text;
}

function withIndex(base: MemoryStore, changes: readonly Change[], after: string, detail: string): Change[] {
  const i = changes.findIndex((c) => c.path === indexPath);
  if (i === -1)
    return [
      ...changes,
      {
        op: 'update',
        path: indexPath,
        before_sha256: base.fileHash(indexPath)!,
        after,
        reason: 'reorganize',
        detail,
        evidence: [],
      },
    ];
  const c = changes[i]!;
  return changes.map((x, j) => (j === i ? { ...c, after, detail: `${c.detail}; ${detail}` } : x));
}
