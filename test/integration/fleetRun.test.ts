import { createHash } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, type DreamgateClient } from '../../app/client.js';
import { connectNative } from '../../app/temporal/connect.js';
import { temporalSettings } from '../../app/temporal/settings.js';
import { loadStackConfig } from '../../src/config/stack.js';
import type { CycleSettings, FleetOutcome, FleetProgress } from '../../src/cycle/types.js';
import { fleetProgressQuery, stateQuery } from '../../workflows/definitions.js';
import { dreamFleet } from '../../workflows/index.js';
import { bundled, unique } from './helpers.js';

/**
 * The fleet run at a size that needs its machinery (a window of children, several runs continued as new,
 * reviews that do not hold the night up), on the stack's real Temporal with stubbed activities: each cycle
 * takes milliseconds, so a test can have many agents. What a cycle does is the other tests' business.
 */
let c: DreamgateClient;
let connection: Awaited<ReturnType<typeof connectNative>>;
beforeAll(async () => {
  const cfg = await loadStackConfig();
  c = await connectClient(cfg);
  connection = await connectNative(temporalSettings(cfg));
});
afterAll(async () => {
  await connection?.close();
  await c?.close();
});

const hash = (s: string) => createHash('sha256').update(s).digest('hex');

/** Agents that wait for review: `rev-*`, and `busy`, started by hand before the fleet run. */
const reviewed = (agent: string) => agent.startsWith('rev-') || agent === 'busy';
const scored = (step: string) => ({
  score: step === 'baseline' ? 0.5 : 0.9,
  passed: 1,
  cases: 1,
  reportKey: 'r',
  failing: [],
  duplicateRatio: 0,
  contradictions: 0,
});

/** A fleet of these agents: `rev-*` wait for review, `bad-*` fail at open, `slow-*` dream until cancelled. */
function fleetStubs(fleet: string, agents: string[], concurrency: number) {
  const written: { offset: number; outcomes: FleetOutcome[] }[] = [];
  let active = 0;
  let maxActive = 0;
  const settings = (agent: string): CycleSettings => ({
    fleet,
    agent,
    configHash: hash(fleet),
    mode: reviewed(agent) ? 'review' : 'automatic',
    threshold: 0.02,
    minNewSessions: 0,
    reviewTimeoutMs: 600_000,
    trustAfter: 3,
    dreamer: 'heuristic',
    batch: false,
    redreamAttempts: 0,
    maxCostUsd: 1,
    reviewers: ['alice'],
    signedDecisions: false,
    owners: [],
  });
  const activities = {
    openFleet: async () => ({ configHash: hash(fleet), agents: agents.length, concurrency, team: false }),
    fleetAgents: async (a: { offset: number; limit: number }) => agents.slice(a.offset, a.offset + a.limit),
    recordFleetOutcomes: async (a: { offset: number; outcomes: FleetOutcome[] }) =>
      void written.push({ offset: a.offset, outcomes: a.outcomes }),
    openCycle: async ({ cycle }: { cycle: { agent: string } }) => {
      if (cycle.agent.startsWith('bad-'))
        throw ApplicationFailure.nonRetryable(`agent "${cycle.agent}" is not in the fleet`, 'InvalidInput');
      maxActive = Math.max(maxActive, ++active);
      return {
        settings: settings(cycle.agent),
        state: { lastKeptSessionAt: null, consecutiveApprovals: 0 },
        auditHead: null,
      };
    },
    takeSnapshot: async () => ({ snapshotId: 'snap', sha256: 'b'.repeat(64), files: 1 }),
    countNewSessions: async () => ({ count: 1, invalid: 0 }),
    snapshotAndCount: async () => ({
      snapshot: { snapshotId: 'snap', sha256: 'b'.repeat(64), files: 1 },
      count: { count: 1, invalid: 0 },
    }),
    evaluate: async ({ cycle, step }: { cycle: { agent: string }; step: string }) => {
      // a cycle about to wait for review leaves the count before the run frees its lane (never after)
      if (step === 'post' && reviewed(cycle.agent)) active--;
      return scored(step);
    },
    dream: async ({ cycle }: { cycle: { agent: string } }) => {
      await new Promise((r) => setTimeout(r, parseInt(hash(cycle.agent).slice(0, 2), 16) % 40)); // a shuffled finish
      // `slow-*` dream until cancelled, heartbeating, as a real dream hears a cancellation
      for (let i = 0; cycle.agent.startsWith('slow-') && i < 600; i++) {
        Context.current().heartbeat();
        if (Context.current().cancellationSignal.aborted) throw Context.current().cancellationSignal.reason;
        await new Promise((r) => setTimeout(r, 100));
      }
      return {
        candidateId: 'cand',
        changeSetId: hash(cycle.agent),
        summary: { changes: 1 },
        changes: 1,
        sessionsUsed: 1,
        dropped: 0,
      };
    },
    promote: async () => ({ expectedSha256: 'e'.repeat(64), rebased: false, agentWrites: [] }),
    verifyLive: async () => ({ matches: true, mismatched: [], sha256: 'e'.repeat(64) }),
    verify: async () => ({ check: { matches: true, mismatched: [], sha256: 'e'.repeat(64) }, eval: scored('verify') }),
    alert: async () => ({ sent: true }),
    recordAudit: async ({ entry }: { entry: unknown }) => ({ key: 'k', sha256: hash(JSON.stringify(entry)) }),
    saveAgentState: async () => void active--,
    // asked when a review opens (what the agent changed since the snapshot)
    changedSinceSnapshot: async () => ({ paths: [] }),
  };
  return { activities, written, maxActive: () => maxActive };
}

