import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  proxyActivities,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { teamId } from '../src/names/scope.js';
import { defaultAgentsPerRun, parseFleetInput, type FleetInput } from '../src/cycle/fleetInput.js';
import type { FleetOutcome } from '../src/cycle/types.js';
import { FleetWindow } from './fleetWindow.js';
import { servedSteps } from './served.js';
import { retry } from './cycle/activities.js';

export type { FleetInput } from '../src/cycle/fleetInput.js';

export interface FleetResult {
  agents: number;
  /** Cycles by outcome; `in_review`: waiting for a reviewer when the run ended (each goes on by itself). */
  counts: Record<string, number>;
  /** Where every agent's outcome is (S3 prefix in the snapshots bucket, pages `outcomes-NNNNNN.json`). */
  reportKey: string;
  /** The first cycles that did not end kept, skipped or in review, for on-call. */
  notable: FleetOutcome[];
  /** Runs of the fleet's workflow id it took (each continued as new). */
  runs?: number;
  team?: Omit<FleetOutcome, 'agent'>;
}

const steps = servedSteps(
  proxyActivities<Activities>({
    startToCloseTimeout: '1 minute',
    retry,
  }),
);

/**
 * A fleet's run (`dreamgate fleet run`, the nightly schedule): every agent's cycle as a child workflow,
 * `concurrency` at a time, a few hundred agents per run before it continues as new (its history stays
 * bounded, its open children within Temporal's limit); then the lessons that two or more agents learned go
 * to the team store through the same cycle and gate. Each child has its agent's one cycle id, so an agent
 * already dreaming is not dreamt twice. Progress is the `progress` query and the run's details in the
 * Temporal UI; every outcome goes to S3, the result has counts. It replaced the workflow type `fleetRun`
 * (pages waited for whole, reviews included), whose open runs are finished or ended before an upgrade.
 */
export async function dreamFleet(raw: FleetInput): Promise<FleetResult> {
  const parsed = parseFleetInput(raw);
  if (!parsed.ok) throw ApplicationFailure.nonRetryable(`fleet run input: ${parsed.why}`, 'InvalidInput');
  const { fleet, configHash, agentsPerRun = defaultAgentsPerRun, progress } = parsed.input;
  const opening = await steps.openFleet({ fleet, ...(configHash ? { configHash } : {}) });
  const night = new FleetWindow(
    fleet,
    opening,
    progress ?? { configHash: opening.configHash, offset: 0, counts: {}, notable: [] },
  );
  night.listen();
  await night.dream(agentsPerRun);
  if (!night.finished) {
    await condition(allHandlersFinished);
    return continueAsNew<typeof dreamFleet>({
      fleet,
      configHash: night.carry.configHash,
      agentsPerRun,
      progress: night.carry,
    });
  }
  const { counts, notable, runs } = night.carry;
  const result: FleetResult = { agents: opening.agents, counts, reportKey: night.report, notable, runs };
  if (!opening.team) return result;
  return { ...result, team: await night.dreamTeam(teamId) };
}
