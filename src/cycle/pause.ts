/**
 * When a bad dream would be proposed night after night: two cycles of an agent in a row discarded by the gate
 * for the same failing cases. Read from the agent's signed audit records only (the gate's `gate-failed` facts
 * and how each cycle ended), so no workflow's words can pause a schedule. Pure.
 */
import type { RunRecord } from '../notify/compose.js';

export interface RepeatedDiscard {
  /** The failing case ids both discards name, sorted. */
  cases: string[];
  /** The earlier cycle's run id, then this one's. */
  runs: [string, string];
}

type Run = { cycle_id: string; records: readonly RunRecord[] };

/** An operator's `dreamgate resume`: what came before it no longer pauses the agent. */
const resumed = (run: Run) => run.records.some((r) => r.event === 'agent-resumed');

const failingOf = (rs: readonly RunRecord[]): string[] | undefined => {
  const gate = [...rs].reverse().find((r) => r.event === 'gate-failed');
  const f = gate?.data?.failing;
  return Array.isArray(f) && f.every((x) => typeof x === 'string') ? [...(f as string[])].sort() : undefined;
};

/** How a cycle ended, by its closing record (`cycle-kept`, `cycle-discarded`, …); undefined while it runs. */
const endingOf = (rs: readonly RunRecord[]) =>
  [...rs].reverse().find((r) => /^cycle-[a-z_]+$/.test(r.event) && r.event !== 'cycle-opened')?.event;

/**
 * Whether this run's discard repeats the previous cycle's: the newest earlier cycle that ended (cycles that
 * found nothing to dream, `cycle-skipped`, do not break the row) was discarded for the same failing cases.
 * `runs` are the agent's cycles, newest first; `current` is the run being discarded now.
 */
export function repeatedDiscard(runs: readonly Run[], current: string): RepeatedDiscard | undefined {
  const now = runs.find((r) => r.cycle_id === current);
  const cases = now && failingOf(now.records);
  if (!cases || cases.length === 0) return undefined;
  for (const run of runs) {
    if (run.cycle_id === current) continue;
    if (resumed(run)) return undefined;
    const ending = endingOf(run.records);
    if (ending === undefined || ending === 'cycle-skipped') continue;
    if (ending !== 'cycle-discarded') return undefined;
    const before = failingOf(run.records);
    const same = before !== undefined && before.length === cases.length && before.every((c, i) => c === cases[i]);
    return same ? { cases, runs: [run.cycle_id, current] } : undefined;
  }
  return undefined;
}

/**
 * Whether the agent is paused: its two newest cycles that ended (skipped ones aside, a paused agent's too)
 * were discarded for the same failing cases, and no `agent-resumed` came after them. `runs`, newest first.
 */
export function pausedBy(runs: readonly Run[]): RepeatedDiscard | undefined {
  const ended: Run[] = [];
  for (const run of runs) {
    if (resumed(run)) return undefined;
    const ending = endingOf(run.records);
    if (ending === undefined || ending === 'cycle-skipped') continue;
    if (ending !== 'cycle-discarded') return undefined;
    ended.push(run);
    if (ended.length === 2) break;
  }
  const [newest, before] = ended;
  if (!newest || !before) return undefined;
  const synthetic = [{ ...newest, records: newest.records.filter((r) => r.event === 'gate-failed') }, before];
  return repeatedDiscard(synthetic, newest.cycle_id);
}

/** What a paused agent's cycle says when it ends skipped. */
export const pausedReason = (p: { cases: readonly string[] }, agent: string) =>
  `paused after two discards for the same failing cases (${p.cases.join(', ')}); fix the store or the suite, then \`dreamgate resume ${agent}\``;
