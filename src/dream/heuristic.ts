import type { Evidence } from '../memory/changeSet.js';
import { isArchivePath } from '../memory/paths.js';
import { MemoryStore } from '../memory/store.js';
import type { Consolidation, Dreamer, PreparedInput } from './dreamer.js';
import type { Ledger } from './ledger.js';
import { convergedWorkflows, recurringMistakes } from './patterns.js';
import {
  candidatePairs,
  isFactLine,
  isNearDuplicate,
  type KeyedFact,
  minhash,
  normalizeLine,
  parseKeyedFact,
  salientTokens,
  shingles,
  stripMarkup,
} from './text.js';

export const lessonsPath = '/lessons/recurring-mistakes.md';
export const workflowsPath = '/workflows/converged.md';

interface Written {
  at: number;
  sessionId: string;
  eventId: string;
}

interface Line {
  path: string;
  index: number;
  text: string;
  norm: string;
  heading: string;
  fact?: KeyedFact;
  written?: Written;
  removed?: boolean;
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const quote = (s: string) => `"${stripMarkup(s).slice(0, 120)}"`;
const evidenceOf = (w?: Written): Evidence[] => (w ? [{ session_id: w.sessionId, event_id: w.eventId }] : []);
/** Newest first; a line with no write event is older than any that has one (SPEC §2); then store order. */
const newer = (a: Line, b: Line) =>
  (b.written?.at ?? -Infinity) - (a.written?.at ?? -Infinity) ||
  (a.path < b.path ? -1 : a.path > b.path ? 1 : a.index - b.index);

/**
 * The offline dreamer: deterministic, no key, no network. Merges duplicates, resolves contradictions by
 * recency (the loser goes to /archive/), and writes recurring mistakes and converged workflows as memory.
 */
export class HeuristicDreamer implements Dreamer {
  readonly name = 'heuristic';

  async consolidate(input: PreparedInput): Promise<Consolidation> {
    const { store, ledger } = input;
    const lines = this.readLines(store, input);
    const archive = new Map<string, string[]>();
    this.resolveContradictions(lines, archive, ledger);
    this.mergeDuplicates(lines, ledger);

    const files = new Map(store.files);
    const byPath = new Map<string, Line[]>();
    for (const l of lines) byPath.set(l.path, [...(byPath.get(l.path) ?? []), l]);
    for (const [path, ls] of byPath) {
      if (!ls.some((l) => l.removed)) continue;
      const removed = new Set(ls.filter((l) => l.removed).map((l) => l.index));
      const kept = store
        .get(path)!
        .split('\n')
        .filter((_, i) => !removed.has(i));
      if (kept.some(isFactLine)) files.set(path, kept.join('\n'));
      else files.delete(path); // nothing left but structure: every line's destination is in the detail
    }
    for (const [path, added] of archive) {
      const target = `/archive${path}`;
      const existing =
        files.get(target) ?? `# Archive of ${path}\n\nSuperseded memory, kept as history (not current knowledge).\n`;
      files.set(target, `${existing.replace(/\n*$/, '\n')}${added.join('\n')}\n`);
      ledger.note(target, 'superseded', `superseded lines from ${path} kept as history`);
    }
    this.writePatterns(files, input);
    return { store: MemoryStore.from(files) };
  }

