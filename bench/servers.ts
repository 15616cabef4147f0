import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { DreamgateClient } from '../app/client.js';
import { startCycle } from '../app/cycles.js';
import { fleetOutcomes, startFleetRun } from '../app/schedules.js';
import { agentDefaults, claudeSettings, type AgentConfig, type FleetConfig } from '../src/config/fleet.js';
import { writeFleetFile, type FleetSpec } from '../src/config/fleetYaml.js';
import type { FleetRegistry } from '../src/config/registry.js';
import { scopePrefix } from '../src/config/scope.js';
import { MemoryStore } from '../src/memory/store.js';
import { LocalDirStore } from '../src/memory/localDir.js';
import { clearRestoreCache, SnapshotStore } from '../src/snapshots/snapshots.js';
import { mapLimit } from '../src/util/concurrency.js';
import { benchFloor } from '../workflows/index.js';

/** A store of `n` realistic files (~1 KB of notes each, a few duplicates and contradictions between them). */
export function syntheticStore(n: number, salt = ''): MemoryStore {
  const files = new Map<string, string>();
  for (let i = 0; i < n; i++) {
    const lines = [
      `# Notes ${i}`,
      '',
      `- Service ${i} owner: team-${i % 17}`,
      `- Service ${i} runs on host-${i % 23}.internal${salt}`,
    ];
    for (let j = 0; j < 20; j++)
      lines.push(`- Detail ${j} of service ${i}: threshold ${(i * 31 + j) % 97} requests per second`);
    if (i % 10 === 0) lines.push(`- Service ${i === 0 ? 1 : i - 1} owner: team-${(i + 1) % 17}`);
    if (i % 7 === 0) lines.push(`- Detail 3 of service ${i}: threshold ${(i * 31 + 3) % 97} requests per second`);
    files.set(`/services/s${String(i).padStart(4, '0')}.md`, lines.join('\n') + '\n');
  }
  return MemoryStore.from(files);
}

export async function syntheticAgentOnDisk(id: string, files: number, sessions = 10): Promise<AgentConfig> {
  const dir = await mkdtemp(join(tmpdir(), 'dg-bench-agent-'));
  await new LocalDirStore(join(dir, 'memory')).replaceAll(syntheticStore(files));
  await mkdir(join(dir, 'sessions', id), { recursive: true });
  for (let s = 0; s < sessions; s++) {
    const t = Date.parse('2026-11-20T00:00:00Z') + s * 3_600_000;
    const ev = (i: number, e: Record<string, unknown>) =>
      JSON.stringify({ id: `e${i}`, processed_at: new Date(t + i * 1000).toISOString(), ...e });
    const lines = [ev(0, { type: 'user.message', content: [{ type: 'text', text: `task ${s}` }] })];
    lines.push(
      ev(1, {
        type: 'agent.tool_use',
        id: `tu${s}`,
        name: 'memory',
        input: {
          command: 'insert',
          path: '/memories/services/s0000.md',
          insert_line: 0,
          insert_text: `- Service 0 runs on host-${s}.internal`,
        },
      }),
    );
    lines.push(ev(2, { type: 'agent.tool_result', tool_use_id: `tu${s}`, content: 'ok', is_error: false }));
    await writeFile(join(dir, 'sessions', id, `sess_${s}.jsonl`), lines.join('\n') + '\n');
  }
  await writeFile(
    join(dir, 'suite.yml'),
    'cases:\n  - id: owner\n    question: Who owns service 5?\n    expect:\n      all: ["team-5"]\n',
  );
  return {
    fleet: 'bench',
    id,
    store: join(dir, 'memory'),
    sessions: join(dir, 'sessions'),
    suite: join(dir, 'suite.yml'),
    mode: 'automatic',
    threshold: agentDefaults.threshold,
    minNewSessions: 0,
    reviewTimeoutMs: agentDefaults.reviewTimeoutMs,
    trustAfter: agentDefaults.trustAfter,
    scorer: agentDefaults.scorer,
    claude: claudeSettings(),
    redreamAttempts: agentDefaults.redreamAttempts,
    dreamer: 'heuristic',
    reviewers: [],
    owners: [],
    maxSessions: agentDefaults.maxSessions,
    onQuarantine: 'notify',
  };
}

const timeIt = async <T>(fn: () => Promise<T>): Promise<[number, T]> => {
  const t = performance.now();
  const r = await fn();
  return [performance.now() - t, r];
};

export interface OverheadRow {
  files: number;
  cycleMs: number;
  floorMs: number;
  ratio: number;
  activities: number;
  historyEvents: number;
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
): Promise<OverheadRow> {
  const rows: OverheadRow[] = [];
  for (let i = 0; i < runs; i++) rows.push(await measureOnce(c, fleets, s3, bucket, files));
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
): Promise<OverheadRow> {
  const agent = await syntheticAgentOnDisk(`bench-${files}-${Date.now().toString(36)}`, files);
  const fleet = await served(fleets, { fleet: `bench-${agent.id}`, agents: [agent] });
  clearRestoreCache();
  const [cycleMs, handle] = await timeIt(async () => {
    const h = await startCycle(c, fleet, fleet.agents[0]!, 'bench');
    const r = await h.result();
    if (r.outcome !== 'kept') throw new Error(`bench cycle ended ${r.outcome}: ${r.reason}`);
    return h;
  });
  const events = (await handle.fetchHistory()).events ?? [];
  const activities = events.filter((e) => e.activityTaskScheduledEventAttributes).length;
  const store = await new LocalDirStore(agent.store).read();
  const [floorMs] = await timeIt(async () => {
    await c.client.workflow.execute(benchFloor, {
      taskQueue: c.temporal.taskQueue,
      workflowId: `bench-floor-${agent.id}`,
      args: [activities],
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
  return { files, cycleMs, floorMs, ratio: cycleMs / floorMs, activities, historyEvents: events.length };
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
            Key: `${scopePrefix(agent)}blobs/${f.sha256.slice(0, 2)}/${f.sha256}`,
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
