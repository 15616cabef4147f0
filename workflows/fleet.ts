import {
  ChildWorkflowFailure,
  continueAsNew,
  executeChild,
  ParentClosePolicy,
  deprecatePatch,
  proxyActivities,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Activities } from '../activities/index.js';
import { cycleWorkflowId, isName, teamId } from '../src/config/scope.js';
import type { FleetOutcome } from '../src/cycle/types.js';
import { failureMessage } from './cycle.js';
import { patches } from './definitions.js';
import { dreamCycle } from './dreamCycle.js';
import { servedSteps } from './served.js';

/** What starts a fleet run: the fleet's name. Its agents and settings come from the worker's configuration. */
export interface FleetInput {
  fleet: string;
  /** The configuration the starter read; absent (a schedule): the worker's current one when the run starts. */
  configHash?: string;
  /** Carried across continue-as-new: how far the run got and what it found so far. */
  progress?: FleetProgress;
}

interface FleetProgress {
  configHash: string;
  offset: number;
  counts: Record<string, number>;
  notable: FleetOutcome[];
}

export interface FleetResult {
  agents: number;
  /** Cycles by outcome. */
  counts: Record<string, number>;
  /** Where every agent's outcome is (S3 prefix in the snapshots bucket, pages `outcomes-NNNNNN.json`). */
  reportKey: string;
  /** The first cycles that did not end kept or skipped, for on-call. */
  notable: FleetOutcome[];
  team?: Omit<FleetOutcome, 'agent'>;
}

const steps = servedSteps(
  proxyActivities<Activities>({
    startToCloseTimeout: '1 minute',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 8 },
  }),
);

/** Agents read per page, and per workflow run before continuing as new: each run's history stays small. */
const pageSize = 50;
const agentsPerRun = 100;
const maxNotable = 20;

/**
 * The nightly run: every agent's cycle as a child workflow, at most `concurrency` at a time, a page of
 * agents at a time; then the lessons that two or more agents learned go to the team store through the same
 * cycle and gate. Each child has its agent's one cycle id, so an agent already dreaming is not dreamt twice.
 * Outcomes go to S3 page by page; the result carries counts.
 */
export async function fleetRun(input: FleetInput): Promise<FleetResult> {
  deprecatePatch(patches.workerAuthority);
  if (!isName(input.fleet)) throw new Error('fleet run input: fleet is not a fleet name');
  const { fleet } = input;
  const { workflowId } = workflowInfo();
  const reportKey = `fleets/${fleet}/runs/${workflowId}`;
  const opening = await steps.openFleet({ fleet, ...(input.configHash ? { configHash: input.configHash } : {}) });
  const progress: FleetProgress = input.progress ?? {
    configHash: opening.configHash,
    offset: 0,
    counts: {},
    notable: [],
  };
  const { configHash } = progress;

  const run = async (agent: string): Promise<FleetOutcome> => {
    const childId = cycleWorkflowId({ fleet, id: agent });
    try {
      const r = await executeChild(dreamCycle, {
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
      // the child's own failure, not "Child Workflow execution failed"
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
    await steps.recordFleetOutcomes({ fleet, offset: progress.offset, outcomes });
    for (const o of outcomes) {
      progress.counts[o.outcome] = (progress.counts[o.outcome] ?? 0) + 1;
      if (o.outcome !== 'kept' && o.outcome !== 'skipped' && progress.notable.length < maxNotable)
        progress.notable.push(o);
    }
    progress.offset += agents.length;
  }
  if (progress.offset < opening.agents) return continueAsNew<typeof fleetRun>({ fleet, configHash, progress });

  const result: FleetResult = { agents: opening.agents, counts: progress.counts, reportKey, notable: progress.notable };
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
