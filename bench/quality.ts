import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeuristicDreamer, lessonsPath } from '../src/dream/heuristic.js';
import { runDream } from '../src/dream/run.js';
import { acceptSuggestions } from '../src/dream/tiers.js';
import { parseKeyedFact, stripMarkup, isFactLine } from '../src/dream/text.js';
import { isArchivePath } from '../src/memory/paths.js';
import { MemoryStore } from '../src/memory/store.js';
import { errorHeadline } from '../src/sessions/errors.js';
import { selectSessions } from '../src/sources/sessions.js';
import { applyWrites, writtenLines } from './memoryTool.js';
import { syntheticAgent, type SyntheticAgent } from './synthetic.js';

/**
 * `heuristic`: an automatic cycle, which promotes the applied tier only; `heuristic + review`: a reviewer
 * who accepts every suggestion each night (`dream --accept suggested`).
 */
export type Strategy = 'append-only' | 'latest-write-wins' | 'heuristic' | 'heuristic + review';
export const strategies: Strategy[] = ['append-only', 'latest-write-wins', 'heuristic', 'heuristic + review'];

export interface QualityFigures {
  strategy: Strategy;
  agents: number;
  cycles: number;
  currentFactRecall: number;
  staleFactResidue: number;
  /** Rare facts in neither current memory, the archive, nor a quarantine report. */
  rareFactLoss: number;
  /** Rare facts a quarantined session wrote: out of memory, held in the report for a reviewer. */
  rareFactsQuarantined: number;
  dedupPrecision: number | null;
  dedupRecall: number;
  lessonPrecision: number | null;
  lessonRecall: number;
  /** Suggestions left for a reviewer, per agent and night. */
  suggestionsPerNight: number;
  injectionsPersisted: number;
  secretsLeaked: number;
  storeBytes: number;
}

const current = (s: Map<string, string>) =>
  [...s]
    .filter(([p]) => !isArchivePath(p))
    .map(([, c]) => c)
    .join('\n');

/** The naive baseline: the last write of each subject wins, exact repeats go; no screening, no archive. */
function latestWriteWins(files: Map<string, string>, writeOrder: Map<string, number>): void {
  const newest = new Map<string, { order: number; line: string }>();
  for (const content of files.values()) {
    for (const line of content.split('\n')) {
      const f = parseKeyedFact(line);
      if (!f) continue;
      const order = writeOrder.get(line) ?? -1;
      const old = newest.get(f.subject);
      if (!old || order > old.order) newest.set(f.subject, { order, line });
    }
  }
  const seen = new Set<string>();
  for (const [path, content] of files) {
    const kept = content.split('\n').filter((line) => {
      const f = parseKeyedFact(line);
      if (f && newest.get(f.subject)?.line !== line) return false;
      if (isFactLine(line) && seen.has(line.trim())) return false;
      seen.add(line.trim());
      return true;
    });
    files.set(path, kept.join('\n'));
  }
}

