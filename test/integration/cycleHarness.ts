import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { WorkflowHandle } from '@temporalio/client';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectClient, type DreamgateClient } from '../../app/client.js';
import { startCycle } from '../../app/cycleClient.js';
import { createWorker, type DreamgateWorker } from '../../app/worker.js';
import { agentDefaults, claudeSettings, type AgentConfig, type FleetConfig } from '../../src/config/fleet.js';
import { writeFleetFile, type FleetSpec } from '../../src/config/fleetYaml.js';
import { FleetRegistry } from '../../src/config/registry.js';
import { loadStackConfig, type StackConfig } from '../../src/config/stack.js';
import { projectRoot } from '../../src/util/paths.js';
import { tempDir } from '../support/sessions.js';
import { bundled, unique } from './helpers.js';

export const fleetDir = join(projectRoot, 'examples', 'fleet');

/** A local webhook receiver: what on-call and owners would have been sent. */
export interface Receiver {
  url: string;
  received: { path: string; body: Record<string, unknown> }[];
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: Receiver['received'] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      received.push({ path: req.url ?? '', body: JSON.parse(body || '{}') as Record<string, unknown> });
      res.writeHead(202, { 'content-type': 'application/json' }).end('{"status":"success"}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, received, close: () => new Promise((r) => server.close(() => r())) };
}

/** A worker on its own task queue and a client pointed at it, for one test file. */
export interface Harness {
  cfg: StackConfig;
  client: DreamgateClient;
  worker: DreamgateWorker;
  receiver: Receiver;
  /** The webhooks every fleet of this harness pages and notifies (the local receiver). */
  fleet: Pick<FleetConfig, 'paging' | 'notify'>;
  running: Promise<void>;
  /**
   * Writes a fleet file for these agents (with the receiver's webhooks) and has the worker serve it, as a
   * production worker serves its own file.
   */
  serve(agents: AgentConfig[], spec?: Partial<FleetSpec>): Promise<FleetConfig>;
  /** A one-agent fleet served by the worker, and a cycle of its agent started. */
  start(agent: AgentConfig, trigger?: string): ReturnType<typeof startCycle>;
  close(): Promise<void>;
}

/** A fleet file in a fresh directory, served by `fleets`: the worker's own copy of the configuration. */
export async function serveFleet(
  fleets: FleetRegistry,
  agents: AgentConfig[],
  spec: Partial<FleetSpec> = {},
): Promise<FleetConfig> {
  // the fleet the (first) agent names, so its objects, audit log and cycles are found by its scope
  const name = spec.fleet ?? agents[0]?.fleet ?? unique('fleet');
  for (const a of agents) a.fleet = name;
  const dir = join(tmpdir(), 'dg-fleets', name);
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'dreamgate.yml');
  await writeFleetFile(file, { ...spec, fleet: name, agents });
  return fleets.load({ file });
}

/** @param opts.lockWaitMs how long a promotion waits for a store's consolidation lock (a test shortens it) */
export async function startHarness(opts: { lockWaitMs?: number } = {}): Promise<Harness> {
  const cfg = await loadStackConfig();
  const taskQueue = unique('cycle-test');
  const c = await connectClient(cfg);
  const client = { ...c, temporal: { ...c.temporal, taskQueue, sharedQueue: true } };
  const worker = await createWorker(
    cfg,
    { taskQueue, shutdownGraceTime: '2s', ...bundled() },
    { fleets: new FleetRegistry(), ...opts },
  );
  const running = worker.worker.run();
  const receiver = await startReceiver();
  const fleet = {
    paging: { url: `${receiver.url}/page`, format: 'pagerduty' as const, routingKey: 'R0UT1NGKEY' },
    notify: { url: `${receiver.url}/notify`, format: 'json' as const },
  };
  const harness: Harness = {
    cfg,
    client,
    worker,
    receiver,
    fleet,
    running,
    serve: (agents, spec = {}) => serveFleet(worker.fleets, agents, { ...fleet, ...spec }),
    async start(agent, trigger = 'manual') {
      const served = await harness.serve([agent]);
      return startCycle(client, served, served.agents[0]!, trigger);
    },
    async close() {
      if (harness.worker.worker.getState() === 'RUNNING') harness.worker.worker.shutdown();
      await harness.running;
      await harness.worker.close();
      await c.close();
      await receiver.close();
    },
  };
  return harness;
}

/** A suite the doc-review agent's dream fails: its dream drops the cap legal pinned, so the gate discards it. */
export const pinnedDocReviewSuite = `cases:
  - id: pinned-cap
    question: What liability cap did legal pin for the Q4 renewals?
    expect:
      all: ["12 months of fees"]
  - id: residuals
    question: Are residuals acceptable?
    expect:
      all: ["never acceptable"]
`;
/** A private copy of an example agent: its store, its sessions and a suite. */
export async function exampleAgent(
  example: string,
  overrides: Partial<AgentConfig> = {},
  suiteText?: string,
): Promise<AgentConfig & { dir: string }> {
  const dir = await tempDir('dg-cycle-');
  const id = unique(example.replace('-agent', ''));
  await cp(join(fleetDir, example, 'memory'), join(dir, 'memory'), { recursive: true });
  await mkdir(join(dir, 'sessions'), { recursive: true });
  await cp(join(fleetDir, 'sessions', example), join(dir, 'sessions', id), { recursive: true });
  const suite = join(dir, 'suite.yml');
  if (suiteText) await writeFile(suite, suiteText);
  else await cp(join(fleetDir, example, 'suite.yml'), suite);
  return {
    dir,
    // each agent in a fleet of its own, so tests on the shared servers never meet
    fleet: unique('tests'),
    id,
    store: join(dir, 'memory'),
    sessions: join(dir, 'sessions'),
    suite,
    mode: 'automatic',
    threshold: agentDefaults.threshold,
    minNewSessions: agentDefaults.minNewSessions,
    reviewTimeoutMs: 60_000,
    trustAfter: agentDefaults.trustAfter,
    scorer: agentDefaults.scorer,
    claude: claudeSettings(),
    redreamAttempts: agentDefaults.redreamAttempts,
    dreamer: 'heuristic',
    reviewers: ['alice'],
    owners: ['owner@example.test'],
    maxSessions: 100,
    // the example agents' sessions include an injected one: these cycles go on and notify, unless a test asks
    onQuarantine: 'notify',
    ...overrides,
  };
}

/** Polls a condition (bounded), for waiting on a workflow to reach a stage. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Keeps a finished workflow's history for the replay tests (with DREAMGATE_RECORD_HISTORIES=1), and the id
 * it ran under (a fleet run's child ids derive from it).
 */
export async function keepHistory(handle: WorkflowHandle, name: string, version = 'v4'): Promise<void> {
  if (!process.env.DREAMGATE_RECORD_HISTORIES) return;
  const dir = join(projectRoot, 'test', 'histories', version);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, `${name}.json`), historyToJSON(await handle.fetchHistory()));
  const idsFile = join(dir, 'workflow-ids.json');
  const ids = JSON.parse(await readFile(idsFile, 'utf8').catch(() => '{}')) as Record<string, string>;
  ids[name] = handle.workflowId;
  await writeFile(idsFile, `${JSON.stringify(ids, null, 2)}\n`);
}
