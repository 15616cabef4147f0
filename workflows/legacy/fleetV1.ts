/**
 * The previous version's fleet run (v1), kept so that runs it started (and schedules it created) finish after
 * an upgrade: `fleetRun` runs it for histories without the `worker-authority` patch. Its steps are frozen. Its
 * children are started as the current cycle, which takes nothing but each agent's id from this input.
 *
 * Delete this file once no v1 fleet run is open and every schedule has been applied again.
 */
import { continueAsNew, executeChild, proxyActivities, workflowInfo, ParentClosePolicy } from '@temporalio/workflow';
import type { AgentConfig } from '../../src/config/fleet.js';
import type { ActivitiesV1, FleetInputV1 as FleetInput, FleetOutcomeV1 as FleetOutcome } from './types.js';

type FleetProgress = NonNullable<FleetInput['progress']>;

export interface FleetResultV1 {
  agents: number;
  counts: Record<string, number>;
  reportKey: string;
  notable: FleetOutcome[];
  team?: Omit<FleetOutcome, 'agent'>;
}
type FleetResult = FleetResultV1;

const steps = proxyActivities<ActivitiesV1>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 8 },
});

/** Agents read per page, and per workflow run before continuing as new: each run's history stays small. */
const pageSize = 50;
const agentsPerRun = 100;
const maxNotable = 20;

/**
 * The nightly run: every agent's cycle as a child workflow, at most `concurrency` at a time, a page of
 * agents at a time; then the lessons that two or more agents learned go to the team store through the same
 * cycle and gate. Outcomes go to S3 page by page; the result carries counts.
 */
export async function fleetRunV1(input: FleetInput): Promise<FleetResult> {
  const { workflowId } = workflowInfo();
  const reportKey = `fleets/${input.fleet}/runs/${workflowId}`;
  const common = {
    ...(input.paging ? { paging: input.paging } : {}),
    ...(input.notify ? { notify: input.notify } : {}),
    trigger: `fleet ${workflowId}`,
  };
  const run = async (agent: AgentConfig): Promise<FleetOutcome> => {
    const childId = `${workflowId}-${agent.id}`;
    try {
      const r = await executeChild<(input: unknown) => Promise<{ outcome: FleetOutcome['outcome']; reason?: string }>>(
        'dreamCycle',
        {
          workflowId: childId,
          args: [
            { agent, ...common, ...(input.uiUrl ? { uiUrl: `${input.uiUrl}/${encodeURIComponent(childId)}` } : {}) },
          ],
          parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
          staticSummary: `Dream cycle of ${agent.id} (${agent.mode}, fleet ${input.fleet})`,
        },
      );
      return { agent: agent.id, workflowId: childId, outcome: r.outcome, reason: r.reason };
    } catch (err) {
      return {
        agent: agent.id,
        workflowId: childId,
        outcome: 'failed' as const,
        reason: err instanceof Error ? err.message : String(err),
      };
    }
  };

  const progress: FleetProgress = input.progress ?? { offset: 0, counts: {}, notable: [] };
  const end = Math.min(input.agentCount, progress.offset + agentsPerRun);
  while (progress.offset < end) {
    const agents = await steps.fleetAgents(input.agentsKey, progress.offset, Math.min(pageSize, end - progress.offset));
    if (agents.length === 0) break;
    const outcomes = await inLanes(agents, input.concurrency, run);
    await steps.recordFleetOutcomes(reportKey, progress.offset, outcomes);
    for (const o of outcomes) {
      progress.counts[o.outcome] = (progress.counts[o.outcome] ?? 0) + 1;
      if (o.outcome !== 'kept' && o.outcome !== 'skipped' && progress.notable.length < maxNotable)
        progress.notable.push(o);
    }
    progress.offset += agents.length;
  }
  if (progress.offset < input.agentCount) return continueAsNew<typeof fleetRunV1>({ ...input, progress });

  const result: FleetResult = {
    agents: input.agentCount,
    counts: progress.counts,
    reportKey,
    notable: progress.notable,
  };
  if (!input.team) return result;
  const { agent: _, ...team } = await run(input.team);
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
