import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { DreamgateClient } from '../app/client.js';
import { startCycle } from '../app/cycleClient.js';
import type { S3RequestCount } from '../src/s3/client.js';
import { fleetOutcomes, startFleetRun } from '../app/schedules.js';
import type { FleetConfig } from '../src/config/fleet.js';
import { writeFleetFile, type FleetSpec } from '../src/config/fleetYaml.js';
import type { FleetRegistry } from '../src/config/registry.js';
import { blobKey } from '../src/names/keys.js';
import type { StoreLimits } from '../src/memory/limits.js';
import { MemoryStore } from '../src/memory/store.js';
import { LocalDirStore } from '../src/memory/localDir.js';
import { clearRestoreCache, SnapshotStore } from '../src/snapshots/snapshots.js';
import { clearBlobCaches } from '../src/util/blobCache.js';
import { mapLimit } from '../src/util/concurrency.js';
import { benchFloor } from '../workflows/index.js';
import { syntheticAgentOnDisk, syntheticStore } from './agents.js';
import { whereEventsGo } from './history.js';

const timeIt = async <T>(fn: () => Promise<T>): Promise<[number, T]> => {
  const t = performance.now();
  const r = await fn();
  return [performance.now() - t, r];
};

export interface OverheadRow {
  files: number;
  /** The store's size in bytes. */
  bytes: number;
  cycleMs: number;
  floorMs: number;
  ratio: number;
  /** Remote activities the cycle ran (and the floor runs), and local ones. */
  activities: number;
  localActivities: number;
  historyEvents: number;
  /** Where the cycle's history events go (bench/history.ts). */
  events: Record<string, number>;
  /** The S3 requests the worker sent for the cycle, by command. */
  s3Requests?: Record<string, number>;
}

/** A store beyond the defaults: 15 details a file (about 1 KB) and the agent's own file limit. */
export interface StoreShape {
  details?: number;
  limits?: StoreLimits;
}

/** Runs the cycle and the floor once each, unmeasured, so neither pays for a cold worker cache or connection. */
export async function warmUp(c: DreamgateClient, fleets: FleetRegistry, s3: S3Client, bucket: string): Promise<void> {
  await measureOnce(c, fleets, s3, bucket, 5);
}

/** A fleet file beside the first agent, served by the benchmark's worker. */
async function served(fleets: FleetRegistry, spec: FleetSpec): Promise<FleetConfig> {
  const file = join(await mkdtemp(join(tmpdir(), 'dg-bench-fleet-')), 'dreamgate.yml');
  await writeFleetFile(file, spec);
  return fleets.load({ file });
}

/**
 * One heuristic cycle end to end, against the floor: the same number of no-op activities plus a raw
 * upload and download of the same bytes. The median of `runs` measurements of each.
 */
export async function cycleOverhead(
  c: DreamgateClient,
  fleets: FleetRegistry,
  s3: S3Client,
  bucket: string,
  files: number,
  runs = 3,
  shape: StoreShape = {},
  requests?: S3RequestCount,
): Promise<OverheadRow> {
  const rows: OverheadRow[] = [];
  for (let i = 0; i < runs; i++) rows.push(await measureOnce(c, fleets, s3, bucket, files, shape, requests));
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const cycleMs = median(rows.map((r) => r.cycleMs));
  const floorMs = median(rows.map((r) => r.floorMs));
  return { ...rows[0]!, cycleMs, floorMs, ratio: cycleMs / floorMs };
}

