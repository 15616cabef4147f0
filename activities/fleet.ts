import type { FleetOutcome } from '../src/cycle/types.js';
import { activity } from './activity.js';
import type { CycleContext } from './context.js';

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

    recordFleetOutcomes: activity(
      async ({
        reportKey,
        offset,
        outcomes,
      }: {
        reportKey: string;
        offset: number;
        outcomes: FleetOutcome[];
      }): Promise<void> => {
        await w.objects.putJson(`${reportKey}/outcomes-${String(offset).padStart(6, '0')}.json`, outcomes);
      },
    ),
  };
}
