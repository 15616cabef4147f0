import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, type DreamgateClient } from '../../app/client.js';
import { createWorker } from '../../app/worker.js';
import { FleetRegistry } from '../../src/config/registry.js';
import { loadStackConfig, type StackConfig } from '../../src/config/stack.js';
import { LocalDirStore } from '../../src/memory/localDir.js';
import { projectRoot } from '../../src/util/paths.js';
import type { CycleInputV1, CycleResultV1, CycleStateV1 } from '../../workflows/legacy/types.js';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/sessions.js';
import { exampleAgent, serveFleet, startReceiver, waitFor, type Receiver } from './cycleHarness.js';
import { bundled, unique } from './helpers.js';

/**
 * An upgrade with a cycle in flight: a v1 worker starts a cycle (the whole agent config in its input) and
 * stops while the cycle waits for review; the current worker finishes it with the configuration it resolves
 * for the agent, and its decisions are checked as v2 checks them.
 */
let cfg: StackConfig;
let client: DreamgateClient;
let receiver: Receiver;
const taskQueue = unique('upgrade');
const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: console.error };

beforeAll(async () => {
  cfg = await loadStackConfig();
  const c = await connectClient(cfg);
  client = { ...c, temporal: { ...c.temporal, taskQueue, sharedQueue: true } };
  receiver = await startReceiver();
});
afterAll(async () => {
  await client?.close();
  await receiver?.close();
});

describe('a v1 cycle in flight at an upgrade', () => {
  it('finishes under the current worker with the worker’s configuration; its decisions are checked', async () => {
    const agent = await exampleAgent('support-agent', { mode: 'review', reviewers: ['alice'] });
    const fleets = new FleetRegistry();
    const fleet = await serveFleet(fleets, [agent], {
      paging: { url: `${receiver.url}/page`, format: 'pagerduty', routingKey: 'UPGRADE' },
    });
    const before = await new LocalDirStore(agent.store).read();
    const owned = join(await tempDir('dg-owned-'), 'owned.txt');

    // 1. the previous version's worker starts the cycle, with what v1 put in the input
    const v1 = await createWorker(
      cfg,
      {
        taskQueue,
        workflowBundle: await bundleWorkflowCode({
          workflowsPath: join(projectRoot, 'test', 'upgrade', 'v1Workflows.ts'),
          logger: quiet,
        }),
      },
      { fleets },
    );
    const input: CycleInputV1 = {
      agent: { ...agent, evaluator: ['sh', '-c', `id > ${owned}`] },
      paging: { url: 'http://127.0.0.1:9/elsewhere', format: 'json' },
      trigger: 'manual',
    };
    const workflowId = `dream-${agent.id}-20261125T010220`;
    const handle = await v1.worker.runUntil(async () => {
      const started = await client.client.workflow.start('dreamCycle', {
        taskQueue,
        workflowId,
        args: [input],
        searchAttributes: { DreamAgent: [agent.id] },
      });
      await waitFor('review', async () =>
        (await started.query<CycleStateV1>('state')).stage === 'review' ? true : undefined,
      );
      return started;
    });
    await v1.close();

    // 2. the current worker, and a reviewer with the current command line
    const v2 = await createWorker(cfg, { taskQueue, ...bundled() }, { fleets });
    const result = await v2.worker.runUntil(async () => {
      const env = { DREAMGATE_TASK_QUEUE: taskQueue };
      const state = await handle.query<CycleStateV1>('state');
      // a stray signal is checked against the worker's reviewers, and ignored
      await handle.signal('approve', { reviewer: 'mallory', changeSetId: state.changeSetId });
      await waitFor('mallory ignored', async () =>
        (await handle.query<CycleStateV1>('state')).ignoredSignals.length === 1 ? true : undefined,
      );
      const approved = await runCli(
        ['approve', agent.id, state.changeSetId!.slice(0, 12), '--as', 'alice', '--fleet', fleet.file],
        env,
      );
      expect([approved.code, approved.stdout]).toEqual([0, expect.stringContaining('sent as a signal')]);
      return (await handle.result()) as CycleResultV1;
    });
    await v2.close();

    expect(result.outcome).toBe('kept');
    expect(result.ignoredSignals).toEqual([
      { reviewer: 'mallory', why: `mallory is not a reviewer of ${fleet.fleet}/${agent.id}` },
    ]);
    expect((await new LocalDirStore(agent.store).read()).hash()).not.toBe(before.hash());
    expect(existsSync(owned)).toBe(false); // the input's evaluator never ran

    // the mixed history: v1 up to the upgrade, the patch marker after it; it replays on the current code
    const history = await handle.fetchHistory();
    const markers = (history.events ?? []).filter((e) => e.markerRecordedEventAttributes);
    expect(markers.length).toBeGreaterThan(0);
    await Worker.runReplayHistory(
      {
        workflowBundle: await bundleWorkflowCode({
          workflowsPath: join(projectRoot, 'workflows', 'index.ts'),
          logger: quiet,
        }),
      },
      JSON.parse(historyToJSON(history)),
      workflowId,
    );
  });
});
