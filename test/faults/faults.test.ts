import { CreateBucketCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, type DreamgateClient } from '../../app/client.js';
import { cycleState, startCycle, type StartedCycle as CycleHandle } from '../../app/cycleClient.js';
import { writeFleetFile } from '../../src/config/fleetYaml.js';
import { approveUpdate } from '../../workflows/definitions.js';
import { loadStackConfig, type StackConfig } from '../../src/config/stack.js';
import type { AgentConfig, FleetConfig } from '../../src/config/fleet.js';
import type { CycleResult } from '../../src/cycle/types.js';
import { openStore } from '../../src/sources/openStore.js';
import { S3PrefixStore } from '../../src/memory/s3Prefix.js';
import type { MemoryStore } from '../../src/memory/store.js';
import { createS3Client } from '../../src/s3/client.js';
import { storageSettings } from '../../src/config/storage.js';
import { AuditLog } from '../../src/audit/audit.js';
import { isHealthy, stackDown, stackUp } from '../../app/stack/servers.js';
import { LocalDirStore } from '../../src/memory/localDir.js';
import { exampleAgent, startReceiver, type Receiver } from '../integration/cycleHarness.js';
import { unique } from '../integration/helpers.js';
import { tempDir } from '../support/sessions.js';
import { supersededAgentOnDisk } from '../support/supersededStore.js';
import { spawnWorker, type ProcWorker } from './procWorker.js';
import { changeSetKey } from '../../src/names/keys.js';

/**
 * Scripted faults with real processes and real servers. In every run the cycle must end with the right
 * outcome, the live store must equal the old or the new store exactly (never a mix), no audit record may
 * be duplicated and no page sent twice.
 */
let cfg: StackConfig;
let receiver: Receiver;
const s3 = () => createS3Client(storageSettings(cfg));
const runs: { name: string; ok: boolean }[] = [];

beforeAll(async () => {
  cfg = await loadStackConfig();
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver?.close();
  const failed = runs.filter((r) => !r.ok);
  process.stderr.write(
    `\nfault runs: ${runs.length}, failures: ${failed.length}${failed.length ? ` (${failed.map((f) => f.name).join(', ')})` : ''}\n`,
  );
});

/** A one-agent fleet file, paging the local receiver: what the test's worker process serves. */
async function fleetOf(agent: AgentConfig): Promise<FleetConfig> {
  // the agent's own fleet: its objects and audit log are found by that scope
  return writeFleetFile(join(await tempDir('dg-fault-fleet-'), 'dreamgate.yml'), {
    fleet: agent.fleet,
    agents: [agent],
    paging: { url: `${receiver.url}/page`, format: 'pagerduty', routingKey: 'FAULTS' },
    notify: { url: `${receiver.url}/notify`, format: 'json' },
  });
}

/** The alerts a cycle sent (pages and notices), by their dedup key: its fleet, agent and run. */
const pagesOf = (fleet: FleetConfig, agent: AgentConfig, handle: CycleHandle) =>
  receiver.received.filter((r) =>
    String(r.body.dedup_key ?? '').startsWith(`dreamgate/${fleet.fleet}/${agent.id}/${handle.firstExecutionRunId}/`),
  );

async function clientOn(taskQueue: string): Promise<DreamgateClient> {
  const c = await connectClient(cfg);
  return { ...c, temporal: { ...c.temporal, taskQueue, sharedQueue: true } };
}

const liveOf = (agent: AgentConfig, client = s3()) => openStore(agent.store, { s3: client }).read();

async function auditOf(agent: AgentConfig, cycleId: string) {
  const client = s3();
  try {
    return await new AuditLog(client, storageSettings(cfg).auditBucket, 1).read(agent, cycleId);
  } finally {
    client.destroy();
  }
}

/** A cycle's result, riding out a Temporal server that is restarting. */
async function resultOf(handle: CycleHandle): Promise<CycleResult> {
  for (let i = 0; ; i++) {
    try {
      return await handle.result();
    } catch (err) {
      if (i >= 30 || (err as Error).name === 'WorkflowFailedError') throw err;
      await new Promise((r) => setTimeout(r, 2_000));
    }
  }
}