async function measureOnce(
  c: DreamgateClient,
  fleets: FleetRegistry,
  s3: S3Client,
  bucket: string,
  files: number,
  shape: StoreShape = {},
  requests?: S3RequestCount,
): Promise<OverheadRow> {
  const agent = await syntheticAgentOnDisk(`bench-${files}-${Date.now().toString(36)}`, files, 10, shape);
  const fleet = await served(fleets, { fleet: `bench-${agent.id}`, agents: [agent] });
  clearRestoreCache();
  clearBlobCaches(); // a cold worker: nothing parsed or redacted before this store's cycle
  requests?.clear();
  const [cycleMs, handle] = await timeIt(async () => {
    const h = await startCycle(c, fleet, fleet.agents[0]!, 'bench');
    const r = await h.result();
    if (r.outcome !== 'kept') throw new Error(`bench cycle ended ${r.outcome}: ${r.reason}`);
    return h;
  });
  const sent = requests && Object.fromEntries([...requests].sort((a, b) => b[1] - a[1]));
  const events = (await handle.fetchHistory()).events ?? [];
  const activities = events.filter((e) => e.activityTaskScheduledEventAttributes).length;
  const localActivities = events.filter(
    (e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity',
  ).length;
  const store = await new LocalDirStore(agent.store, agent.limits).read();
  const [floorMs] = await timeIt(async () => {
    await c.client.workflow.execute(benchFloor, {
      taskQueue: c.temporal.taskQueue,
      workflowId: `bench-floor-${agent.id}`,
      args: [activities, localActivities],
    });
    const entries = [...store.files];
    await mapLimit(entries, 16, ([p, content]) =>
      s3.send(new PutObjectCommand({ Bucket: bucket, Key: `bench/raw/${agent.id}${p}`, Body: content })),
    );
    await mapLimit(entries, 16, async ([p]) =>
      (
        await s3.send(new GetObjectCommand({ Bucket: bucket, Key: `bench/raw/${agent.id}${p}` }))
      ).Body!.transformToString(),
    );
  });
  return {
    files,
    bytes: store.bytes,
    cycleMs,
    floorMs,
    ratio: cycleMs / floorMs,
    activities,
    localActivities,
    historyEvents: events.length,
    events: whereEventsGo(events),
    ...(sent ? { s3Requests: sent } : {}),
  };
}

export interface SnapshotRow {
  changed: string;
  putRequests: number;
  bytesWritten: number;
  storeBytes: number;
  bytesRatio: number;
}

export async function snapshotCost(
  s3: S3Client,
  bucket: string,
  files: number,
): Promise<{ rows: SnapshotRow[]; restoreMs: number; rawDownloadMs: number; restoreRatio: number }> {
  const snaps = new SnapshotStore(s3, bucket);
  const agent = { fleet: 'bench', id: `bench-snap-${files}-${Date.now().toString(36)}` };
  const base = syntheticStore(files);
  const first = await snaps.take(agent, base, 'initial');
  const row = (changed: string, cost: typeof first.cost, store: MemoryStore): SnapshotRow => ({
    changed,
    putRequests: cost.putRequests,
    bytesWritten: cost.bytesWritten,
    storeBytes: store.bytes,
    bytesRatio: cost.bytesWritten / store.bytes,
  });
  const rows = [row('first snapshot', first.cost, base)];
  const same = await snaps.take(agent, base, 'unchanged');
  rows.push(row('0 %', same.cost, base));
  const onePct = new Map(base.files);
  for (const p of base.paths().slice(0, Math.max(1, Math.round(files / 100))))
    onePct.set(p, `${onePct.get(p)}- changed\n`);
  const one = MemoryStore.from(onePct);
  rows.push(row('1 %', (await snaps.take(agent, one, 'one-percent')).cost, one));
  const all = syntheticStore(files, '-moved');
  const allSnap = await snaps.take(agent, all, 'all');
  rows.push(row('100 %', allSnap.cost, all));

  clearRestoreCache();
  const [restoreMs] = await timeIt(() => snaps.restore(agent, allSnap.id));
  const manifest = await snaps.manifest(agent, allSnap.id);
  const [rawDownloadMs] = await timeIt(() =>
    mapLimit(manifest.files, 16, async (f) =>
      (
        await s3.send(
          new GetObjectCommand({
            Bucket: bucket,
            Key: blobKey(agent, f.sha256),
          }),
        )
      ).Body!.transformToByteArray(),
    ),
  );
  return { rows, restoreMs, rawDownloadMs, restoreRatio: restoreMs / rawDownloadMs };
}

export interface FleetRow {
  agents: number;
  seconds: number;
  cyclesPerMinute: number;
  historyEventsPerCycle: number;
  outcomes: Record<string, number>;
}

export async function fleetThroughput(
  c: DreamgateClient,
  fleets: FleetRegistry,
  agents: number,
  concurrency: number,
): Promise<FleetRow> {
  const list = await Promise.all(
    Array.from({ length: agents }, (_, i) =>
      syntheticAgentOnDisk(`bench-fleet-${agents}-${i}-${Date.now().toString(36)}`, 5, 3),
    ),
  );
  const fleet = await served(fleets, {
    fleet: `bench-${agents}-${Date.now().toString(36)}`,
    concurrency,
    agents: list,
  });
  const [ms, result] = await timeIt(async () =>
    (await startFleetRun(c, fleet, { workflowId: `bench-fleet-${agents}-${Date.now().toString(36)}` })).result(),
  );
  const outcomes = result.counts;
  const sample = (await fleetOutcomes(c, result)).slice(0, 5);
  let events = 0;
  for (const o of sample)
    events += ((await c.client.workflow.getHandle(o.workflowId).fetchHistory()).events ?? []).length;
  return {
    agents,
    seconds: ms / 1000,
    cyclesPerMinute: agents / (ms / 60_000),
    historyEventsPerCycle: events / sample.length,
    outcomes,
  };
}
