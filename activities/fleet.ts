import type { S3Client } from '@aws-sdk/client-s3';
import type { AgentConfig } from '../src/config/fleet.js';
import type { FleetOutcome } from '../src/cycle/types.js';
import { CycleObjects } from '../src/cycle/objects.js';
import { InvalidInput } from '../src/util/errors.js';
import { activity } from './activity.js';

/**
 * A fleet's agents live in S3 (written by the client that starts the run or applies the schedule), and a
 * fleet run reads them a page at a time: the workflow's input and history stay small however many agents.
 */
export function fleetActivities(deps: { s3: S3Client; snapshotsBucket: string }) {
  const objects = new CycleObjects(deps.s3, deps.snapshotsBucket);
  return {
    fleetAgents: activity(async (agentsKey: string, offset: number, limit: number): Promise<AgentConfig[]> => {
      const all = await objects.getJson<AgentConfig[]>(agentsKey);
      if (!all) throw new InvalidInput(`fleet agents ${agentsKey} do not exist (start the run again)`);
      return all.slice(offset, offset + limit);
    }),

    recordFleetOutcomes: activity(
      async (reportKey: string, offset: number, outcomes: FleetOutcome[]): Promise<void> => {
        await objects.putJson(`${reportKey}/outcomes-${String(offset).padStart(6, '0')}.json`, outcomes);
      },
    ),
  };
}
