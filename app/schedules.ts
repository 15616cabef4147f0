import { createHash } from 'node:crypto';
import { ScheduleNotFoundError, ScheduleOverlapPolicy, type ScheduleDescription } from '@temporalio/client';
import type { FleetConfig } from '../src/config/fleet.js';
import { workflowUrl } from './temporal/settings.js';
import { InvalidInput } from '../src/util/errors.js';
import type { FleetOutcome } from '../src/cycle/types.js';
import type { FleetInput, FleetResult } from '../workflows/fleet.js';
import { fleetRun } from '../workflows/index.js';
import type { DreamgateClient } from './client.js';

export const scheduleId = (fleet: FleetConfig) => `dreamgate-${fleet.fleet}`;

/**
 * The run's input: the agents go to S3 under a content-addressed key, so the input (and a schedule's
 * action) stays small for any fleet, and a run always reads the list it was started with.
 */
export async function fleetInput(c: DreamgateClient, fleet: FleetConfig, uiBase?: string): Promise<FleetInput> {
  const stray = fleet.agents.find((a) => a.fleet !== fleet.fleet);
  if (stray) throw new InvalidInput(`agent ${stray.id} belongs to fleet ${stray.fleet}, not ${fleet.fleet}`);
  const body = JSON.stringify(fleet.agents);
  const agentsKey = `fleets/${fleet.fleet}/agents-${createHash('sha256').update(body).digest('hex').slice(0, 32)}.json`;
  await c.objects.putJson(agentsKey, fleet.agents);
  return {
    fleet: fleet.fleet,
    agentsKey,
    agentCount: fleet.agents.length,
    concurrency: fleet.concurrency,
    ...(fleet.team ? { team: fleet.team } : {}),
    ...(fleet.paging ? { paging: fleet.paging } : {}),
    ...(fleet.notify ? { notify: fleet.notify } : {}),
    ...(uiBase ? { uiUrl: uiBase } : {}),
  };
}

export async function startFleetRun(
  c: DreamgateClient,
  fleet: FleetConfig,
  workflowId = `fleet-${fleet.fleet}-${new Date().toISOString().replace(/[:.]/g, '').slice(0, 15)}`,
) {
  return c.client.workflow.start(fleetRun, {
    taskQueue: c.temporal.taskQueue,
    workflowId,
    args: [await fleetInput(c, fleet, workflowUrl(c.temporal, '').replace(/\/$/, ''))],
    staticSummary: `Nightly dream of fleet ${fleet.fleet} (${fleet.agents.length} agents)`,
  });
}

/** Every agent's outcome of a finished fleet run, in the fleet's order, from its report in S3. */
export async function fleetOutcomes(c: DreamgateClient, result: FleetResult): Promise<FleetOutcome[]> {
  const pages = await c.objects.list(`${result.reportKey}/outcomes-`);
  return (await Promise.all(pages.map((k) => c.objects.getJson<FleetOutcome[]>(k)))).flatMap((p) => p ?? []);
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
    workflowType: fleetRun,
    taskQueue: c.temporal.taskQueue,
    workflowId: `fleet-${fleet.fleet}`,
    args: [await fleetInput(c, fleet)] as [FleetInput],
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
