/**
 * `npm run bench -- --realworld <dir>`: what the offline dreamer does to real agents' memory. `<dir>` holds
 * one folder per store, each with `memory/` (SPEC §1) and `sessions/<agent>/*.jsonl` (SPEC §2). For each
 * store: a dream with no sessions (nothing new to learn: little should change) and a dream with its
 * sessions. The figures are measured on the output against the input by checks of their own (line-based,
 * not the dreamer's parser), so a dreamer that damages structure cannot hide it.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { HeuristicDreamer, lessonsPath } from '../src/dream/heuristic.js';
import { runDream } from '../src/dream/run.js';
import type { ChangeSet } from '../src/memory/changeSet.js';
import { LocalDirStore } from '../src/memory/localDir.js';
import type { MemoryStore } from '../src/memory/store.js';
import { redactSecrets } from '../src/sessions/screen.js';
import { selectSessions } from '../src/sessions/source.js';
import { parse as parseYaml } from 'yaml';

export interface DreamFigures {
  filesChanged: number;
  linesRemoved: number;
  /** Lines removed as a share of the store's non-blank lines. */
  removedShare: number;
  structureBreaks: string[];
  linesLost: string[];
  quarantined: string[];
  redactions: number;
  superseded: number;
  duplicatesRemoved: number;
  findings: number;
  lessons: number;
  skipped: number;
}

export interface StoreFigures {
  store: string;
  files: number;
  lines: number;
  sessions: number;
  empty: DreamFigures;
  withSessions: DreamFigures;
}

const nonBlank = (text: string) => text.split('\n').filter((l) => l.trim() !== '');

