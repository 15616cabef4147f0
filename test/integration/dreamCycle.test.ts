import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cycleState, startCycle, type StartedCycle as CycleHandle } from '../../app/cycleClient.js';
import type { AgentConfig } from '../../src/config/fleet.js';
import type { Decision } from '../../src/cycle/decision.js';
import { approveSignal, approveUpdate, rejectUpdate } from '../../workflows/definitions.js';
import { LocalDirStore } from '../../src/memory/localDir.js';
import { AuditLog } from '../../src/audit/audit.js';
import { createS3Client } from '../../src/s3/client.js';
import { storageSettings } from '../../src/config/storage.js';
import {
  exampleAgent,
  keepHistory,
  pinnedDocReviewSuite,
  startHarness,
  waitFor,
  type Harness,
} from './cycleHarness.js';
import { historyText } from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());

const liveOf = (agent: AgentConfig) => new LocalDirStore(agent.store).read();
// a deadline against a hang, not a timing: under a loaded CI machine snapshotting 80 MB of sessions takes > 60 s
const waitStage = (handle: CycleHandle, stage: string) =>
  waitFor(`stage ${stage}`, async () => ((await cycleState(handle)).stage === stage ? true : undefined), 150_000);

async function auditOf(agent: AgentConfig, cycleId?: string) {
  const s3 = createS3Client(storageSettings(h.cfg));
  try {
    return await new AuditLog(s3, storageSettings(h.cfg).auditBucket, 1).read(agent, cycleId);
  } finally {
    s3.destroy();
  }
}
const auditEvents = async (agent: AgentConfig, cycleId: string) => (await auditOf(agent, cycleId)).map((r) => r.event);

/** A decision as an update: the answer, or the validator's refusal as `{ refused }`. */
async function update(handle: CycleHandle, verdict: 'approve' | 'reject', d: Decision) {
  try {
    return await handle.executeUpdate(verdict === 'approve' ? approveUpdate : rejectUpdate, { args: [d] });
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) return { refused: err.cause?.message ?? err.message };
    throw err;
  }
}