async function simulate(agent: SyntheticAgent, strategy: Strategy) {
  const dir = await mkdtemp(join(tmpdir(), 'dg-bench-'));
  await mkdir(join(dir, agent.id));
  let files = new Map<string, string>();
  const writeOrder = new Map<string, number>();
  let order = 0;
  let rareLost = 0;
  let rareHeld = 0;
  const quarantinedLines = new Set<string>();
  let merges = 0;
  let rightMerges = 0;
  let changeSetsText = '';
  let suggestions = 0;
  const factOfText = new Map([...agent.truth.factOf].map(([line, fact]) => [stripMarkup(line).slice(0, 120), fact]));
  try {
    for (const night of agent.nights) {
      for (const s of night.sessions)
        await writeFile(join(dir, agent.id, `${s.id}.jsonl`), s.events.map((e) => JSON.stringify(e)).join('\n') + '\n');
      applyWrites(files, night.sessions);
      for (const s of night.sessions)
        for (const e of s.events)
          if (e.name === 'memory')
            for (const line of writtenLines(e.input as Record<string, unknown>)) writeOrder.set(line, ++order);
      if (strategy === 'latest-write-wins') latestWriteWins(files, writeOrder);
      if (strategy.startsWith('heuristic')) {
        const sessions = await selectSessions(dir, agent.id, { limit: 100 });
        const before = files;
        const input = MemoryStore.from(files);
        const dreamed = await runDream(new HeuristicDreamer(), {
          agentId: agent.id,
          snapshotId: null,
          store: input,
          sessions,
        });
        const suggested = new Set(dreamed.changeSet.changes.map((c) => c.suggestion).filter((n) => n !== undefined));
        suggestions += suggested.size;
        const { store, changeSet } =
          strategy === 'heuristic + review'
            ? (({ candidate, changeSet: cs }) => ({ store: candidate, changeSet: cs }))(
                acceptSuggestions(dreamed.changeSet, input, 'all'),
              )
            : {
                store: dreamed.store,
                changeSet: {
                  ...dreamed.changeSet,
                  changes: dreamed.changeSet.changes.filter((c) => c.tier !== 'suggested'),
                },
              };
        files = new Map(store.files);
        changeSetsText += JSON.stringify(dreamed.changeSet);
        for (const q of changeSet.quarantined) for (const r of q.removed_lines) quarantinedLines.add(r.line.trim());
        // a merge is a line moved to its surviving copy (not to the archive): right when both state one fact
        const lineAt = (f: Map<string, string>, path: string, line: number) =>
          stripMarkup(f.get(path)?.split('\n')[line - 1] ?? '').slice(0, 120);
        for (const c of changeSet.changes)
          for (const m of c.moved ?? []) {
            // to the archive: superseded; to the same place: an entry brought up to date, not a merge
            if (m.to.path.startsWith('/archive/') || (m.to.path === m.from.path && m.to.line === m.from.line)) continue;
            merges++;
            const [a, b] = [lineAt(before, m.from.path, m.from.line), lineAt(files, m.to.path, m.to.line)];
            const from = factOfText.get(a);
            // the line it joined states the same fact: as the agent wrote it, or with the value put in its place
            const [fa, fb] = [parseKeyedFact(a), parseKeyedFact(b)];
            const keyed = fa && fb && fa.subject === fb.subject && fa.value === fb.value;
            if (from !== undefined && (from === factOfText.get(b) || keyed)) rightMerges++;
          }
      }
      // a rare fact written so far is lost when it is nowhere: not in memory, not archived, not held in quarantine
      const text = current(files);
      const everywhere = [...files.values()].join('\n');
      const written = agent.truth.rare.filter((r) => writeOrder.has(`- ${r}`));
      const held = written.filter((r) => !text.includes(r) && quarantinedLines.has(`- ${r}`));
      rareHeld = Math.max(rareHeld, held.length);
      rareLost = Math.max(
        rareLost,
        written.filter((r) => !everywhere.includes(r) && !quarantinedLines.has(`- ${r}`)).length,
      );
    }
    return { files, merges, rightMerges, rareLost, rareHeld, changeSetsText, suggestions };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Extra copies of a fact left in current memory (a finding, information only, consolidates nothing). */
function duplicateLines(files: Map<string, string>, factOf: Map<string, string>): number {
  const copies = new Map<string, number>();
  for (const [path, content] of files) {
    if (isArchivePath(path)) continue;
    for (const line of content.split('\n')) {
      const fact = factOf.get(line.trim());
      if (!fact || fact === 'injection' || fact === 'secret') continue;
      copies.set(fact, (copies.get(fact) ?? 0) + 1);
    }
  }
  return [...copies.values()].reduce((s, n) => s + Math.max(0, n - 1), 0);
}

/** Thirty nights for each strategy over the same seeded agents. */
const sumKeys = [
  'recall',
  'subjects',
  'stale',
  'superseded',
  'rareLost',
  'rareHeld',
  'merges',
  'rightMerges',
  'dups',
  'dupsBase',
  'lessonsFound',
  'lessonLines',
  'lessonTrue',
  'lessonsTruth',
  'suggestions',
  'injections',
  'secrets',
  'bytes',
] as const;
type Sums = Record<(typeof sumKeys)[number], number>;
type Agent = SyntheticAgent;
type Simulated = Awaited<ReturnType<typeof simulate>>;

export async function qualityBenchmark(opts: { agents: number; nights: number }): Promise<QualityFigures[]> {
  const agents = Array.from({ length: opts.agents }, (_, i) => syntheticAgent(101 + i, opts.nights));
  const out: QualityFigures[] = [];
  const appendOnly = new Map<string, Map<string, string>>();
  for (const strategy of strategies) {
    const sums = Object.fromEntries(sumKeys.map((k) => [k, 0])) as Sums;
    for (const agent of agents) {
      const r = await simulate(agent, strategy);
      if (strategy === 'append-only') appendOnly.set(agent.id, r.files);
      addAgent(sums, agent, r, appendOnly.get(agent.id)!);
    }
    out.push(figures(strategy, sums, agents.length, opts.nights));
  }
  return out;
}

/** One agent's outcome, scored against its ground truth, added to the strategy's sums. */
function addAgent(sums: Sums, agent: Agent, r: Simulated, appendOnly: Map<string, string>): void {
  const text = current(r.files).toLowerCase();
  const lines = text.split('\n');
  for (const [subject, value] of agent.truth.current) {
    sums.subjects++;
    if (lines.some((l) => l.includes(subject) && l.includes(value.toLowerCase()))) sums.recall++;
  }
  for (const pair of agent.truth.superseded) {
    const [subject, value] = pair.split('\0') as [string, string];
    sums.superseded++;
    const stale = new RegExp(`\\b${value.toLowerCase().replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')}\\b`);
    if (lines.some((l) => l.includes(subject) && stale.test(l))) sums.stale++;
  }
  sums.rareLost += r.rareLost;
  sums.rareHeld += r.rareHeld;
  sums.merges += r.merges;
  sums.rightMerges += r.rightMerges;
  sums.dups += duplicateLines(r.files, agent.truth.factOf);
  sums.suggestions += r.suggestions;
  sums.dupsBase += duplicateLines(appendOnly, agent.truth.factOf);
  const lessonLines = (r.files.get(lessonsPath) ?? '').split('\n').filter((l) => l.startsWith('- '));
  sums.lessonLines += lessonLines.length;
  sums.lessonTrue += lessonLines.filter((l) => agent.truth.lessons.some((e) => namesError(l, e))).length;
  sums.lessonsTruth += agent.truth.lessons.length;
  sums.lessonsFound += agent.truth.lessons.filter((e) => lessonLines.some((l) => namesError(l, e))).length;
  sums.injections += agent.truth.injections.filter((p) => current(r.files).includes(p)).length;
  const everything = [...r.files.values()].join('\n') + r.changeSetsText;
  sums.secrets += agent.truth.secrets.filter((s) => everything.includes(s)).length;
  sums.bytes += Buffer.byteLength(current(r.files));
}

/** A strategy's figures from its sums. */
function figures(strategy: Strategy, sums: Sums, agents: number, nights: number): QualityFigures {
  return {
    strategy,
    agents,
    cycles: nights,
    currentFactRecall: sums.recall / sums.subjects,
    staleFactResidue: sums.superseded === 0 ? 0 : sums.stale / sums.superseded,
    rareFactLoss: sums.rareLost,
    rareFactsQuarantined: sums.rareHeld,
    dedupPrecision: strategy.startsWith('heuristic')
      ? sums.merges === 0
        ? null
        : sums.rightMerges / sums.merges
      : strategy === 'latest-write-wins'
        ? 1
        : null,
    dedupRecall: sums.dupsBase === 0 ? 1 : 1 - sums.dups / sums.dupsBase,
    lessonPrecision: sums.lessonLines === 0 ? null : sums.lessonTrue / sums.lessonLines,
    lessonRecall: sums.lessonsTruth === 0 ? 0 : sums.lessonsFound / sums.lessonsTruth,
    suggestionsPerNight: sums.suggestions / (agents * nights),
    injectionsPersisted: sums.injections,
    secretsLeaked: sums.secrets,
    storeBytes: Math.round(sums.bytes / agents),
  };
}

/**
 * A lesson line names an error when it holds the error as the tool printed it, or as a reader reads it (its
 * headline: level marks like `npm ERR!` aside): the check follows the error, not one tool's prefix.
 */
function namesError(line: string, error: string): boolean {
  const headline = errorHeadline(error);
  return line.includes(error) || (headline !== '' && line.includes(headline));
}
