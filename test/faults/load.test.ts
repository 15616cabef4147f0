import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, type DreamgateClient } from '../../app/client.js';
import { fleetOutcomes, startFleetRun } from '../../app/schedules.js';
import { syntheticAgentOnDisk } from '../../bench/agents.js';
import { join } from 'node:path';
import type { FleetConfig } from '../../src/config/fleet.js';
import { writeFleetFile } from '../../src/config/fleetYaml.js';
import { loadStackConfig } from '../../src/config/stack.js';
import { tempDir } from '../support/sessions.js';
import { mapLimit } from '../../src/util/concurrency.js';
import { unique } from '../integration/helpers.js';
import { spawnWorker, type ProcWorker } from './procWorker.js';

/**
 * Load: a fleet of 200 agents on one worker process. No cycle lost or run twice; every workflow history
 * (the fleet's runs across continue-as-new, and each cycle) under 1,000 events; no payload over 64 KB.
 */
const agentCount = 200;
let c: DreamgateClient;
let worker: ProcWorker;

let fleet: FleetConfig;
beforeAll(async () => {
  const agents = await mapLimit(
    Array.from({ length: agentCount }, (_, i) => i),
    16,
    (i) => syntheticAgentOnDisk(`load-${i}-${Date.now().toString(36)}`, 5, 3),
  );
  fleet = await writeFleetFile(join(await tempDir('dg-load-'), 'dreamgate.yml'), {
    fleet: unique('load-fleet'),
    concurrency: 20,
    agents,
  });
  const queue = unique('load');
  c = await connectClient(await loadStackConfig());
  c = { ...c, temporal: { ...c.temporal, taskQueue: queue, sharedQueue: true } };
  worker = await spawnWorker(queue, fleet.file);
});
afterAll(async () => {
  await worker?.kill('SIGTERM');
  await c?.close();
});

/** The largest payload anywhere in a history, in bytes. */
function largestPayload(value: unknown): number {
  let max = 0;
  const walk = (v: unknown) => {
    if (!v || typeof v !== 'object') return;
    if (v instanceof Uint8Array) return;
    if (Array.isArray(v)) return v.forEach(walk);
    const o = v as Record<string, unknown>;
    if (o.data instanceof Uint8Array && 'metadata' in o) max = Math.max(max, o.data.byteLength);
    for (const x of Object.values(o)) walk(x);
  };
  walk(value);
  return max;
}

describe(`a fleet run of ${agentCount} agents on one worker`, () => {
  it('ends with every cycle once, small histories and small payloads', async () => {
    const { agents } = fleet;
    const handle = await startFleetRun(c, fleet, { agentsPerRun: 50 });
    const result = await handle.result();

    // every agent once: none lost, none run twice
    const outcomes = await fleetOutcomes(c, result);
    expect(outcomes).toHaveLength(agentCount);
    expect(new Set(outcomes.map((o) => o.agent))).toEqual(new Set(agents.map((a) => a.id)));
    expect(new Set(outcomes.map((o) => o.workflowId)).size).toBe(agentCount);
    expect(result.counts).toEqual({ kept: agentCount });

    // the fleet's runs (it continues as new every 50 agents here)
    const runs: { runId: string }[] = [];
    for await (const w of c.client.workflow.list({ query: `WorkflowId = '${handle.workflowId}'` })) runs.push(w);
    expect(runs.length).toBe(agentCount / 50);
    const sizes: { id: string; events: number; payload: number }[] = [];
    for (const r of runs) {
      const h = await c.client.workflow.getHandle(handle.workflowId, r.runId).fetchHistory();
      sizes.push({ id: `${handle.workflowId}/${r.runId}`, events: h.events!.length, payload: largestPayload(h) });
    }
    // each cycle: one execution, its history
    await mapLimit(outcomes, 8, async (o) => {
      let executions = 0;
      for await (const _ of c.client.workflow.list({ query: `WorkflowId = '${o.workflowId}'` })) executions++;
      expect(executions, o.workflowId).toBe(1);
      const h = await c.client.workflow.getHandle(o.workflowId).fetchHistory();
      sizes.push({ id: o.workflowId, events: h.events!.length, payload: largestPayload(h) });
    });
    const most = sizes.reduce((a, b) => (b.events > a.events ? b : a));
    const biggest = sizes.reduce((a, b) => (b.payload > a.payload ? b : a));
    process.stderr.write(
      `\nload: ${agentCount} cycles, ${runs.length} fleet runs; most history events ${most.events} (${most.id}); largest payload ${biggest.payload} bytes (${biggest.id})\n`,
    );
    expect(sizes).toHaveLength(runs.length + agentCount);
    expect(most.events).toBeLessThan(1_000);
    expect(biggest.payload).toBeLessThan(64 * 1024);
    expect(biggest.payload).toBeGreaterThan(0); // the walk finds payloads at all
  });
});
