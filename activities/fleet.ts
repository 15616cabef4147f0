import { isName } from '../src/names/scope.js';
import { fleetRunKey } from '../src/names/keys.js';
import type { FleetOutcome } from '../src/cycle/types.js';
import { InvalidInput } from '../src/util/errors.js';
import { activity } from './activity.js';
import { caller, type CycleContext } from './context.js';

const outcomes = new Set([
  'kept',
  'discarded',
  'rolled_back',
  'rejected',
  'timed_out',
  'skipped',
  'in_review',
  'conflict',
  'failed',
]);

/** A page of outcomes as a fleet run reports it: agent names, an outcome, a short reason; nothing else. */
function checkedOutcomes(raw: unknown): FleetOutcome[] {
  if (!Array.isArray(raw) || raw.length > 1_000) throw new InvalidInput('outcomes: a list of at most 1,000');
  return raw.map((o: Partial<FleetOutcome>, i) => {
    if (
      typeof o !== 'object' ||
      o === null ||
      (!isName(o.agent) && o.agent !== '@team') ||
      !outcomes.has(String(o.outcome))
    )
      throw new InvalidInput(`outcomes[${i}] is not an agent's outcome`);
    return {
      agent: o.agent!,
      workflowId: String(o.workflowId ?? '').slice(0, 256),
      outcome: o.outcome!,
      ...(o.reason !== undefined ? { reason: String(o.reason).slice(0, 500) } : {}),
    };
  });
}

/** What a fleet run needs to know of its fleet, from the worker's configuration: counts, never configs. */
export interface FleetOpening {
  configHash: string;
  agents: number;
  concurrency: number;
  team: boolean;
}

export function fleetActivities(w: CycleContext) {
  return {
    /** The fleet as this worker configures it: the named configuration, or (a schedule) its current one. */
    openFleet: activity(
      async ({ fleet, configHash }: { fleet: string; configHash?: string }): Promise<FleetOpening> => {
        await w.deps.fleets.refresh();
        const f = w.deps.fleets.config(fleet, configHash, { strict: true });
        return {
          configHash: f.sha256,
          agents: f.agents.length,
          concurrency: f.concurrency,
          team: f.team !== undefined,
        };
      },
    ),

    /** A page of the fleet's agent ids: the run's history stays small however many agents. */
    fleetAgents: activity(
      async ({
        fleet,
        configHash,
        offset,
        limit,
      }: {
        fleet: string;
        configHash: string;
        offset: number;
        limit: number;
      }): Promise<string[]> => {
        const f = w.deps.fleets.config(fleet, configHash, { strict: false });
        return f.agents.slice(offset, offset + limit).map((a) => a.id);
      },
    ),

    /**
     * A page of the run's outcomes, under the calling run's own folder (`fleets/<fleet>/runs/<workflow id>/`,
     * the id Temporal names, never a key the call gives), for a fleet this worker serves.
     */
    recordFleetOutcomes: activity(
      async ({
        fleet,
        offset,
        outcomes,
      }: {
        fleet?: string;
        /** Kept for histories written before the key was composed here; not read. */
        reportKey?: string;
        offset: number;
        outcomes: FleetOutcome[];
      }): Promise<void> => {
        const { workflowId } = caller();
        // a history written before the fleet was named: its folder is the one its workflow id says
        const name = fleet ?? /^fleet-(.+?)(?:-\d{8}T\d{6})?$/.exec(workflowId)?.[1] ?? '';
        // not a fleet run's call: refused as bad input, not left for another worker as a fleet it does not serve
        if (name === '')
          throw new InvalidInput('recordFleetOutcomes: the calling run is no fleet run and names no fleet');
        w.deps.fleets.config(name, undefined, { strict: false });
        await w.objects.putJson(fleetRunKey(name, workflowId, offset), checkedOutcomes(outcomes));
      },
    ),
  };
}
