import { WorkflowUpdateFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cycleState, decide, pendingReview, startCycle } from '../../app/cycleClient.js';
import { storageSettings } from '../../src/config/storage.js';
import type { Decision } from '../../src/cycle/decision.js';
import { LocalDirStore } from '../../src/memory/localDir.js';
import { AuditLog } from '../../src/audit/audit.js';
import { approveSignal, approveUpdate, rejectSignal, stateQuery } from '../../workflows/definitions.js';
import { exampleAgent, startHarness, waitFor, type Harness } from './cycleHarness.js';

/**
 * A cycle waiting for review takes whatever anyone with namespace Write sends it: refused decisions are
 * counted, not kept, and the wait continues as new before its history grows large. 20,000 signals and 2,000
 * Updates the validator refuses (about twice what once filled a history) leave it waiting, one workflow id over
 * a chain of runs; then a reviewer's approval is taken and the dream kept. All traffic goes to loopback, 50
 * messages at a time.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());

const signals = Number(process.env.FLOOD_SIGNALS ?? 20_000);
const updates = Number(process.env.FLOOD_UPDATES ?? 2_000);
/** Messages sent at once; the next batch goes once the cycle has answered a query (it took the batch in). */
const batch = 50;

/** Sends once; a send the server turns away for a moment (the run is continuing as new) is sent again. */
async function sent(send: () => Promise<void>): Promise<number> {
  for (let attempt = 1; ; attempt++)
    try {
      await send();
      return attempt - 1;
    } catch (err) {
      if (attempt >= 20) throw err;
      await new Promise((r) => setTimeout(r, 50 * attempt));
    }
}

/**
 * Sends `signals + updates` messages in batches of `batch`, an Update every `(signals + updates) / updates`
 * messages, each batch after the cycle answered a query: a flood as fast as the cycle takes it in. Returns how
 * many sends were turned away for a moment and sent again.
 */