async function runs(workflowId: string) {
  const out: { status: string; events: number }[] = [];
  for await (const w of c.client.workflow.list({ query: `WorkflowId = '${workflowId}'` }))
    out.push({ status: w.status.name, events: w.historyLength });
  return out;
}

describe('a fleet run larger than one run', () => {
  it('dreams in a window, continues as new, counts every agent once, and does not wait for reviewers', async () => {
    const fleet = unique('scale');
    const agents = Array.from({ length: 40 }, (_, i) => (i % 9 === 4 ? 'rev' : i % 13 === 7 ? 'bad' : 'a') + `-${i}`);
    agents.push('busy');
    const stubs = fleetStubs(fleet, agents, 4);
    const taskQueue = unique('fleet-scale');
    const worker = await Worker.create({ connection, taskQueue, activities: stubs.activities, ...bundled() });
    const workflowId = unique(`fleet-${fleet}`);
    const seen: FleetProgress[] = [];
    const { result, busy, stages, details } = await worker.runUntil(async () => {
      // `busy` is dreaming already (waiting for review) when the fleet run reaches it
      const busy = await c.client.workflow.start('dreamCycle', {
        taskQueue,
        workflowId: `dream:${fleet}:busy`,
        args: [{ fleet, agent: 'busy', trigger: 'manual' }],
      });
      for (let i = 0; (await busy.query(stateQuery)).stage !== 'review'; i++) {
        if (i > 300) throw new Error('busy never reached review');
        await new Promise((r) => setTimeout(r, 50));
      }
      const handle = await c.client.workflow.start(dreamFleet, {
        taskQueue,
        workflowId,
        args: [{ fleet, agentsPerRun: 9 }],
      });
      const result = handle.result();
      let done = false;
      void result.finally(() => (done = true));
      while (!done) {
        const p = await handle.query(fleetProgressQuery).catch(() => undefined);
        if (p) seen.push(p);
        await new Promise((r) => setTimeout(r, 100));
      }
      seen.push(await handle.query(fleetProgressQuery));
      // the reviews go on after the night, under their own ids (queries need the worker)
      const stages = await Promise.all(
        agents
          .filter((a) => a.startsWith('rev-'))
          .map(async (a) => (await c.client.workflow.getHandle(`dream:${fleet}:${a}`).query(stateQuery)).stage),
      );
      const meta = (await handle.query('__temporal_workflow_metadata')) as { currentDetails?: string };
      return { result: await result, busy, stages, details: meta.currentDetails };
    });
    const reviews = agents.filter((a) => a.startsWith('rev-'));
    const failed = agents.filter((a) => a.startsWith('bad-'));
    expect(result.counts).toEqual({
      kept: agents.length - reviews.length - failed.length - 1,
      in_review: reviews.length,
      failed: failed.length,
      skipped: 1,
    });
    expect(result.runs).toBe(Math.ceil(agents.length / 9));
    // every agent's outcome written once, in pages numbered by the outcomes before them
    const outcomes = stubs.written.sort((a, b) => a.offset - b.offset).flatMap((p) => p.outcomes);
    expect(outcomes.map((o) => o.agent).sort()).toEqual([...agents].sort());
    stubs.written.reduce((offset, page) => (expect(page.offset).toBe(offset), offset + page.outcomes.length), 0);
    expect(outcomes.find((o) => o.agent === 'busy')).toMatchObject({ outcome: 'skipped' });
    expect(outcomes.find((o) => o.agent === failed[0])).toMatchObject({
      outcome: 'failed',
      reason: `agent "${failed[0]}" is not in the fleet`,
    });
    // never more cycles at once than the window, and the window was used
    expect(stubs.maxActive()).toBeLessThanOrEqual(4);
    expect(stubs.maxActive()).toBeGreaterThan(1);
    // each run a short history; the reviews go on after the night, under their own ids
    const history = await runs(workflowId);
    expect(history.map((r) => r.status).sort()).toEqual(
      [...Array(result.runs! - 1).fill('CONTINUED_AS_NEW'), 'COMPLETED'].sort(),
    );
    for (const r of history) expect(r.events).toBeLessThan(9 * 14 + 40);
    expect(stages).toEqual(reviews.map(() => 'review'));
    for (const agent of reviews)
      expect((await c.client.workflow.getHandle(`dream:${fleet}:${agent}`).describe()).status.name).toBe('RUNNING');
    // progress as the query told it: every agent in exactly one place, more runs as it went
    for (const p of seen) expect(p.done + p.running + p.waitingForReview + p.failed + p.notStarted).toBe(agents.length);
    expect(seen.at(-1)).toMatchObject({
      notStarted: 0,
      running: 0,
      waitingForReview: reviews.length,
      run: result.runs,
    });
    expect(new Set(seen.map((p) => p.run)).size).toBeGreaterThan(1);
    // and in the Temporal UI: the run's current details
    expect(details).toContain(
      `**Fleet ${fleet}**: ${agents.length - reviews.length - failed.length} of ${agents.length} agents done`,
    );
    // no worker serves their queue any more: ended here, not left running
    const open = [busy, ...reviews.map((a) => c.client.workflow.getHandle(`dream:${fleet}:${a}`))];
    await Promise.all(open.map((h) => h.terminate('test over')));
  });

  it('cancelled: starts no more cycles, cancels those under way, and writes the outcomes it counted', async () => {
    const fleet = unique('cancel');
    const agents = Array.from({ length: 12 }, (_, i) => `${i < 2 ? 'a' : 'slow'}-${i}`);
    const stubs = fleetStubs(fleet, agents, 3);
    const taskQueue = unique('fleet-cancel');
    const worker = await Worker.create({ connection, taskQueue, activities: stubs.activities, ...bundled() });
    const workflowId = unique(`fleet-${fleet}`);
    const statuses = await worker.runUntil(async () => {
      const handle = await c.client.workflow.start(dreamFleet, { taskQueue, workflowId, args: [{ fleet }] });
      for (let i = 0; ; i++) {
        const p = await handle.query(fleetProgressQuery).catch(() => undefined);
        if (p && p.done === 2 && p.running === 3) break;
        if (i > 600) throw new Error('the window never filled with slow cycles');
        await new Promise((r) => setTimeout(r, 100));
      }
      await handle.cancel();
      await expect(handle.result()).rejects.toThrow();
      // the cycles it had started end cancelled too (each compensates in its own workflow)
      const started = agents.slice(0, 5).map((a) => c.client.workflow.getHandle(`dream:${fleet}:${a}`));
      await Promise.all(started.map((h) => h.result().catch(() => undefined)));
      return Promise.all(started.map(async (h) => (await h.describe()).status.name));
    });
    expect((await c.client.workflow.getHandle(workflowId).describe()).status.name).toBe('CANCELLED');
    expect(statuses).toEqual(['COMPLETED', 'COMPLETED', 'CANCELLED', 'CANCELLED', 'CANCELLED']);
    // none started after the cancel: only the five had a cycle
    const cycles: string[] = [];
    for await (const w of c.client.workflow.list({ query: `WorkflowId STARTS_WITH 'dream:${fleet}:'` }))
      cycles.push(w.workflowId);
    expect(cycles.sort()).toEqual(agents.slice(0, 5).map((a) => `dream:${fleet}:${a}`));
    const written = stubs.written.flatMap((p) => p.outcomes);
    expect(
      written
        .filter((o) => o.outcome === 'kept')
        .map((o) => o.agent)
        .sort(),
    ).toEqual(['a-0', 'a-1']);
    for (const o of written.filter((x) => x.outcome !== 'kept'))
      expect(o).toMatchObject({ outcome: 'failed', reason: 'cancelled' });
  });
});
