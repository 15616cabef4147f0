import { ScheduleNotFoundError, ScheduleOverlapPolicy, type ScheduleDescription } from '@temporalio/client';
import type { FleetConfig } from '../src/config/fleet.js';
import { scheduleName } from '../src/names/scope.js';
import { fleetRunPagesPrefix } from '../src/names/keys.js';
import { InvalidInput } from '../src/util/errors.js';
import type { FleetOutcome } from '../src/cycle/types.js';
import type { FleetInput, FleetResult } from '../workflows/fleet.js';
import { dreamFleet } from '../workflows/index.js';
import type { DreamgateClient } from './client.js';
import { queueOf } from './temporal/settings.js';

export const scheduleId = (fleet: FleetConfig) => scheduleName(fleet.fleet);

/**
 * A run's input names the fleet; the worker serving it takes the agents from its own configuration. A run
 * started now also names the hash of this command's fleet file, so a worker with another copy refuses it.
 */
export function fleetInput(fleet: Pick<FleetConfig, 'fleet' | 'sha256'>, pinned = true): FleetInput {
  return { fleet: fleet.fleet, ...(pinned ? { configHash: fleet.sha256 } : {}) };
}

/** Starts a fleet run now; `agentsPerRun` (default 500) is how many agents each run takes before continuing as new. */
export async function startFleetRun(
  c: DreamgateClient,
  fleet: FleetConfig,
  {
    workflowId = `fleet-${fleet.fleet}-${new Date().toISOString().replace(/[:.]/g, '').slice(0, 15)}`,
    agentsPerRun,
  }: { workflowId?: string; agentsPerRun?: number } = {},
) {
  return c.client.workflow.start(dreamFleet, {
    taskQueue: queueOf(c.temporal, fleet),
    workflowId,
    args: [{ ...fleetInput(fleet), ...(agentsPerRun ? { agentsPerRun } : {}) }],
    staticSummary: `Nightly dream of fleet ${fleet.fleet} (${fleet.agents.length} agents)`,
  });
}

/**
 * Every agent's outcome of a finished fleet run, from its report in S3: in the order the cycles ended, or in
 * the fleet's order when it is given (the agents' ids).
 */
export async function fleetOutcomes(
  c: DreamgateClient,
  result: Pick<FleetResult, 'reportKey'>,
  order?: string[],
): Promise<FleetOutcome[]> {
  const pages = await c.objects.list(fleetRunPagesPrefix(result.reportKey));
  const all = (await Promise.all(pages.map((k) => c.objects.getJson<FleetOutcome[]>(k)))).flatMap((p) => p ?? []);
  if (!order) return all;
  const at = new Map(order.map((id, i) => [id, i]));
  return all.sort((a, b) => (at.get(a.agent) ?? order.length) - (at.get(b.agent) ?? order.length));
}

/**
 * Creates or updates the fleet's nightly schedule from the config: time of day and time zone, jitter,
 * overlap "skip" (a run still going when the next is due is not doubled) and an explicit catch-up window.
 */
export async function applySchedule(c: DreamgateClient, fleet: FleetConfig): Promise<{ id: string; created: boolean }> {
  if (!fleet.schedule) throw new InvalidInput(`${fleet.file}: no "schedule" section to apply`);
  const [hour, minute] = fleet.schedule.time.split(':').map(Number) as [number, number];
  const id = scheduleId(fleet);
  const spec = {
    calendars: [{ hour, minute, comment: `nightly dream at ${fleet.schedule.time} ${fleet.schedule.timezone}` }],
    timezone: fleet.schedule.timezone,
    jitter: fleet.schedule.jitterMs,
  };
  const action = {
    type: 'startWorkflow' as const,
    workflowType: dreamFleet,
    taskQueue: queueOf(c.temporal, fleet),
    workflowId: `fleet-${fleet.fleet}`,
    // a schedule names no hash: each run takes the worker's current configuration, so editing the fleet
    // file (and the worker reading it again) never breaks the nightly run
    args: [fleetInput(fleet, false)] as [FleetInput],
    staticSummary: `Nightly dream of fleet ${fleet.fleet} (${fleet.agents.length} agents)`,
  };
  const policies = {
    overlap: ScheduleOverlapPolicy.SKIP,
    catchupWindow: fleet.schedule.catchupWindowMs,
    pauseOnFailure: false,
  };
  const handle = c.client.schedule.getHandle(id);
  try {
    await handle.describe();
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
    await c.client.schedule.create({ scheduleId: id, spec, action, policies, memo: { config: fleet.file } });
    return { id, created: true };
  }
  await handle.update((prev) => ({ ...prev, spec, action, policies }));
  return { id, created: false };
}

export interface ScheduleRow {
  id: string;
  paused: boolean;
  note?: string;
  nextRuns: string[];
  recentRuns: { workflowId: string; at: string }[];
  timezone?: string;
}

export async function listSchedules(c: DreamgateClient): Promise<ScheduleRow[]> {
  const rows: ScheduleRow[] = [];
  for await (const s of c.client.schedule.list()) {
    if (!s.scheduleId.startsWith('dreamgate-')) continue;
    const d: ScheduleDescription = await c.client.schedule.getHandle(s.scheduleId).describe();
    rows.push({
      id: s.scheduleId,
      paused: d.state.paused,
      ...(d.state.note ? { note: d.state.note } : {}),
      nextRuns: d.info.nextActionTimes.slice(0, 3).map((t) => t.toISOString()),
      recentRuns: d.info.recentActions
        .slice(-3)
        .map((a) => ({ workflowId: a.action.workflow.workflowId, at: a.takenAt.toISOString() })),
      ...(d.spec.timezone ? { timezone: d.spec.timezone } : {}),
    });
  }
  return rows;
}

export async function scheduleHandle(c: DreamgateClient, fleet: FleetConfig) {
  const handle = c.client.schedule.getHandle(scheduleId(fleet));
  try {
    await handle.describe();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError)
      throw new InvalidInput(
        `schedule ${scheduleId(fleet)} does not exist; create it with \`dreamgate schedule apply\``,
      );
    throw err;
  }
  return handle;
}