/** The invariants every fault run must keep. */
async function checkRun(
  name: string,
  fleet: FleetConfig,
  agent: AgentConfig,
  handle: CycleHandle,
  before: MemoryStore,
  outcome: CycleResult['outcome'],
): Promise<void> {
  let ok = false;
  try {
    const state = await cycleState(handle);
    expect(state.outcome, `${name}: ${state.reason}`).toBe(outcome);
    const records = await auditOf(agent, handle.firstExecutionRunId);
    const events = records.map((r) => r.event);
    expect(new Set(records.map((r) => r.seq)).size, `${name}: audit seqs`).toBe(records.length);
    expect(new Set(events).size, `${name}: audit events ${events.join(', ')}`).toBe(events.length);
    const live = await liveOf(agent);
    if (outcome === 'kept') {
      const promoted = records.find((r) => r.event === 'promoted')!;
      expect(live.hash(), `${name}: live is the new store`).toBe(
        (promoted.data as { expectedSha256: string }).expectedSha256,
      );
      expect(live.hash()).not.toBe(before.hash());
    } else {
      expect(live.hash(), `${name}: live is the old store`).toBe(before.hash());
    }
    // no alert of a kind sent twice (a review cycle also tells its reviewers, once)
    const sent = pagesOf(fleet, agent, handle).map((r) => String(r.body.dedup_key));
    expect(sent, `${name}: alerts`).toEqual([...new Set(sent)]);
    ok = true;
  } finally {
    runs.push({ name, ok });
  }
}

/** An example agent whose live store is an S3 prefix (for the S3 faults: the promote writes go to S3 too). */
/** A bucket for agents' memory, apart from dreamgate's own (a store may not lie in those). */
const memoryBucket = 'dreamgate-faults-memory';

async function s3Agent(overrides: Partial<AgentConfig> = {}): Promise<AgentConfig> {
  const agent = await exampleAgent('coding-agent', overrides);
  const client = s3();
  try {
    await client.send(new CreateBucketCommand({ Bucket: memoryBucket })).catch((err: { name?: string }) => {
      if (err.name !== 'BucketAlreadyOwnedByYou' && err.name !== 'BucketAlreadyExists') throw err;
    });
    const prefix = `faults/${agent.id}/memory/`;
    const local = await new LocalDirStore(agent.store).read();
    await new S3PrefixStore(client, memoryBucket, prefix).replaceAll(local);
    return { ...agent, store: `s3://${memoryBucket}/${prefix}` };
  } finally {
    client.destroy();
  }
}

const stages = [
  'snapshotAndCount',
  'evaluate:baseline',
  'dream',
  'evaluate:post',
  'promote',
  'verify',
  'saveAgentState',
  'recordAudit',
];

describe('SIGKILL the worker at each stage of a cycle', { concurrent: true }, () => {
  it.each(stages)('killed during %s: a new worker finishes the cycle correctly', async (stage) => {
    const queue = unique('fault-kill');
    const agent = await exampleAgent('coding-agent');
    const fleet = await fleetOf(agent);
    const before = await liveOf(agent);
    const c = await clientOn(queue);
    const first = await spawnWorker(queue, fleet.file, stage);
    let second: ProcWorker | undefined;
    try {
      const handle = await startCycle(c, fleet, agent);
      await first.paused();
      await first.kill('SIGKILL');
      second = await spawnWorker(queue, fleet.file);
      await resultOf(handle);
      await checkRun(`kill during ${stage}`, fleet, agent, handle, before, 'kept');
    } finally {
      await first.kill();
      await second?.kill('SIGTERM');
      await c.close();
    }
  });

  it('killed while waiting for review: the approval reaches the new worker', async () => {
    const queue = unique('fault-review');
    const agent = await exampleAgent('support-agent', { mode: 'review', reviewers: ['alice'] });
    const fleet = await fleetOf(agent);
    const before = await liveOf(agent);
    const c = await clientOn(queue);
    const first = await spawnWorker(queue, fleet.file);
    let second: ProcWorker | undefined;
    try {
      const handle = await startCycle(c, fleet, agent);
      // waiting for review: the stage is entered and the reviewers were told (the kill must not land inside
      // the notice's own send, where at-least-once delivery may send it again under the same dedup key)
      const told = () => pagesOf(fleet, agent, handle).some((r) => String(r.body.dedup_key).endsWith('/review'));
      for (let i = 0; (await cycleState(handle)).stage !== 'review' || !told(); i++) {
        if (i > 300) throw new Error('never reached review');
        await new Promise((r) => setTimeout(r, 200));
      }
      const { changeSetId } = await cycleState(handle);
      await first.kill('SIGKILL');
      // an update needs a worker to answer it: it is accepted once the new worker has replayed the cycle
      second = await spawnWorker(queue, fleet.file);
      const answer = await handle.executeUpdate(approveUpdate, {
        args: [{ reviewer: 'alice', changeSetId: changeSetId! }],
      });
      expect(answer.accepted).toBe(true);
      await resultOf(handle);
      await checkRun('kill during review', fleet, agent, handle, before, 'kept');
    } finally {
      await first.kill();
      await second?.kill('SIGTERM');
      await c.close();
    }
  });
});

