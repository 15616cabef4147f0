import { cycleActivities, type CycleDeps } from './cycle.js';
import { fleetActivities } from './fleet.js';
import { proofActivities } from './proof.js';

export type ActivityDeps = CycleDeps;

/** Every activity the worker registers; workflows proxy them by this type. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...proofActivities(deps.s3, deps.snapshotsBucket),
    ...cycleActivities(deps),
    ...fleetActivities(deps),
    /** For the benchmark floor: an activity round trip and nothing else. */
    async noop(i: number): Promise<number> {
      return i;
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