async function flood(
  signal: (i: number) => Promise<void>,
  update: (i: number) => Promise<void>,
  pace: () => Promise<unknown>,
): Promise<number> {
  const total = signals + updates;
  const every = Math.floor(total / updates);
  let retried = 0;
  let s = 0;
  let u = 0;
  for (let from = 0; from < total; from += batch) {
    const sends: (() => Promise<void>)[] = [];
    for (let i = from; i < Math.min(total, from + batch); i++) {
      const asUpdate = (i + 1) % every === 0 && u < updates;
      if (asUpdate)
        sends.push(
          (
            (n) => () =>
              update(n)
          )(u++),
        );
      else if (s < signals)
        sends.push(
          (
            (n) => () =>
              signal(n)
          )(s++),
        );
    }
    retried += (await Promise.all(sends.map(sent))).reduce((a, b) => a + b, 0);
    await pace();
  }
  // what the last batch left out (the rounding of `every`)
  while (s < signals)
    retried += await sent(
      (
        (n) => () =>
          signal(n)
      )(s++),
    );
  while (u < updates)
    retried += await sent(
      (
        (n) => () =>
          update(n)
      )(u++),
    );
  return retried;
}
describe('a review wait no flood can end', () => {
  it('20,000 refused signals and 2,000 refused Updates: still waiting, then a valid approval keeps the dream', async () => {
    const agent = await exampleAgent('support-agent', { mode: 'review', reviewTimeoutMs: 60 * 60_000 });
    const before = await new LocalDirStore(agent.store).read();
    const fleet = await h.serve([agent]);
    const started = await startCycle(h.client, fleet, fleet.agents[0]!, 'manual');
    const first = await waitFor('review', async () => {
      const s = await cycleState(started);
      return s.stage === 'review' ? s : s.stage === 'done' ? Promise.reject(new Error(s.reason)) : undefined;
    });
    const pending = first.changeSetId!;
    // the agent's one workflow id, whichever run of it is current
    const handle = h.client.client.workflow.getHandle(started.workflowId);
    const refusedPayloads: unknown[] = [
      { reviewer: 'mallory', changeSetId: pending },
      { reviewer: 'alice', changeSetId: 'f'.repeat(64) },
      { reviewer: 'alice', changeSetId: pending, cycle: 'not-this-cycle' },
      { reviewer: 'alice', changeSetId: pending, extra: 'x'.repeat(200) },
      null,
      'approve everything',
    ];
    const t0 = Date.now();
    const refusedUpdates: string[] = [];
    const retried = await flood(
      (i) =>
        handle.signal(i % 2 ? approveSignal : rejectSignal, refusedPayloads[i % refusedPayloads.length] as Decision),
      async (i) => {
        const err = await handle
          .executeUpdate(approveUpdate, { args: [{ reviewer: `mallory${i % 7}`, changeSetId: pending }] })
          .then(() => new Error('an update from someone who is no reviewer was accepted'))
          .catch((e: unknown) => e);
        if (!(err instanceof WorkflowUpdateFailedError)) throw err;
        refusedUpdates.push(err.cause?.message ?? err.message);
      },
      () => handle.query(stateQuery).catch(() => undefined),
    );
    const seconds = (Date.now() - t0) / 1000;
    const during = await cycleState(handle);
    const current = await handle.describe();
    console.log(
      `flood: ${signals} signals and ${updates} updates in ${seconds.toFixed(1)} s (${retried} sends retried); the cycle continued in ${during.continuedRuns ?? 0} run(s), history of the current run ${current.historyLength} events`,
    );

    // still waiting, in a later run of the same workflow id, the same cycle, every refused signal counted
    expect(current.status.name).toBe('RUNNING');
    expect(current.runId).not.toBe(started.firstExecutionRunId);
    expect(during.stage).toBe('review');
    expect(during.cycleId).toBe(started.firstExecutionRunId);
    expect(during.changeSetId).toBe(pending);
    expect(during.continuedRuns).toBeGreaterThanOrEqual(1);
    // each signal counted once (a send retried after an unclear answer may have landed twice)
    expect(during.ignored.count).toBeGreaterThanOrEqual(signals);
    expect(during.ignored.count).toBeLessThanOrEqual(signals + retried);
    expect(refusedUpdates).toHaveLength(updates);
    expect(refusedUpdates[0]).toMatch(/is not a reviewer of/);

    // a reviewer's approval, sent as `dreamgate approve` sends it, is taken; the dream promoted, verified, kept
    const review = await pendingReview(h.client, fleet, fleet.agents[0]!);
    expect(review.state.changeSetId).toBe(pending);
    const answer = await decide(review, 'approve', { reviewer: 'alice', changeSetId: pending, cycle: during.cycleId });
    expect(answer).toMatchObject({ accepted: true, changeSetId: pending, reviewer: 'alice' });
    const result = await started.result();
    expect(result.outcome).toBe('kept');
    expect(result.cycleId).toBe(started.firstExecutionRunId);
    expect((await new LocalDirStore(agent.store).read()).hash()).not.toBe(before.hash());

    // one cycle in the audit log, its runs chained; refused decisions recorded a few at a time, then counted
    const log = new AuditLog(h.client.objects.s3, storageSettings(h.cfg).auditBucket, 1);
    const records = await log.read({ fleet: agent.fleet!, id: agent.id }, started.firstExecutionRunId);
    const events = records.map((r) => r.event);
    // verify compared the whole store with the hash the promotion left: no one wrote since
    expect(records.find((r) => r.event === 'verified')!.data).toMatchObject({ matches: true, asPromoted: true });
    expect(events.filter((e) => e === 'review-continued')).toHaveLength(result.continuedRuns!);
    expect(events.filter((e) => e === 'decision-ignored')).toHaveLength(3);
    expect(events.slice(-5)).toEqual(['decisions-ignored', 'approved', 'promoted', 'verified', 'cycle-kept']);

    // on-call sees one workflow id: a chain of runs, each continued as new, the last completed
    const runs: string[] = [];
    for await (const w of h.client.client.workflow.list({ query: `WorkflowId = "${started.workflowId}"` }))
      runs.push(w.status.name);
    expect(runs.filter((s) => s === 'CONTINUED_AS_NEW')).toHaveLength(result.continuedRuns!);
    expect(runs.filter((s) => s === 'COMPLETED')).toHaveLength(1);
  }, 1_500_000);
});