describe('a slow dreamer cancelled', () => {
  it('the cycle ends cancelled, its dream stopped, the live store untouched, nobody paged', async () => {
    const queue = unique('fault-cancel');
    const agent = await exampleAgent('coding-agent');
    const fleet = await fleetOf(agent);
    const before = await liveOf(agent);
    const c = await clientOn(queue);
    const worker = await spawnWorker(queue, fleet.file, 'dream');
    try {
      const handle = await startCycle(c, fleet, agent);
      await worker.paused();
      await handle.cancel();
      await expect(handle.result()).rejects.toThrow();
      await checkRun('slow dreamer cancelled', fleet, agent, handle, before, 'failed');
      expect((await cycleState(handle)).reason).toBe('cancelled');
      expect(pagesOf(fleet, agent, handle)).toEqual([]);
      const history = await handle.fetchHistory();
      expect(history.events!.some((e) => e.activityTaskCancelRequestedEventAttributes)).toBe(true);
    } finally {
      await worker.kill('SIGTERM');
      await c.close();
    }
  });
});

describe('a promotion cut off half-way', () => {
  it('worker killed after the first of many S3 writes: the next worker finishes it, never leaving a mix', async () => {
    const queue = unique('fault-midpromote');
    // 400 files; five sessions supersede a line in each of 50 of them: 100 applied changes to promote
    const local = await supersededAgentOnDisk(unique('mid'), 400);
    const agent = {
      ...(await s3Agent()),
      id: local.id,
      sessions: local.sessions,
      suite: local.suite,
      minNewSessions: 1,
    };
    const fleet = await fleetOf(agent);
    // the synthetic store replaces the example's
    const client = s3();
    const bucket = memoryBucket;
    const prefix = agent.store.slice(`s3://${bucket}/`.length);
    await new S3PrefixStore(client, bucket, prefix).replaceAll(await new LocalDirStore(local.store).read());
    const before = await liveOf(agent, client);
    const c = await clientOn(queue);
    const first = await spawnWorker(queue, fleet.file, 'promote');
    let second: ProcWorker | undefined;
    try {
      const handle = await startCycle(c, fleet, agent);
      // a cycle that ended before promotion (discarded at the gate, say) tells why
      await first.paused().catch(async (err: Error) => {
        const { outcome, reason } = await cycleState(handle);
        throw new Error(`${err.message}; the cycle: ${outcome ?? 'running'} ${reason ?? ''}`);
      });
      const { changeSetId } = await cycleState(handle);
      const cs = (await c.objects.getJson<{ changes: { path: string; tier?: string }[] }>(
        changeSetKey({ fleet: fleet.fleet, id: agent.id }, changeSetId!),
      ))!;
      const applied = cs.changes.filter((ch) => ch.tier !== 'suggested');
      expect(applied.length).toBeGreaterThan(20);
      // a suggestion is not promoted in an automatic cycle: watch a change of the applied tier
      const watched = applied[0]!.path;
      const read = async (path: string) => {
        const out = await client
          .send(new GetObjectCommand({ Bucket: bucket, Key: prefix + path.slice(1) }))
          .catch(() => undefined);
        return out ? await out.Body!.transformToString() : undefined;
      };
      await first.release();
      for (let i = 0; (await read(watched)) === before.get(watched); i++) {
        if (i > 10_000) throw new Error(`${watched} was never written`); // bounded: a loaded machine is slow
      }
      await first.kill('SIGKILL');
      const mid = await liveOf(agent, client);
      const written = applied.filter((ch) => mid.get(ch.path) !== before.get(ch.path)).length;
      // a real mix: some of the change set written, not all
      expect(written).toBeGreaterThan(0);
      expect(written).toBeLessThan(applied.length);
      second = await spawnWorker(queue, fleet.file);
      await resultOf(handle);
      await checkRun('kill in the middle of a promotion', fleet, agent, handle, before, 'kept');
    } finally {
      client.destroy();
      await first.kill();
      await second?.kill('SIGTERM');
      await c.close();
    }
  });
});