  private readLines(store: MemoryStore, input: PreparedInput): Line[] {
    const byPathNorm = new Map<string, Written>();
    const byNorm = new Map<string, Written>();
    const remember = (map: Map<string, Written>, key: string, w: Written) => {
      const old = map.get(key);
      if (!old || old.at < w.at) map.set(key, w);
    };
    for (const s of input.sessions) {
      for (const w of s.memoryWrites) {
        for (const l of w.lines) {
          if (!isFactLine(l)) continue;
          const written = { at: w.at, sessionId: s.sessionId, eventId: w.eventId };
          remember(byPathNorm, `${w.path}\0${normalizeLine(l)}`, written);
          remember(byNorm, normalizeLine(l), written);
        }
      }
    }
    const lines: Line[] = [];
    for (const [path, content] of store.files) {
      if (isArchivePath(path)) continue; // history, not current knowledge
      let heading = '';
      content.split('\n').forEach((text, index) => {
        if (/^\s*#/.test(text)) heading = text.trim().toLowerCase();
        if (!isFactLine(text)) return;
        const norm = normalizeLine(text);
        const written = byPathNorm.get(`${path}\0${norm}`) ?? byNorm.get(norm);
        const fact = parseKeyedFact(text);
        lines.push({ path, index, text, norm, heading, ...(fact ? { fact } : {}), ...(written ? { written } : {}) });
      });
    }
    return lines;
  }

  /** A one-word subject ("owner") is only the same fact within one file and section; a longer one, anywhere. */
  private scope(l: Line): string {
    const f = l.fact!;
    return f.subject.includes(' ') ? f.subject : `${l.path}\0${l.heading}\0${f.subject}`;
  }

  private resolveContradictions(lines: Line[], archive: Map<string, string[]>, ledger: Ledger): void {
    const groups = new Map<string, Line[]>();
    for (const l of lines) if (l.fact) groups.set(this.scope(l), [...(groups.get(this.scope(l)) ?? []), l]);
    for (const group of groups.values()) {
      const values = new Set(group.map((l) => l.fact!.value));
      if (values.size < 2) continue;
      const ordered = [...group].sort(newer);
      const winner = ordered[0]!;
      const runnerUp = ordered.find((l) => l.fact!.value !== winner.fact!.value)!;
      // no write tells them apart: leave the contradiction for a reviewer rather than guess
      if ((winner.written?.at ?? -Infinity) === (runnerUp.written?.at ?? -Infinity)) continue;
      const when = winner.written ? ` (${winner.written.sessionId}, ${day(winner.written.at)})` : '';
      for (const l of ordered) {
        if (l.fact!.value === winner.fact!.value || l.removed) continue;
        l.removed = true;
        const archived = archive.get(l.path) ?? [];
        if (!archived.some((a) => normalizeLine(a.split(' <!--')[0]!) === l.norm)) {
          archived.push(`${l.text.trim()} <!-- superseded by ${quote(winner.text)} in ${winner.path}${when} -->`);
        }
        archive.set(l.path, archived);
        ledger.note(
          l.path,
          'superseded',
          `${l.fact!.subject}: ${quote(l.fact!.value)} superseded by ${quote(winner.fact!.value)}${when}; old line moved to /archive${l.path}`,
          evidenceOf(winner.written),
        );
      }
    }
  }

  private mergeDuplicates(lines: Line[], ledger: Ledger): void {
    const live = lines.filter((l) => !l.removed);
    const parent = live.map((_, i) => i);
    const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)));
    const union = (a: number, b: number) => {
      const [x, y] = [find(a), find(b)];
      if (x !== y) parent[Math.max(x, y)] = Math.min(x, y);
    };
    const exact = new Map<string, number>();
    live.forEach((l, i) => {
      const j = exact.get(l.norm);
      if (j === undefined) exact.set(l.norm, i);
      else union(i, j);
    });
    // near duplicates share their numbers, hosts and identifiers: only lines with the same ones are compared
    const groups = new Map<string, number[]>();
    live.forEach((l, i) => {
      const t = salientTokens(l.text);
      const g = groups.get(t);
      if (g) g.push(i);
      else groups.set(t, [i]);
    });
    for (const [t, members] of groups) {
      if (members.length < 2) continue;
      const sh = members.map((i) => shingles(live[i]!.text));
      // small groups are compared pair by pair; large ones through MinHash candidates
      const pairs: Array<[number, number]> =
        members.length <= 40
          ? members.flatMap((_, a) => members.slice(a + 1).map((__, k) => [a, a + 1 + k] as [number, number]))
          : candidatePairs(sh.map(minhash));
      for (const [a, b] of pairs) {
        const [i, j] = [members[a]!, members[b]!];
        if (find(i) === find(j)) continue; // already one cluster
        const [x, y] = [live[i]!, live[j]!];
        if (x.fact && y.fact && (this.scope(x) !== this.scope(y) || x.fact.value !== y.fact.value)) continue;
        if (isNearDuplicate(x.text, y.text, sh[a], sh[b], t, t)) union(i, j);
      }
    }
    const clusters = new Map<number, Line[]>();
    live.forEach((l, i) => clusters.set(find(i), [...(clusters.get(find(i)) ?? []), l]));
    for (const cluster of clusters.values()) {
      if (cluster.length < 2) continue;
      // newest wins; with no write to tell, the copy in the file that holds most of them (its topical home)
      const perPath = new Map<string, number>();
      for (const l of cluster) perPath.set(l.path, (perPath.get(l.path) ?? 0) + 1);
      const [survivor, ...others] = [...cluster].sort(
        (a, b) =>
          (b.written?.at ?? -Infinity) - (a.written?.at ?? -Infinity) ||
          perPath.get(b.path)! - perPath.get(a.path)! ||
          newer(a, b),
      );
      for (const l of others) {
        l.removed = true;
        const where = l.path === survivor!.path ? 'the same file' : survivor!.path;
        ledger.note(
          l.path,
          'duplicate',
          `${quote(l.text)} merged into ${quote(survivor!.text)} in ${where}`,
          evidenceOf(survivor!.written),
        );
      }
    }
  }

  private writePatterns(files: Map<string, string>, input: PreparedInput): void {
    const { ledger } = input;
    const lessons = recurringMistakes(input.sessions);
    if (lessons.length > 0) {
      const entries = lessons.map((l) => ({
        prefix: `- \`${l.tool}\` fails with "${l.error}"`,
        line: `- \`${l.tool}\` fails with "${l.error}"${l.fix ? ` — what worked next: \`${l.fix}\`` : ''} (seen in ${l.sessions.length} sessions: ${l.sessions.join(', ')})`,
        lesson: l,
      }));
      this.mergeEntries(
        files,
        lessonsPath,
        '# Recurring mistakes\n\nErrors seen in several sessions, and what worked after them.\n',
        entries,
        (e, old) =>
          ledger.note(
            lessonsPath,
            'recurring-mistake',
            old
              ? `${quote(old)} merged into the updated lesson ${quote(e.line)}`
              : `new lesson: ${e.lesson.tool} ${quote(e.lesson.error)} in ${e.lesson.sessions.length} sessions`,
            e.lesson.evidence,
          ),
      );
    }
    const workflows = convergedWorkflows(input.sessions);
    if (workflows.length > 0) {
      const entries = workflows.map((w) => ({
        prefix: `- ${w.steps.map((s) => `\`${s}\``).join(' → ')}`,
        line: `- ${w.steps.map((s) => `\`${s}\``).join(' → ')} (seen in ${w.sessions.length} sessions: ${w.sessions.join(', ')})`,
        workflow: w,
      }));
      this.mergeEntries(
        files,
        workflowsPath,
        '# Converged workflows\n\nTool sequences that several sessions followed to finish the same kind of task.\n',
        entries,
        (e, old) =>
          ledger.note(
            workflowsPath,
            'workflow',
            old
              ? `${quote(old)} merged into the updated workflow ${quote(e.line)}`
              : `new workflow of ${e.workflow.steps.length} steps in ${e.workflow.sessions.length} sessions`,
            e.workflow.evidence,
          ),
      );
    }
  }

  /** Adds each entry to a generated file, or updates the line that starts the same way (a rerun adds nothing twice). */
  private mergeEntries<E extends { prefix: string; line: string }>(
    files: Map<string, string>,
    path: string,
    header: string,
    entries: E[],
    noted: (e: E, replaced?: string) => void,
  ): void {
    const lines = (files.get(path) ?? header).split('\n');
    for (const e of entries) {
      const at = lines.findIndex((l) => l.startsWith(e.prefix));
      if (at === -1) {
        lines.splice(lines.at(-1) === '' ? lines.length - 1 : lines.length, 0, e.line);
        noted(e);
      } else if (lines[at] !== e.line) {
        const old = lines[at]!;
        lines[at] = e.line;
        noted(e, old);
      }
    }
    const text = `${lines.join('\n').replace(/\n*$/, '')}\n`;
    if (text !== files.get(path)) files.set(path, text);
  }
}