describe('the dream cycle on the real Temporal and S3 servers', () => {
  it('automatic: keeps a dream that passes the gate, with search attributes, details and an audit trail', async () => {
    const agent = await exampleAgent('coding-agent');
    const before = await liveOf(agent);
    const handle = await h.start(agent);
    const result = await handle.result();
    expect(result.outcome).toBe('kept');
    expect(result.post!).toBeGreaterThan(result.baseline!);
    const after = await liveOf(agent);
    expect(after.hash()).not.toBe(before.hash());
    expect(after.get('/conventions.md')).not.toContain('ledger-utils-telemetry');
    expect(await auditEvents(agent, handle.firstExecutionRunId)).toEqual([
      'cycle-opened',
      'snapshot-taken',
      'baseline-scored',
      'change-set-stored',
      'post-scored',
      'promoted',
      'verified',
      'cycle-kept',
    ]);
    const desc = await handle.describe();
    expect(desc.searchAttributes).toMatchObject({
      DreamAgent: [`${result.fleet}/${agent.id}`],
      DreamMode: ['automatic'],
      DreamOutcome: ['kept'],
    });
    // the audit chain: each record names the previous one's hash; the head is kept in Temporal too
    const records = await auditOf(agent, handle.firstExecutionRunId);
    const hash = (r: unknown) => createHash('sha256').update(JSON.stringify(r)).digest('hex');
    expect(records[0]!.prev).toBeNull();
    for (let i = 1; i < records.length; i++) expect(records[i]!.prev).toBe(hash(records[i - 1]));
    expect(result.auditHead).toBe(hash(records.at(-1)));
    expect(desc.memo).toEqual({ auditHead: result.auditHead });
    expect((desc.searchAttributes.DreamScoreDelta as number[])[0]).toBeCloseTo(result.post! - result.baseline!, 5);
    expect(await desc.staticSummary()).toContain(`Dream cycle of ${result.fleet}/${agent.id}`);
    // no memory content in the history: keys, hashes and scores only
    const history = historyText(await handle.fetchHistory());
    expect(history).toContain(`-snapshot-taken.json"`); // the decoding works: audit records' keys are found
    expect(history).not.toContain('Staging database host');
    expect(history).not.toContain('AKIAZ3MHQXKP4TNW7R2D');
    expect(history).not.toContain('ledger-utils-telemetry');
    await keepHistory(handle, 'kept');
  });

  it('review: refuses an unlisted reviewer and a stale id at once (update), records and ignores them (signal), keeps on an approval', async () => {
    const agent = await exampleAgent('support-agent', { mode: 'review', reviewers: ['alice', 'bob'] });
    const before = await liveOf(agent);
    const handle = await h.start(agent);
    await waitStage(handle, 'review');
    expect((await liveOf(agent)).hash()).toBe(before.hash()); // nothing promoted while waiting
    const pending = await cycleState(handle);
    expect(pending.waitingFor).toContain('alice, bob');
    const id = pending.changeSetId!;
    // the update's validator answers at once, and nothing enters the history
    expect(await update(handle, 'approve', { reviewer: 'mallory', changeSetId: id })).toEqual({
      refused: `mallory is not a reviewer of ${pending.fleet}/${agent.id} (reviewers: alice, bob)`,
    });
    expect(await update(handle, 'approve', { reviewer: 'alice', changeSetId: 'f'.repeat(64) })).toEqual({
      refused: `names change set ffffffffffff, not the pending ${id.slice(0, 12)}`,
    });
    expect((await cycleState(handle)).ignored.count).toBe(0);
    // a plain signal cannot be answered: the same checks, then recorded and ignored
    await handle.signal(approveSignal, { reviewer: 'mallory', changeSetId: id });
    await handle.signal(approveSignal, { reviewer: 'alice', changeSetId: 'f'.repeat(64) });
    await waitFor('two ignored signals', async () =>
      (await cycleState(handle)).ignored.count === 2 ? true : undefined,
    );
    expect((await cycleState(handle)).stage).toBe('review');
    expect(
      await update(handle, 'approve', { reviewer: 'bob', changeSetId: id.slice(0, 12), comment: 'looks right' }),
    ).toEqual({
      accepted: true,
      changeSetId: id,
      reviewer: 'bob',
    });
    const result = await handle.result();
    expect(result.outcome).toBe('kept');
    expect(result.decidedBy).toBe('bob');
    expect(result.ignored.recent.map((s) => [s.via, s.reviewer, s.why])).toEqual([
      ['signal', 'mallory', `mallory is not a reviewer of ${pending.fleet}/${agent.id} (reviewers: alice, bob)`],
      ['signal', 'alice', `names change set ffffffffffff, not the pending ${id.slice(0, 12)}`],
    ]);
    const events = await auditEvents(agent, handle.firstExecutionRunId);
    expect(events.filter((e) => e === 'decision-ignored')).toHaveLength(2);
    expect(events).toEqual(expect.arrayContaining(['approved', 'promoted', 'cycle-kept']));
    await keepHistory(handle, 'approved');
  });

  it('quarantine: an automatic agent whose dream quarantined a session waits for a reviewer, unless told to notify', async () => {
    // the coding agent's sessions include one that fetched an injected page and wrote its order to memory
    const agent = await exampleAgent('coding-agent', { mode: 'automatic', onQuarantine: 'review' });
    const before = await liveOf(agent);
    const handle = await h.start(agent);
    await waitStage(handle, 'review');
    expect((await liveOf(agent)).hash()).toBe(before.hash());
    const pending = await cycleState(handle);
    expect(pending.effectiveMode).toBe('review');
    expect(await update(handle, 'approve', { reviewer: 'alice', changeSetId: pending.changeSetId! })).toMatchObject({
      accepted: true,
    });
    const result = await handle.result();
    expect(result.outcome).toBe('kept');
    expect((await liveOf(agent)).get('/conventions.md')).not.toContain('ledger-utils-telemetry');
    expect(await auditEvents(agent, handle.firstExecutionRunId)).toEqual(
      expect.arrayContaining(['change-set-stored', 'review-required', 'approved', 'cycle-kept']),
    );

    // onQuarantine: notify goes on, and tells the owners once
    const told = await exampleAgent('coding-agent', { mode: 'automatic', onQuarantine: 'notify' });
    const next = await h.start(told);
    expect((await next.result()).outcome).toBe('kept');
    const notes = h.receiver.received.filter(
      (r) => r.path === '/notify' && (r.body.details as { cycle?: string }).cycle === next.firstExecutionRunId,
    );
    expect(notes).toHaveLength(1);
    expect(notes[0]!.body.summary).toMatch(
      /1 session\(s\) quarantined and 1 line\(s\) held by the dream; the cycle goes on without them/,
    );
  });

  it('review: approval narrowed to some paths is evaluated again and only those paths change', async () => {
    const agent = await exampleAgent('doc-review-agent', { mode: 'review' });
    const before = await liveOf(agent);
    const handle = await h.start(agent);
    await waitStage(handle, 'review');
    const pending = await cycleState(handle);
    expect(
      await update(handle, 'approve', {
        reviewer: 'alice',
        changeSetId: pending.changeSetId!,
        onlyPaths: ['/counterparties.md'],
      }),
    ).toMatchObject({ accepted: true });
    const result = await handle.result();
    expect(result.outcome).toBe('kept');
    expect(result.changeSetId).not.toBe(pending.changeSetId);
    const after = await liveOf(agent);
    expect(after.get('/counterparties.md')).not.toBe(before.get('/counterparties.md'));
    expect(after.get('/cheatsheet.md')).toBe(before.get('/cheatsheet.md'));
    expect(await auditEvents(agent, handle.firstExecutionRunId)).toEqual(
      expect.arrayContaining(['change-set-revised', 'revised-scored']),
    );
  });

  it('review: a rejection leaves the live store untouched', async () => {
    const agent = await exampleAgent('support-agent', { mode: 'review' });
    const before = await liveOf(agent);
    const handle = await h.start(agent);
    await waitStage(handle, 'review');
    const { changeSetId } = await cycleState(handle);
    expect(
      await update(handle, 'reject', {
        reviewer: 'alice',
        changeSetId: changeSetId!,
        reason: 'want to check the Acme plan first',
      }),
    ).toMatchObject({ accepted: true });
    const result = await handle.result();
    expect([result.outcome, result.reason]).toEqual([
      'rejected',
      'rejected by alice: want to check the Acme plan first',
    ]);
    expect((await liveOf(agent)).hash()).toBe(before.hash());
    await keepHistory(handle, 'rejected');
  });

  it('review: reviewers are told, reminded, and with no answer within the timeout the candidate is discarded', async () => {
    const agent = await exampleAgent('support-agent', { mode: 'review', reviewTimeoutMs: 3_000 });
    const before = await liveOf(agent);
    const handle = await h.start(agent);
    const result = await handle.result();
    expect(result.outcome).toBe('timed_out');
    expect((await liveOf(agent)).hash()).toBe(before.hash());
    const cycle = handle.firstExecutionRunId;
    const notes = h.receiver.received.filter(
      (r) => r.path === '/notify' && (r.body.details as { cycle?: string }).cycle === cycle,
    );
    // one notice when the review opened, one reminder before the timeout, one when it timed out
    expect(notes.map((n) => n.body.dedup_key)).toEqual(
      ['review', 'reminder', 'notify'].map((k) => `dreamgate/${result.fleet}/${agent.id}/${cycle}/${k}`),
    );
    const [opened] = notes;
    expect(opened!.body).toMatchObject({
      type: 'dreamgate.alert',
      details: {
        changeSet: result.changeSetId,
        baseline: result.baseline,
        post: result.post,
        review: `dreamgate review ${agent.id}`,
        approve: `dreamgate approve ${agent.id} ${result.changeSetId!.slice(0, 12)}`,
      },
      links: [{ href: expect.stringContaining(encodeURIComponent(handle.workflowId)) }],
    });
    expect(notes[1]!.body.summary).toContain('is discarded at');
    await keepHistory(handle, 'timed_out');
  });

  it('gate: a dream that regresses the eval is discarded before anything is written, on-call is paged', async () => {
    const pinned = pinnedDocReviewSuite;
    const agent = await exampleAgent('doc-review-agent', {}, pinned);
    const before = await liveOf(agent);
    const handle = await h.start(agent);
    const result = await handle.result();
    expect(result.outcome).toBe('discarded');
    expect(result.reason).toMatch(/^EvalRegression at the gate: 0\.500 < baseline 1\.000 − 0\.02; failing: pinned-cap/);
    expect((await liveOf(agent)).hash()).toBe(before.hash());
    const pages = h.receiver.received.filter(
      (r) =>
        r.path === '/page' &&
        r.body.dedup_key === `dreamgate/${result.fleet}/${agent.id}/${handle.firstExecutionRunId}/page`,
    );
    expect(pages).toHaveLength(1);
    expect(pages[0]!.body).toMatchObject({
      routing_key: 'R0UT1NGKEY',
      event_action: 'trigger',
      payload: { severity: 'error', source: `dreamgate/${result.fleet}/${agent.id}` },
    });
    expect((await handle.describe()).searchAttributes.DreamOutcome).toEqual(['discarded']);
    await keepHistory(handle, 'gate_discarded');
  });

  it('skip: fewer new sessions than minNewSessions ends cheaply, saying why', async () => {
    const agent = await exampleAgent('coding-agent', { minNewSessions: 500 });
    const result = await (await h.start(agent)).result();
    expect([result.outcome, result.reason]).toEqual([
      'skipped',
      '30 new session(s) since the last kept dream; 500 needed',
    ]);
  });

  it('conflict: the agent edits the lines the dream edits during review; the cycle dreams again on the new store and asks for review again', async () => {
    const agent = await exampleAgent('coding-agent', { mode: 'review' });
    const handle = await h.start(agent);
    await waitStage(handle, 'review');
    const first = (await cycleState(handle)).changeSetId!;
    const mine = '# payments-api\n\n- The agent rewrote this file during review\n';
    await writeFile(join(agent.store, 'project.md'), mine);
    expect(await update(handle, 'approve', { reviewer: 'alice', changeSetId: first })).toMatchObject({
      accepted: true,
    });
    const again = await waitFor('a second review', async () => {
      const s = await cycleState(handle);
      return s.stage === 'review' && s.changeSetId !== first ? s : undefined;
    });
    // when and where, and nothing of the first change set was written
    expect(again.conflicts).toEqual([{ during: 'review', at: ['/project.md'], changeSetId: first }]);
    expect((await liveOf(agent)).get('/project.md')).toBe(mine);
    expect(await update(handle, 'approve', { reviewer: 'alice', changeSetId: first })).toEqual({
      refused: `names change set ${first.slice(0, 12)}, not the pending ${again.changeSetId!.slice(0, 12)}`,
    });
    expect(await update(handle, 'approve', { reviewer: 'alice', changeSetId: again.changeSetId! })).toMatchObject({
      accepted: true,
    });
    const result = await handle.result();
    expect(result.outcome).toBe('kept');
    expect((await liveOf(agent)).get('/project.md')).toContain('The agent rewrote this file during review');
    const events = await auditEvents(agent, handle.firstExecutionRunId);
    expect(events.filter((e) => e === 'snapshot-taken')).toHaveLength(2);
    expect(events.filter((e) => e === 'approved')).toHaveLength(2);
    expect(events).toContain('conflict');
    const conflict = (await auditOf(agent, handle.firstExecutionRunId)).find((r) => r.event === 'conflict')!;
    expect(conflict.data).toMatchObject({ during: 'review', round: 0 });
    expect(String(conflict.data!.error)).toMatch(/"\/project\.md" \(lines? \d/);
  });

  it('rebase: the agent wrote an untouched memory during review; the dream is kept and so is the write', async () => {
    const agent = await exampleAgent('coding-agent', { mode: 'review' });
    const handle = await h.start(agent);
    await waitStage(handle, 'review');
    await writeFile(
      join(agent.store, 'people.md'),
      '# People\n\n- Priya owns the refunds service\n- New: Sam joined the payments team\n',
    );
    const { changeSetId } = await cycleState(handle);
    expect(await update(handle, 'approve', { reviewer: 'alice', changeSetId: changeSetId! })).toMatchObject({
      accepted: true,
    });
    const result = await handle.result();
    expect(result.outcome).toBe('kept');
    expect(result.reason).toContain("rebased over the agent's writes to /people.md");
    const live = await liveOf(agent);
    expect(live.get('/people.md')).toContain('Sam joined the payments team');
    expect(live.get('/project.md')).not.toContain('db-1.internal');
  });

  it('verify: a live store that scores below the gate after promotion is rolled back to the snapshot and paged', async () => {
    // an evaluator whose third call (the verify step) regresses: what a broken agent-side reader looks like
    const counter = join(await (await import('../support/sessions.js')).tempDir(), 'calls');
    const script = join(counter + '.sh');
    await writeFile(
      script,
      `#!/bin/sh\nn=$(cat ${counter} 2>/dev/null || echo 0); n=$((n+1)); echo $n > ${counter}\nif [ $n -ge 3 ]; then echo '{"score": 0.1}'; else echo "{\\"score\\": 0.$((4+n))}"; fi\n`,
      { mode: 0o755 },
    );
    const agent = await exampleAgent('coding-agent', { evaluator: [script] });
    const before = await liveOf(agent);
    const handle = await h.start(agent);
    const result = await handle.result();
    expect(result.outcome).toBe('rolled_back');
    expect(result.reason).toMatch(/^live score 0\.100 below the gate; restored \d+ path\(s\) from snapshot/);
    expect((await liveOf(agent)).hash()).toBe(before.hash());
    expect(await auditEvents(agent, handle.firstExecutionRunId)).toEqual(
      expect.arrayContaining(['promoted', 'verified', 'rolled-back', 'cycle-rolled_back']),
    );
    const key = `dreamgate/${result.fleet}/${agent.id}/${handle.firstExecutionRunId}/page`;
    expect(h.receiver.received.filter((r) => r.body.dedup_key === key)).toHaveLength(1);
    await keepHistory(handle, 'verify_rolled_back');
  });

  it('cancellation while waiting for review leaves the live store untouched and records why', async () => {
    const agent = await exampleAgent('support-agent', { mode: 'review' });
    const before = await liveOf(agent);
    const handle = await h.start(agent);
    await waitStage(handle, 'review');
    await handle.cancel();
    await expect(handle.result()).rejects.toThrow();
    expect((await liveOf(agent)).hash()).toBe(before.hash());
    expect((await auditEvents(agent, handle.firstExecutionRunId)).at(-1)).toBe('cycle-failed');
    expect((await handle.describe()).searchAttributes.DreamOutcome).toEqual(['failed']);
  });

  it('cancellation mid-dream: the dream stops and the live store is untouched', async () => {
    const agent = await exampleAgent('coding-agent');
    // a big night: 80 sessions of ~1 MB, so the dream is still reading when the cancel arrives
    const dir = join(agent.sessions, agent.id);
    const filler = JSON.stringify({
      type: 'agent.tool_result',
      tool_use_id: 'x',
      content: 'build log line '.repeat(70),
      is_error: false,
    });
    for (let i = 0; i < 80; i++) {
      const t = Date.parse('2026-11-24T00:00:00Z') + i * 60_000;
      const lines = Array.from({ length: 1000 }, (_, j) =>
        filler.replace('}', `,"id":"e${j}","processed_at":"${new Date(t + j).toISOString()}"}`),
      );
      await writeFile(join(dir, `big_${i}.jsonl`), lines.join('\n') + '\n');
    }
    const before = await liveOf(agent);
    const handle = await h.start(agent);
    // a cycle that never gets there is cancelled all the same, so it does not load the worker for later tests
    await waitStage(handle, 'dream').finally(() => handle.cancel());
    await expect(handle.result()).rejects.toThrow();
    const history = (await handle.fetchHistory()).events ?? [];
    expect(history.some((e) => e.activityTaskCancelRequestedEventAttributes)).toBe(true);
    expect((await liveOf(agent)).hash()).toBe(before.hash());
    expect((await auditEvents(agent, handle.firstExecutionRunId)).at(-1)).toBe('cycle-failed');
    expect((await handle.describe()).status.name).toBe('CANCELLED');
  });

  it('cancellation after promotion: compensation rolls the live store back to the snapshot', async () => {
    // the third evaluation (verify) stalls, so the cycle is cancelled with its change set promoted
    const counter = join(await (await import('../support/sessions.js')).tempDir(), 'calls');
    const script = `${counter}.sh`;
    await writeFile(
      script,
      `#!/bin/sh\nn=$(cat ${counter} 2>/dev/null || echo 0); n=$((n+1)); echo $n > ${counter}\nif [ $n -ge 3 ]; then exec sleep 8; fi\necho '{"score": 0.9}'\n`,
      { mode: 0o755 },
    );
    const agent = await exampleAgent('coding-agent', { evaluator: [script] });
    const before = await liveOf(agent);
    const handle = await h.start(agent);
    await waitStage(handle, 'verify').catch(async (err: unknown) => {
      await handle.cancel();
      throw err;
    });
    expect((await liveOf(agent)).hash()).not.toBe(before.hash()); // promoted
    await handle.cancel();
    await expect(handle.result()).rejects.toThrow();
    expect((await liveOf(agent)).hash()).toBe(before.hash());
    expect(await auditEvents(agent, handle.firstExecutionRunId)).toEqual(
      expect.arrayContaining(['promoted', 'rolled-back', 'cycle-failed']),
    );
    expect((await handle.describe()).status.name).toBe('CANCELLED');
  });

  it('hybrid: reviews until N unedited approvals, then runs automatically', async () => {
    const agent = await exampleAgent('coding-agent', { mode: 'hybrid', trustAfter: 1, minNewSessions: 0 });
    const fleet = await h.serve([agent]);
    const first = await startCycle(h.client, fleet, fleet.agents[0]!);
    await waitStage(first, 'review');
    const { changeSetId } = await cycleState(first);
    expect(await update(first, 'approve', { reviewer: 'alice', changeSetId: changeSetId! })).toMatchObject({
      accepted: true,
    });
    expect((await first.result()).outcome).toBe('kept');
    // new sessions arrive; the next cycle is trusted and needs no review
    const second = await startCycle(h.client, fleet, fleet.agents[0]!);
    expect(second.workflowId).toBe(first.workflowId); // the agent's one cycle id, a new run
    const result = await second.result();
    expect(result.effectiveMode).toBe('automatic');
    expect(['kept', 'skipped']).toContain(result.outcome);
  });
});
