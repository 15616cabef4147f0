/**
 * The fleet run of the previous version (v2: pages of 50 agents, 100 per run, each page waited for whole,
 * reviews included), kept so that runs it started finish after the upgrade: `fleetRun` runs it for histories
 * without the `fleet-scale` patch. Its steps are frozen.
 *
 * Delete this file once no fleet run of that version is open.
 */
import {
  ChildWorkflowFailure,
  continueAsNew,
  executeChild,
  ParentClosePolicy,
  proxyActivities,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Activities } from '../../activities/index.js';
import { cycleWorkflowId, isName, teamId } from '../../src/config/scope.js';
import type { CycleResult, FleetOutcome } from '../../src/cycle/types.js';
import { failureMessage } from '../cycle.js';
import type { FleetInputV1 } from './types.js';

export interface FleetInputV2 {
  fleet: string;
  configHash?: string;
  progress?: FleetProgressV2;
}

export interface FleetProgressV2 {
  configHash: string;
  offset: number;
  counts: Record<string, number>;
  notable: FleetOutcome[];
}

export interface FleetResultV2 {
  agents: number;
  counts: Record<string, number>;
  reportKey: string;
  notable: FleetOutcome[];
  team?: Omit<FleetOutcome, 'agent'>;
}

const steps = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 8 },
});

const pageSize = 50;
const agentsPerRun = 100;
const maxNotable = 20;

export async function fleetRunV2(input: FleetInputV2 | FleetInputV1): Promise<FleetResultV2> {
  if (!isName(input.fleet)) throw new Error('fleet run input: fleet is not a fleet name');
  const { fleet } = input;
  const { workflowId } = workflowInfo();
  const reportKey = `fleets/${fleet}/runs/${workflowId}`;
  const v2 = 'agentsKey' in input ? { fleet } : input; // a v1 run continued as new after the upgrade
  const opening = await steps.openFleet({ fleet, ...(v2.configHash ? { configHash: v2.configHash } : {}) });
  const progress: FleetProgressV2 = v2.progress ?? {
    configHash: opening.configHash,
    offset: 0,
    counts: {},
    notable: [],
  };
  const { configHash } = progress;

  const run = async (agent: string): Promise<FleetOutcome> => {
    const childId = cycleWorkflowId({ fleet, id: agent });
    try {
      const r = await executeChild<(input: unknown) => Promise<CycleResult>>('dreamCycle', {
        workflowId: childId,
        args: [{ fleet, agent, configHash, trigger: `fleet run ${workflowId}` }],
        parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
        staticSummary: `Dream cycle of ${fleet}/${agent} (fleet run)`,
      });
      return { agent, workflowId: childId, outcome: r.outcome, ...(r.reason ? { reason: r.reason } : {}) };
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError)
        return {
          agent,
          workflowId: childId,
          outcome: 'skipped',
          reason: `a cycle of ${agent} is already running (${childId})`,
        };
      const cause = err instanceof ChildWorkflowFailure && err.cause ? err.cause : err;
      return { agent, workflowId: childId, outcome: 'failed', reason: failureMessage(cause) };
    }
  };

  const end = Math.min(opening.agents, progress.offset + agentsPerRun);
  while (progress.offset < end) {
    const limit = Math.min(pageSize, end - progress.offset);
    const agents = await steps.fleetAgents({ fleet, configHash, offset: progress.offset, limit });
    if (agents.length === 0) break;
    const outcomes = await inLanes(agents, opening.concurrency, run);
    await steps.recordFleetOutcomes({ reportKey, offset: progress.offset, outcomes });
    for (const o of outcomes) {
      progress.counts[o.outcome] = (progress.counts[o.outcome] ?? 0) + 1;
      if (o.outcome !== 'kept' && o.outcome !== 'skipped' && progress.notable.length < maxNotable)
        progress.notable.push(o);
    }
    progress.offset += agents.length;
  }
  if (progress.offset < opening.agents)
    return continueAsNew<(input: FleetInputV2) => Promise<FleetResultV2>>({ fleet, configHash, progress });

  const result: FleetResultV2 = {
    agents: opening.agents,
    counts: progress.counts,
    reportKey,
    notable: progress.notable,
  };
  if (!opening.team) return result;
  const { agent: _, ...team } = await run(teamId);
  return { ...result, team };
}

async function inLanes<T, R>(items: T[], concurrency: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}