/** Lines of a markdown file that are structure: front matter, headings, table rows, fenced code. */
function structureLines(text: string): { kind: string; line: string }[] {
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

async function figures(input: MemoryStore, out: MemoryStore, cs: ChangeSet): Promise<DreamFigures> {
  // what a dream must keep is measured against the input with its secrets redacted: a redaction is not damage
  const before = new Map<string, string>();
  for (const [p, c] of input.files) before.set(p, (await redactSecrets(c)).text);
  const quarantined = new Set(cs.quarantined.flatMap((q) => q.removed_lines.map((r) => `${r.path}\0${r.line.trim()}`)));
  const everywhere = new Set([...out.files.values()].flatMap((c) => c.split('\n').map((l) => l.trim())));
  let filesChanged = 0;
  let linesRemoved = 0;
  const breaks: string[] = [];
  const lost: string[] = [];
  for (const [path, text] of before) {
    const after = out.get(path);
    if (after === undefined) {
      breaks.push(`${path}: deleted`);
      continue;
    }
    if (after !== input.get(path)) filesChanged++;
    // counted line by line: a duplicate taken out is a line removed, though its twin stays
    const kept = new Map<string, number>();
    for (const l of after.split('\n')) kept.set(l.trim(), (kept.get(l.trim()) ?? 0) + 1);
    for (const l of nonBlank(text)) {
      const n = kept.get(l.trim()) ?? 0;
      if (n > 0) {
        kept.set(l.trim(), n - 1);
        continue;
      }
      linesRemoved++;
      if (!everywhere.has(l.trim()) && !quarantined.has(`${path}\0${l.trim()}`))
        lost.push(`${path}: ${l.trim().slice(0, 80)}`);
    }
    const left = new Map<string, number>();
    for (const s of structureLines(after))
      left.set(`${s.kind}\0${s.line}`, (left.get(`${s.kind}\0${s.line}`) ?? 0) + 1);
    for (const s of structureLines(text)) {
      const k = `${s.kind}\0${s.line}`;
      const n = left.get(k) ?? 0;
      if (n > 0) left.set(k, n - 1);
      else if (!quarantined.has(`${path}\0${s.line.trim()}`))
        breaks.push(`${path}: ${s.kind} ${JSON.stringify(s.line.slice(0, 60))} gone`);
    }
    if (parses(path, text) === true && parses(path, after) === false) breaks.push(`${path}: no longer parses`);
  }
  for (const path of input.skipped.keys())
    if (out.fileHash(path) !== input.fileHash(path)) breaks.push(`${path}: a skipped file changed`);
  const lines = [...before.values()].reduce((n, t) => n + nonBlank(t).length, 0);
  // a move to /archive/ is a superseded line; any other move, a duplicate that went to its surviving copy
  const moves = cs.changes.flatMap((c) => c.moved ?? []);
  return {
    filesChanged,
    linesRemoved,
    removedShare: lines === 0 ? 0 : linesRemoved / lines,
    structureBreaks: breaks,
    linesLost: lost,
    quarantined: cs.quarantined.map((q) => q.session_id),
    redactions: cs.redactions.filter((r) => r.where.startsWith('/')).reduce((n, r) => n + r.count, 0),
    superseded: moves.filter((m) => m.to.path.startsWith('/archive/')).length,
    duplicatesRemoved: moves.filter(
      (m) => !m.to.path.startsWith('/archive/') && !(m.to.path === m.from.path && m.to.line === m.from.line),
    ).length,
    findings: cs.findings.length,
    lessons: nonBlank(out.get(lessonsPath) ?? '').filter((l) => l.startsWith('- ')).length,
    skipped: cs.skipped.length,
  };
}

export async function realworldBenchmark(dir: string, log: (line: string) => void = () => {}): Promise<StoreFigures[]> {
  const out: StoreFigures[] = [];
  for (const name of (await readdir(dir)).sort()) {
    const memory = join(dir, name, 'memory');
    const sessionsRoot = join(dir, name, 'sessions');
    if (!(await stat(memory).catch(() => undefined))?.isDirectory()) continue;
    const agents = (await readdir(sessionsRoot, { withFileTypes: true }).catch(() => []))
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    const agent = agents[0] ?? 'agent';
    log(`realworld: ${name} (agent ${agent})…`);
    const store = await new LocalDirStore(memory).read();
    const dream = (sessions: Awaited<ReturnType<typeof selectSessions>>) =>
      runDream(new HeuristicDreamer(), { agentId: agent, snapshotId: null, store, sessions });
    const empty = await dream({ sessions: [], invalid: [] });
    const selection = agents.length ? await selectSessions(sessionsRoot, agent) : { sessions: [], invalid: [] };
    const full = await dream(selection);
    out.push({
      store: name,
      files: store.size,
      lines: [...store.files.values()].reduce((n, t) => n + nonBlank(t).length, 0),
      sessions: selection.sessions.length,
      empty: await figures(store, empty.store, empty.changeSet),
      withSessions: await figures(store, full.store, full.changeSet),
    });
  }
  return out;
}

export function realworldTable(rows: StoreFigures[]): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
  const lines = [
    '| store | files / lines | no sessions: files changed, lines removed | structure breaks | lines lost | sessions | quarantined | redactions | superseded | duplicates removed | findings | lessons | skipped |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map((r) => {
      const e = r.empty;
      const s = r.withSessions;
      return `| ${r.store} | ${r.files} / ${r.lines} | ${e.filesChanged}, ${e.linesRemoved} (${pct(e.removedShare)}) | ${e.structureBreaks.length} / ${s.structureBreaks.length} | ${e.linesLost.length} / ${s.linesLost.length} | ${r.sessions} | ${s.quarantined.join(', ') || 0} | ${s.redactions} | ${s.superseded} | ${s.duplicatesRemoved} | ${s.findings} | ${s.lessons} | ${s.skipped} |`;
    }),
  ];
  const problems = rows.flatMap((r) =>
    [
      ...r.empty.structureBreaks,
      ...r.withSessions.structureBreaks,
      ...r.empty.linesLost,
      ...r.withSessions.linesLost,
    ].map((p) => `  ${r.store}: ${p}`),
  );
  return [
    ...lines,
    '',
    '(structure breaks and lines lost: without sessions / with them; the other columns are the dream with sessions)',
    ...(problems.length ? ['', 'problems:', ...problems] : []),
  ].join('\n');
}
