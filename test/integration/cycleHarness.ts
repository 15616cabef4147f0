import { cp, mkdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { connectClient, type DreamgateClient } from '../../app/client.js';
import { createWorker, type DreamgateWorker } from '../../app/worker.js';
import { agentDefaults, claudeSettings, type AgentConfig, type FleetConfig } from '../../src/config/fleet.js';
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
  fleet: Pick<FleetConfig, 'paging' | 'notify'>;
  running: Promise<void>;
  close(): Promise<void>;
}

export async function startHarness(): Promise<Harness> {
  const cfg = await loadStackConfig();
  const taskQueue = unique('cycle-test');
  const c = await connectClient(cfg);
  const client = { ...c, temporal: { ...c.temporal, taskQueue } };
  const worker = await createWorker(cfg, { taskQueue, shutdownGraceTime: '2s', ...bundled() });
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
