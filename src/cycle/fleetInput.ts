import { isName } from '../names/scope.js';
import type { FleetOutcome, FleetProgress } from './types.js';
import { isSha256 } from '../names/ids.js';

/** What a fleet run carries from one run to the next (continue-as-new): how far it got, what it found. */
export interface FleetCarry {
  configHash: string;
  /** Agents started so far, in the fleet's order; every one of them is counted. */
  offset: number;
  counts: Record<string, number>;
  /** The first cycles that did not end kept, skipped or in review, for on-call. */
  notable: FleetOutcome[];
  /** Runs before this one. */
  runs?: number;
  /** When the first run started (ISO). */
  since?: string;
}

/** What starts a fleet run: the fleet's name. Its agents and settings come from the worker's configuration. */
export interface FleetInput {
  fleet: string;
  /** The configuration the starter read; absent (a schedule): the worker's current one when the run starts. */
  configHash?: string;
  /** Agents per run before it continues as new (default 500): each run's history stays bounded. */
  agentsPerRun?: number;
  /** Carried across continue-as-new. */
  progress?: FleetCarry;
}

export const maxAgentsPerRun = 1_000;
export const defaultAgentsPerRun = 500;
export const maxNotable = 20;

const count = (x: unknown) => Number.isSafeInteger(x) && (x as number) >= 0;

/**
 * Checks a fleet run's input (anyone with namespace access can start one). Pure, for the workflow; never
 * throws, and the reason names the field.
 */
export function parseFleetInput(raw: unknown): { ok: true; input: FleetInput } | { ok: false; why: string } {
  const no = (why: string) => ({ ok: false as const, why });
  if (typeof raw !== 'object' || raw === null) return no('expected an object');
  const i = raw as Record<string, unknown>;
  if (!isName(i.fleet)) return no('fleet is not a fleet name');
  if (i.configHash !== undefined && !isSha256(i.configHash)) return no('configHash is not a sha256');
  const perRun = i.agentsPerRun;
  if (perRun !== undefined && !(count(perRun) && (perRun as number) >= 1 && (perRun as number) <= maxAgentsPerRun))
    return no(`agentsPerRun must be a whole number from 1 to ${maxAgentsPerRun}`);
  const carry = i.progress === undefined ? undefined : parseCarry(i.progress);
  if (typeof carry === 'string') return no(`progress.${carry}`);
  return {
    ok: true,
    input: {
      fleet: i.fleet,
      ...(i.configHash ? { configHash: i.configHash as string } : {}),
      ...(perRun !== undefined ? { agentsPerRun: perRun as number } : {}),
      ...(carry ? { progress: carry } : {}),
    },
  };
}

/** The carried progress, or the name of the field at fault. */
function parseCarry(raw: unknown): FleetCarry | string {
  if (typeof raw !== 'object' || raw === null) return 'is not an object';
  const p = raw as Record<string, unknown>;
  if (!isSha256(p.configHash)) return 'configHash is not a sha256';
  if (!count(p.offset)) return 'offset is not a count';
  if (typeof p.counts !== 'object' || p.counts === null) return 'counts is not an object';
  const counts = Object.entries(p.counts);
  if (counts.length > 20 || !counts.every(([k, v]) => /^[a-z_]{1,20}$/.test(k) && count(v)))
    return 'counts must map outcomes to counts';
  if (!Array.isArray(p.notable) || p.notable.length > maxNotable) return `notable must list at most ${maxNotable}`;
  if (p.runs !== undefined && !count(p.runs)) return 'runs is not a count';
  if (p.since !== undefined && (typeof p.since !== 'string' || Number.isNaN(Date.parse(p.since))))
    return 'since is not a time';
  return p as unknown as FleetCarry;
}

const n = (x: number) => String(x).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/** A fleet run's progress as the Temporal UI shows it (the workflow's current details), for on-call. */
export function fleetDetails(p: FleetProgress, reportKey: string): string {
  const outcomes = Object.entries(p.counts)
    .map(([k, v]) => `${k} ${n(v)}`)
    .join(' · ');
  return [
    `**Fleet ${p.fleet}**: ${n(p.done)} of ${n(p.agents)} agents done · ${n(p.running)} running · ${n(p.waitingForReview)} waiting for review · ${n(p.failed)} failed · ${n(p.notStarted)} not started`,
    '',
    `outcomes: ${outcomes || 'none yet'}${p.team ? ` · team store: ${p.team}` : ''}`,
    '',
    `run ${p.run} of this workflow id (it continues as new every few hundred agents) · since ${p.since} · every outcome in \`${reportKey}/\``,
  ].join('\n');
}

/** One line of progress for a terminal: `412/10,000 done · 16 running · 3 waiting for review · 1 failed`. */
export function progressLine(p: FleetProgress): string {
  const parts = [`${n(p.done)}/${n(p.agents)} done`, `${n(p.running)} running`];
  if (p.waitingForReview > 0) parts.push(`${n(p.waitingForReview)} waiting for review`);
  if (p.failed > 0) parts.push(`${n(p.failed)} failed`);
  if (p.team) parts.push(`team store ${p.team}`);
  return parts.join(' · ');
}