describe('servers stopped and restarted mid-cycle', () => {
  async function withServerDown(
    name: string,
    server: 'temporal' | 's3',
    pause: string,
    agent: AgentConfig,
    outcome: CycleResult['outcome'],
  ) {
    const queue = unique('fault-server');
    const fleet = await fleetOf(agent);
    const before = await liveOf(agent);
    const c = await clientOn(queue);
    const worker = await spawnWorker(queue, fleet.file, pause);
    try {
      const handle = await startCycle(c, fleet, agent);
      await worker.paused();
      await stackDown(cfg, [server]);
      expect(await isHealthy(cfg, server)).toBe(false); // really down
      await worker.release(); // the activity now meets a dead server and fails; Temporal retries it
      await new Promise((r) => setTimeout(r, 4_000));
      await stackUp(cfg);
      await resultOf(handle);
      await checkRun(name, fleet, agent, handle, before, outcome);
      if (server === 's3') {
        // the paused activity failed against the stopped server and was retried
        const [activity] = pause.split(':');
        const history = await handle.fetchHistory();
        const scheduled = new Set(
          history
            .events!.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === activity)
            .map((e) => String(e.eventId)),
        );
        const attempts = history.events!.filter((e) =>
          scheduled.has(String(e.activityTaskStartedEventAttributes?.scheduledEventId)),
        );
        expect(Math.max(...attempts.map((e) => e.activityTaskStartedEventAttributes!.attempt ?? 1))).toBeGreaterThan(1);
      }
    } finally {
      await stackUp(cfg);
      await worker.kill('SIGTERM');
      await c.close();
    }
  }

  it('Temporal restarted while the dream runs', async () => {
    await withServerDown(
      'temporal restart during dream',
      'temporal',
      'dream',
      await exampleAgent('coding-agent'),
      'kept',
    );
  });

  it('S3 stopped during the snapshot', async () => {
    await withServerDown('s3 down during snapshot', 's3', 'snapshotAndCount', await s3Agent(), 'kept');
  });

  it('S3 stopped during promotion', async () => {
    await withServerDown('s3 down during promote', 's3', 'promote', await s3Agent(), 'kept');
  });

  it('S3 stopped during rollback', async () => {
    // an evaluator whose third call (the verify step) regresses, so the promotion is rolled back
    const counter = join(await tempDir(), 'calls');
    const script = `${counter}.sh`;
    await writeFile(
      script,
      `#!/bin/sh\nn=$(cat ${counter} 2>/dev/null || echo 0); n=$((n+1)); echo $n > ${counter}\nif [ $n -ge 3 ]; then echo '{"score": 0.1}'; else echo "{\\"score\\": 0.$((4+n))}"; fi\n`,
      { mode: 0o755 },
    );
    await withServerDown(
      's3 down during rollback',
      's3',
      'rollback',
      await s3Agent({ evaluator: [script] }),
      'rolled_back',
    );
  });
});
