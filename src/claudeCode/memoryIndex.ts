import { posix } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { applyChanges } from '../memory/apply.js';
import { appliedChanges, tierOf, type Change, type ChangeSet, type Finding, type Move } from '../memory/changeSet.js';
import { isArchivePath } from '../memory/paths.js';
import type { MemoryStore } from '../memory/store.js';

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
  /** Lines taken out because their topic file left the store (archived or merged), and where it went. */
  removed: { line: number; section: string; text: string; file: string; to: string }[];
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

/** An index's size as Claude Code counts it. */
const size = (ls: string[]) => ({ lines: ls.length, bytes: Buffer.byteLength(ls.join('\n') + '\n', 'utf8') });

/** Whether an index fits what Claude Code loads at session start. */
const fits = (ls: string[]) => {
  const s = size(ls);
  return s.lines <= indexLimits.lines && s.bytes <= indexLimits.bytes;
};

/** Where a topic file went: renamed, archived whole, or merged (the first place its lines moved to). */
function whereWent(
  p: string,
  renamedTo: Map<string, string>,
  candidate: MemoryStore,
  changeSet: ChangeSet,
): { to?: string; relink: boolean } {
  const to = renamedTo.get(p);
  if (to) return { to, relink: !isArchivePath(to) };
  const archived = `/archive${p}`;
  if (candidate.get(archived) !== undefined) return { to: archived, relink: false };
  const change = appliedChanges(changeSet.changes).find((c) => c.path === p);
  const merged = [
    ...(change?.moved ?? []).map((m) => m.to.path),
    ...[...(change?.detail ?? '').matchAll(/\/[^\s,;:)"'`]+/g)].map((m) => m[0].replace(/\.$/, '')),
  ].find((x) => x !== p && candidate.get(x) !== undefined);
  return merged ? { to: merged, relink: false } : { relink: false };
}

/** Lines for the topic files the dream created and the index does not list, while the index fits. */
function indexCreated(
  at: {
    base: MemoryStore;
    candidate: MemoryStore;
    renamedTo: Map<string, string>;
    linked: Set<string>;
    eol: string;
  },
  body: string[],
  fits: (ls: string[]) => boolean,
  report: IndexReport,
): void {
  const { base, candidate, renamedTo, linked, eol } = at;
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
}

/** A finding when the index is longer than Claude Code loads at session start. */
function overLimitFindings(report: IndexReport): Finding[] {
  return report.overLimit
    ? [
        {
          kind: 'stale',
          detail: `${indexPath} has ${report.lines} lines, ${report.bytes} bytes: Claude Code loads the first ${indexLimits.lines} lines or ${indexLimits.bytes} bytes, so the rest is not seen at session start`,
          at: [{ path: indexPath, section: '', line: Math.min(report.lines, indexLimits.lines + 1) }],
        },
      ]
    : [];
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
  const whereTo = (p: string) => whereWent(p, renamedTo, candidate, changeSet);

  const eol = index.includes('\r\n') ? '\r\n' : '\n';
  const baseLines = (base.get(indexPath) ?? '').split('\n');
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
  let section = '';
  lines.forEach((line, i) => {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line.replace(/\r$/, ''));
    if (heading) section = heading[1]!;
    const links = [...line.matchAll(linkPattern)]
      .map((m) => ({ href: m[2]!, path: linkTarget(m[2]!) }))
      .filter((l): l is { href: string; path: string } => l.path !== undefined);
    // a line new to the index that lists only files already listed (both sides added it): the index lists each once
    if (links.length > 0 && links.every((l) => linked.has(l.path)) && !baseLines.includes(line)) return;
    let text = line;
    let dropped: { file: string; to: string } | undefined;
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
      } else if (w.to) dropped ??= { file: l.path, to: w.to };
      else live++; // nowhere to point it: the line stays rather than vanish without a trace
    }
    if (dropped && live === 0) {
      const at = baseLines.indexOf(line); // the line as the base store numbers it (the dreamer may have edited the index)
      report.removed.push({ line: at === -1 ? i + 1 : at + 1, section, text: line.replace(/\r$/, ''), ...dropped });
    } else kept.push(text);
  });

  const trailing = kept.length > 0 && kept.at(-1)!.replace(/\r$/, '') === '';
  const body = trailing ? kept.slice(0, -1) : kept;
  indexCreated({ base, candidate, renamedTo, linked, eol }, body, fits, report);
  const next = body.join('\n') + (trailing || body.length === 0 ? '\n' : '');
  const s = size(body);
  report.lines = s.lines;
  report.bytes = s.bytes;
  report.overLimit = !fits(body);

  const findings = overLimitFindings(report);
  const withFindings = findings.length ? { ...changeSet, findings: [...changeSet.findings, ...findings] } : changeSet;
  const touched = report.relinked.length + report.removed.length + report.added.length > 0;
  if (!touched) return { changeSet: withFindings, ...(report.overLimit || report.unindexed.length ? { report } : {}) };
  const moved: Move[] = report.removed.map((r) => ({
    from: { path: indexPath, section: r.section, line: r.line },
    to: { path: r.to, section: '', line: 1 },
  }));
  return {
    changeSet: { ...withFindings, changes: withIndex(base, changeSet.changes, next, summary(report), moved) },
    report,
  };
}

/** One line for a reviewer: what happened to the index, and how full it is. */
export function summary(r: IndexReport): string {
  const parts = [
    ...r.relinked.map((x) => `relinked ${x.from} → ${x.to}`),
    ...r.removed.map((x) => `line ${x.line} (${x.file}) removed: the file went to ${x.to}`),
    ...(r.added.length ? [`added ${r.added.join(', ')}`] : []),
    ...(r.unindexed.length ? [`no room for ${r.unindexed.join(', ')}`] : []),
  ];
  const fill = `${r.lines}/${indexLimits.lines} lines, ${(r.bytes / 1000).toFixed(1)}/${indexLimits.bytes / 1000} KB${r.overLimit ? ' (over what Claude Code loads)' : ''}`;
  const text = `index kept in step with the topic files: ${parts.join('; ')}; ${fill}`;
  return text.length > 300 ? `${text.slice(0, 250)}… (${parts.length} index edits); ${fill}` : text;
}

function withIndex(
  base: MemoryStore,
  changes: readonly Change[],
  after: string,
  detail: string,
  moved: Move[],
): Change[] {
  const i = changes.findIndex((c) => c.path === indexPath && tierOf(c) === 'applied');
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
        ...(moved.length ? { moved } : {}),
      },
    ];
  const c = changes[i]!;
  const all = [...(c.moved ?? []), ...moved];
  return changes.map((x, j) =>
    j === i ? { ...c, after, detail: `${c.detail}; ${detail}`, ...(all.length ? { moved: all } : {}) } : x,
  );
}
