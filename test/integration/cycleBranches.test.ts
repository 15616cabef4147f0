import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Activities } from '../../activities/index.js';
import { loadStackConfig } from '../../src/config/stack.js';
import { composeAlert } from '../../src/notify/compose.js';
import type { Decision } from '../../src/cycle/decision.js';
import type { AgentState, CycleSettings, DecisionResult, DreamRef, EvalSummary } from '../../src/cycle/types.js';
import { binaryPath } from '../../app/stack/binaries.js';
import { approveSignal, approveUpdate, searchAttributes, stateQuery } from '../../workflows/definitions.js';
import { benchFloor, dreamCycle, dreamFleet, proofWorkflow } from '../../workflows/index.js';
import type { FleetOutcome } from '../../src/cycle/types.js';
import { bundled, unique } from './helpers.js';

/**
 * The cycle's branches with stubbed activities, on a Temporal dev server of its own (the project's built
 * `temporal` binary, started by @temporalio/testing on a free port) with short timeouts: redream, hybrid
 * trust, review timeout and reminder, signed and unsigned decisions, the audit chain.
 */
let env: TestWorkflowEnvironment;
beforeAll(async () => {
  const cfg = await loadStackConfig();
  env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: binaryPath(cfg, 'temporal') },
      searchAttributes: Object.values(searchAttributes),
    },
  });
}, 120_000);
afterAll(async () => env?.teardown());

const defaults: CycleSettings = {
  fleet: 'branches',
  agent: 'agent-a',
  configHash: 'c'.repeat(64),
  mode: 'automatic',
  threshold: 0.02,
  minNewSessions: 0,
  reviewTimeoutMs: 60_000,
  trustAfter: 2,
  dreamer: 'heuristic',
  batch: false,
  redreamAttempts: 1,
  maxCostUsd: 5,
  reviewers: ['alice'],
  signedDecisions: false,
  owners: [],
};

interface Script {
  settings?: Partial<CycleSettings>;
  state?: Partial<AgentState>;
  /** Scores by evaluation step: baseline, post, post-2, revised, verify. */
  scores?: Record<string, number>;
  /** What a dream attempt costs (US dollars). */
  dreamCost?: number;
  checkDecision?: (d: Decision) => DecisionResult | Promise<DecisionResult>;
  /** The change set's counts a dream reports (`held`, `quarantined`, `suggested`), over one applied change. */
  summary?: Record<string, number>;
}

/** Stubbed activities that follow a script and note every call. */
function stubs(script: Script) {
  const calls: { name: string; arg: Record<string, unknown> }[] = [];
  const records: { event: string; prev: string | null; sha256: string; data?: Record<string, unknown> }[] = [];
  const saved: AgentState[] = [];
  const note = (name: string, arg: unknown) => calls.push({ name, arg: arg as Record<string, unknown> });
  let dreams = 0;
  const evalOf = (step: string): EvalSummary => ({
    score: script.scores?.[step] ?? (step === 'baseline' ? 0.5 : 0.9),
    passed: 1,
    cases: 1,
    reportKey: `reports/${step}`,
    failing: [],
    duplicateRatio: 0,
    contradictions: 0,
  });
  const dreamRef = (n: number): DreamRef => ({
    candidateId: `cand-${n}`,
    changeSetId: createHash('sha256').update(`change set ${n}`).digest('hex'),
    summary: { changes: 1, ...script.summary },
    changes: 1,
    newestSessionAt: 1_000 + n,
    sessionsUsed: 3,
    dropped: 0,
    ...(script.dreamCost
      ? {
          usage: {
            requests: 1,
            input_tokens: 100,
            output_tokens: 10,
            cache_creation_input_tokens: 0,
            cache_read_input_tokens: 0,
            cost_usd: script.dreamCost,
          },
        }
      : {}),
  });
  const activities: Partial<Record<keyof Activities, (arg: never) => Promise<unknown>>> = {
    openCycle: async (arg) => {
      note('openCycle', arg);
      return {
        settings: { ...defaults, ...script.settings },
        state: { lastKeptSessionAt: null, consecutiveApprovals: 0, ...script.state },
        auditHead: null,
      };
    },
    takeSnapshot: async (arg) => (
      note('takeSnapshot', arg),
      { snapshotId: 'snap-1', sha256: 'b'.repeat(64), files: 3 }
    ),
    countNewSessions: async (arg) => (note('countNewSessions', arg), { count: 5, invalid: 0 }),
    snapshotAndCount: async (arg) => (
      note('snapshotAndCount', arg),
      { snapshot: { snapshotId: 'snap-1', sha256: 'b'.repeat(64), files: 3 }, count: { count: 5, invalid: 0 } }
    ),
    evaluate: async (arg: { step: string }) => (note('evaluate', arg), evalOf(arg.step)),
    dream: async (arg) => (note('dream', arg), dreamRef(++dreams)),
    reviseChangeSet: async (arg) => (note('reviseChangeSet', arg), dreamRef(100)),
    checkDecision: async (arg: { decision: Decision }) => {
      note('checkDecision', arg);
      return (
        (await script.checkDecision?.(arg.decision)) ?? {
          accepted: true,
          changeSetId: '',
          reviewer: arg.decision.reviewer,
        }
      );
    },
    changedSinceSnapshot: async (arg) => (note('changedSinceSnapshot', arg), { paths: [] }),
    promote: async (arg) => (note('promote', arg), { expectedSha256: 'e'.repeat(64), rebased: false, agentWrites: [] }),
    verifyLive: async (arg) => (note('verifyLive', arg), { matches: true, mismatched: [], sha256: 'e'.repeat(64) }),
    verify: async (arg: { cycle: unknown }) => (
      note('verify', arg),
      { check: { matches: true, mismatched: [], sha256: 'e'.repeat(64) }, eval: evalOf('verify') }
    ),
    rollback: async (arg) => (note('rollback', arg), { restored: [], keptAgentWrites: [] }),
    alert: async (arg) => (note('alert', arg), { sent: true }),
    recordAudit: async (arg: { entry: { event: string; prev: string | null; data?: Record<string, unknown> } }) => {
      const sha256 = createHash('sha256').update(JSON.stringify(arg.entry)).digest('hex');
      records.push({
        event: arg.entry.event,
        prev: arg.entry.prev,
        sha256,
        ...(arg.entry.data ? { data: arg.entry.data } : {}),
      });
      return { sha256 };
    },
    saveAgentState: async (arg: { state: AgentState }) => (saved.push(arg.state), undefined),
  };
  return { activities, calls, records, saved, called: (name: string) => calls.filter((c) => c.name === name) };
}

/** A worker on a task queue of its own, running the bundled workflows with these activities. */
async function workerWith(activities: object, queue = 'branches') {
  const taskQueue = unique(queue);
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, activities, ...bundled() });
  return { worker, taskQueue };
}

async function cycleWith(script: Script, drive?: (handle: ReturnType<typeof startHandle>) => Promise<void>) {
  const s = stubs(script);
  const { worker, taskQueue } = await workerWith(s.activities);
  const outcome = await worker.runUntil(async () => {
    const handle = startHandle(taskQueue);
    const started = await handle;
    if (drive) await drive(handle);
    return started.result().then(
      (r) => ({ result: r, error: undefined }),
      (e: unknown) => ({ result: undefined, error: e }),
    );
  });
  return { ...s, ...outcome, state: outcome.result };
}

function startHandle(taskQueue: string) {
  return env.client.workflow.start(dreamCycle, {
    taskQueue,
    workflowId: unique('dream:branches:agent-a'),
    args: [{ fleet: 'branches', agent: 'agent-a', configHash: 'c'.repeat(64), trigger: 'test' }],
  });
}

async function stage(handle: ReturnType<typeof startHandle>, want: string): Promise<void> {
  const h = await handle;
  for (let i = 0; i < 200; i++) {
    if ((await h.query(stateQuery)).stage === want) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`never reached ${want}`);
}

describe('redream', () => {
  it('a model dreamer whose candidate fails the gate dreams again with the failing cases, and is kept', async () => {
    const c = await cycleWith({ settings: { dreamer: 'claude' }, scores: { post: 0.1, 'post-2': 0.8 } });
    expect(c.result!.outcome).toBe('kept');
    expect(c.result!.attempts).toBe(2);
    const [first, second] = c.called('dream');
    expect(first!.arg.redo).toBeUndefined();
    expect(second!.arg.redo).toMatchObject({ attempt: 1, reportKey: 'reports/post', baseline: 0.5, score: 0.1 });
    expect(c.records.map((r) => r.event)).toContain('gate-failed');
  });

  it('attempts exhausted: the candidate is discarded, nothing promoted', async () => {
    const c = await cycleWith({ settings: { dreamer: 'claude' }, scores: { post: 0.1, 'post-2': 0.2 } });
    expect(c.result!.outcome).toBe('discarded');
    expect(c.called('dream')).toHaveLength(2);
    expect(c.called('promote')).toHaveLength(0);
  });

  it('budget spent: no second attempt', async () => {
    const c = await cycleWith({
      settings: { dreamer: 'claude', maxCostUsd: 1 },
      scores: { post: 0.1 },
      dreamCost: 1.5,
    });
    expect(c.result!.outcome).toBe('discarded');
    expect(c.called('dream')).toHaveLength(1);
  });

  it('the heuristic dreamer never dreams again', async () => {
    const c = await cycleWith({ scores: { post: 0.1 } });
    expect([c.result!.outcome, c.called('dream').length]).toEqual(['discarded', 1]);
  });
});

/** What the worker's `notify` alert says for a run with these records. */
function told(records: { event: string; data?: Record<string, unknown> }[]): string | undefined {
  const agent = { name: 'f/a', id: 'a', reviewers: [], threshold: 0.02, reviewTimeoutMs: 60_000 };
  const composed = composeAlert(
    'notify',
    agent,
    records.map((r) => ({ ...r, at: new Date(0).toISOString() })),
    0,
  );
  return typeof composed === 'string' ? composed : composed.summary;
}

describe('confidence tiers', () => {
  it('an automatic cycle promotes the applied tier and tells the owners the suggestions it left', async () => {
    const c = await cycleWith({ summary: { changes: 1, suggested: 2 } });
    expect(c.result!.outcome).toBe('kept');
    const notices = c.called('alert').filter((a) => a.arg.kind === 'notify');
    expect(notices).toHaveLength(1);
    // the worker composes the notice from the run's records
    expect(told(c.records)).toMatch(/promoted the applied tier .*; 2 suggestion\(s\) left for a reviewer/);
    // with nothing suggested, nothing to tell
    const quiet = await cycleWith({});
    expect(quiet.called('alert')).toEqual([]);
  });

  it('a reviewer accepts suggestions by number: an unknown number is refused at once; the accepted set is evaluated again', async () => {
    let refused: unknown;
    const c = await cycleWith(
      { settings: { mode: 'hybrid', trustAfter: 5 }, state: { consecutiveApprovals: 1 }, summary: { suggested: 2 } },
      async (handle) => {
        await stage(handle, 'review');
        const h = await handle;
        const { changeSetId } = await h.query(stateQuery);
        const approve = (acceptedSuggestions: number[]) =>
          h.executeUpdate(approveUpdate, {
            args: [{ reviewer: 'alice', changeSetId: changeSetId!, acceptedSuggestions }],
          });
        refused = await approve([2, 3]).catch((e: unknown) => e);
        expect(await approve([2])).toMatchObject({ accepted: true });
      },
    );
    expect(String((refused as { cause?: unknown }).cause ?? refused)).toContain(
      'acceptedSuggestions (--accept) 3: no such suggestion in this change set (suggestions: 1 to 2)',
    );
    expect(c.result!.outcome).toBe('kept');
    expect(c.called('reviseChangeSet')[0]!.arg.decision).toMatchObject({ acceptedSuggestions: [2] });
    expect(c.called('evaluate').map((e) => e.arg.step)).toContain('revised');
    // the reviewer took the dream as it is, only more of it: the streak goes on
    expect(c.saved.at(-1)!.consecutiveApprovals).toBe(2);
    expect(c.records.find((r) => r.event === 'approved')?.data).toMatchObject({ acceptedSuggestions: [2] });
  });
});

describe('hybrid trust', () => {
  it('trusted after `trustAfter` unedited approvals: no review', async () => {
    const c = await cycleWith({ settings: { mode: 'hybrid', trustAfter: 2 }, state: { consecutiveApprovals: 2 } });
    expect([c.result!.outcome, c.result!.effectiveMode]).toEqual(['kept', 'automatic']);
    expect(c.called('alert').filter((a) => a.arg.kind === 'review')).toHaveLength(0);
    expect(c.saved.at(-1)!.consecutiveApprovals).toBe(2);
  });

  it('not yet trusted: reviewed, and an unedited approval adds to the streak', async () => {
    const c = await cycleWith(
      { settings: { mode: 'hybrid', trustAfter: 2 }, state: { consecutiveApprovals: 1 } },
      async (handle) => {
        await stage(handle, 'review');
        const h = await handle;
        const { changeSetId } = await h.query(stateQuery);
        await h.executeUpdate(approveUpdate, { args: [{ reviewer: 'alice', changeSetId: changeSetId! }] });
      },
    );
    expect([c.result!.outcome, c.result!.effectiveMode]).toEqual(['kept', 'review']);
    expect(c.saved.at(-1)!.consecutiveApprovals).toBe(2);
  });

  it('an approval that narrows the change set is evaluated again and resets the streak', async () => {
    const c = await cycleWith(
      { settings: { mode: 'hybrid', trustAfter: 2 }, state: { consecutiveApprovals: 1 } },
      async (handle) => {
        await stage(handle, 'review');
        const h = await handle;
        const { changeSetId } = await h.query(stateQuery);
        await h.executeUpdate(approveUpdate, {
          args: [{ reviewer: 'alice', changeSetId: changeSetId!, onlyPaths: ['/a.md'] }],
        });
      },
    );
    expect(c.result!.outcome).toBe('kept');
    // the worker takes what to narrow from the approval itself
    expect(c.called('reviseChangeSet')[0]!.arg.decision).toMatchObject({ onlyPaths: ['/a.md'] });
    expect(c.called('evaluate').map((e) => e.arg.step)).toContain('revised');
    expect(c.saved.at(-1)!.consecutiveApprovals).toBe(0);
  });
});

/** Waits for the review stage, then alice approves the pending change set as it is. */
async function approveAtReview(handle: ReturnType<typeof startHandle>): Promise<void> {
  await stage(handle, 'review');
  const h = await handle;
  const { changeSetId } = await h.query(stateQuery);
  await h.executeUpdate(approveUpdate, { args: [{ reviewer: 'alice', changeSetId: changeSetId! }] });
}

describe('held lines', () => {
  it('an automatic agent whose dream held lines from outside waits for a reviewer, as for a quarantine', async () => {
    const c = await cycleWith(
      { settings: { mode: 'automatic' }, summary: { quarantined: 0, held: 2 } },
      approveAtReview,
    );
    expect([c.result!.outcome, c.result!.effectiveMode]).toEqual(['kept', 'review']);
    expect(c.records.find((r) => r.event === 'review-required')?.data).toEqual({
      because: 'held',
      sessions: 0,
      held: 2,
    });
  });

  it('with onQuarantine: notify it goes on without them and tells the owners once', async () => {
    const c = await cycleWith({
      settings: { mode: 'automatic', onQuarantine: 'notify' },
      summary: { quarantined: 0, held: 2 },
    });
    expect(c.result!.outcome).toBe('kept');
    expect(c.called('alert').filter((a) => a.arg.kind === 'notify')).toHaveLength(1);
    expect(told(c.records)).toMatch(/0 session\(s\) quarantined and 2 line\(s\) held by the dream/);
  });
});

describe('review timeout', () => {
  it('reviewers are told, reminded, then the candidate is discarded and the owners notified', async () => {
    const c = await cycleWith({ settings: { mode: 'review', reviewTimeoutMs: 2_000 } });
    expect(c.result!.outcome).toBe('timed_out');
    expect(c.called('alert').map((a) => a.arg.kind)).toEqual(['review', 'reminder', 'notify']);
    expect(c.called('promote')).toHaveLength(0);
    expect(c.saved.at(-1)!.consecutiveApprovals).toBe(0);
  });
});

describe('decisions', () => {
  it('unsigned agent: a listed reviewer decides without a signature check', async () => {
    const c = await cycleWith({ settings: { mode: 'review' } }, async (handle) => {
      await stage(handle, 'review');
      const h = await handle;
      const { changeSetId } = await h.query(stateQuery);
      await h.signal(approveSignal, { reviewer: 'alice', changeSetId: changeSetId!.slice(0, 8) });
    });
    expect([c.result!.outcome, c.result!.decidedBy]).toEqual(['kept', 'alice']);
    expect(c.called('checkDecision')).toHaveLength(0);
  });

  it('signed agent: unsigned refused at once; a bad signature refused with the reason; a good one accepted and recorded', async () => {
    const fingerprint = 'SHA256:abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
    const sig = '-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n-----END SSH SIGNATURE-----\n';
    const answers: { refused?: string; result?: DecisionResult }[] = [];
    const c = await cycleWith(
      {
        settings: { mode: 'review', signedDecisions: true },
        checkDecision: (d) =>
          d.comment === 'good'
            ? { accepted: true, changeSetId: '', reviewer: d.reviewer, fingerprint }
            : { accepted: false, why: "the signature does not verify for alice's key" },
      },
      async (handle) => {
        await stage(handle, 'review');
        const h = await handle;
        const { changeSetId } = await h.query(stateQuery);
        const send = (d: Decision) =>
          h.executeUpdate(approveUpdate, { args: [d] }).then(
            (result) => answers.push({ result }),
            (e: unknown) => answers.push({ refused: (e as WorkflowUpdateFailedError).cause?.message }),
          );
        await send({ reviewer: 'alice', changeSetId: changeSetId! });
        await send({ reviewer: 'alice', changeSetId: changeSetId!, signature: sig, comment: 'bad' });
        expect((await h.query(stateQuery)).stage).toBe('review');
        await send({ reviewer: 'alice', changeSetId: changeSetId!, signature: sig, comment: 'good' });
      },
    );
    expect(answers).toEqual([
      { refused: 'branches/agent-a requires signed decisions: sign with `dreamgate approve … --key <ssh key>`' },
      { result: { accepted: false, why: "the signature does not verify for alice's key" } },
      { result: expect.objectContaining({ accepted: true, fingerprint }) },
    ]);
    expect(c.called('checkDecision')).toHaveLength(2); // the unsigned one never reached the worker
    expect([c.result!.outcome, c.result!.signedBy]).toEqual(['kept', fingerprint]);
    expect(c.records.find((r) => r.event === 'approved')!.data).toMatchObject({
      signedBy: fingerprint,
      signature: sig,
    });
  });

  it('after 20 failed signature checks a cycle stops checking, and waits for its timeout', async () => {
    const sig = '-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n-----END SSH SIGNATURE-----\n';
    let last = '';
    const c = await cycleWith(
      {
        settings: { mode: 'review', signedDecisions: true, reviewTimeoutMs: 8_000 },
        checkDecision: () => ({ accepted: false, why: 'no' }),
      },
      async (handle) => {
        await stage(handle, 'review');
        const h = await handle;
        const { changeSetId } = await h.query(stateQuery);
        for (let i = 0; i < 21; i++)
          await h
            .executeUpdate(approveUpdate, { args: [{ reviewer: 'alice', changeSetId: changeSetId!, signature: sig }] })
            .catch((e: WorkflowUpdateFailedError) => (last = e.cause?.message ?? ''));
      },
    );
    expect(c.called('checkDecision')).toHaveLength(20);
    expect(last).toBe('20 decisions on this cycle failed their signature check; it waits for its review to time out');
    expect(c.result!.outcome).toBe('timed_out');
    expect(c.result!.ignored.count).toBe(20);
  });
  it('signed decisions sent all at once: at most 20 signature checks, counting those still under way', async () => {
    const sig = '-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n-----END SSH SIGNATURE-----\n';
    const c = await cycleWith(
      {
        settings: { mode: 'review', signedDecisions: true, reviewTimeoutMs: 8_000 },
        // slow checks: every signal arrives while the first ones are still being checked
        checkDecision: () =>
          new Promise<DecisionResult>((r) => setTimeout(() => r({ accepted: false, why: 'no' }), 1_500)),
      },
      async (handle) => {
        await stage(handle, 'review');
        const h = await handle;
        const { changeSetId } = await h.query(stateQuery);
        await Promise.all(
          Array.from({ length: 60 }, () =>
            h.signal(approveSignal, { reviewer: 'alice', changeSetId: changeSetId!, signature: sig }),
          ),
        );
      },
    );
    expect(c.called('checkDecision')).toHaveLength(20);
    expect(c.result!.outcome).toBe('timed_out');
    expect(c.result!.ignored.count).toBe(60);
  });
});

describe('the audit chain and the input', () => {
  it('every record names the previous one, in order, decisions recorded from handlers included', async () => {
    const c = await cycleWith({ settings: { mode: 'review' } }, async (handle) => {
      await stage(handle, 'review');
      const h = await handle;
      const { changeSetId } = await h.query(stateQuery);
      await Promise.all(
        ['x', 'y', 'z', 'w'].map((r) =>
          h.signal(approveSignal, { reviewer: `stranger-${r}`, changeSetId: changeSetId! }),
        ),
      );
      await h.executeUpdate(approveUpdate, { args: [{ reviewer: 'alice', changeSetId: changeSetId! }] });
    });
    expect(c.result!.outcome).toBe('kept');
    expect(c.records[0]!.prev).toBeNull();
    for (let i = 1; i < c.records.length; i++) expect(c.records[i]!.prev).toBe(c.records[i - 1]!.sha256);
    expect(c.records.filter((r) => r.event === 'decision-ignored')).toHaveLength(3);
    expect(c.records.find((r) => r.event === 'decisions-ignored')!.data).toEqual({ count: 4, recorded: 3 });
    expect(c.result!.auditHead).toBe(c.records.at(-1)!.sha256);
    expect(c.saved.at(-1)!.auditHead).toBe(c.records.at(-1)!.sha256);
  });

  it('an input that is not names (a path for an agent id) fails the cycle at once, before any activity', async () => {
    const s = stubs({});
    const { worker, taskQueue } = await workerWith(s.activities);
    const err = await worker.runUntil(
      env.client.workflow
        .execute(dreamCycle, {
          taskQueue,
          workflowId: unique('bad-input'),
          args: [{ fleet: 'branches', agent: '../../etc', trigger: 'x' }],
        })
        .catch((e: unknown) => e),
    );
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect(((err as WorkflowFailedError).cause as Error).message).toBe('cycle input: agent is not an agent id');
    expect(s.calls).toEqual([]);
  });
});

describe("the store's consolidation lock", () => {
  it('a lock its owner keeps fresh forever ends the wait at the deadline: conflict, saying why; nothing promoted (red-team L1)', async () => {
    const s = stubs({ settings: { lockWaitMs: 5_000 } });
    let tries = 0;
    const activities = {
      ...s.activities,
      promote: async () => {
        tries++;
        throw ApplicationFailure.create({
          message: "Claude Code's consolidation lock /m/.consolidate-lock is held by pid 4242",
          type: 'StoreLocked',
          nonRetryable: true,
        });
      },
    };
    const { worker, taskQueue } = await workerWith(activities, 'branches-lock');
    const result = await worker.runUntil(async () => (await startHandle(taskQueue)).result());
    expect(result.outcome).toBe('conflict');
    expect(result.reason).toMatch(
      /^the store stayed locked by its owner for more than 5 s \(Claude Code's consolidation lock .* held by pid 4242\); nothing was written/,
    );
    // tried at 0, 2 and 4 s: the next wait would pass the deadline
    expect(tries).toBeGreaterThanOrEqual(2);
    expect(tries).toBeLessThanOrEqual(3);
    expect(s.records.filter((r) => r.event === 'store-locked')).toHaveLength(1);
    expect(s.records.map((r) => r.event)).toContain('cycle-conflict');
  });
});

describe('the other workflows a worker serves', () => {
  it('take only bounded input from any client: no endless benchmark floor, no megabyte proof object', async () => {
    const s = stubs({});
    const { worker, taskQueue } = await workerWith(s.activities);
    const failure = (p: Promise<unknown>) =>
      p.then(
        () => 'completed',
        (e: unknown) => ((e as WorkflowFailedError).cause as Error).message,
      );
    const [floor, proof] = await worker.runUntil(
      Promise.all([
        failure(env.client.workflow.execute(benchFloor, { taskQueue, workflowId: unique('floor'), args: [1e9] })),
        failure(
          env.client.workflow.execute(proofWorkflow, {
            taskQueue,
            workflowId: unique('proof'),
            args: [{ message: 'x'.repeat(1_000_000) }],
          }),
        ),
      ]),
    );
    expect(floor).toBe('benchFloor input: an activity count from 0 to 1000');
    expect(proof).toBe('proof input: message must be text of at most 4096 characters');
    expect(s.calls).toEqual([]);
  });
});

describe('the fleet run', () => {
  it('a child that fails reports its own cause; an agent whose cycle is already running is skipped, naming it', async () => {
    const s = stubs({ settings: { mode: 'review' } });
    const outcomes: FleetOutcome[] = [];
    const activities = {
      ...s.activities,
      openCycle: async (arg: { cycle: { agent: string } }) => {
        if (arg.cycle.agent === 'a2')
          throw ApplicationFailure.nonRetryable('agent "a2" is not in the fleet this worker serves', 'InvalidInput');
        const opened = (await s.activities.openCycle!(arg as never)) as { settings: CycleSettings };
        const mode = arg.cycle.agent === 'a3' ? 'review' : 'automatic';
        return { ...opened, settings: { ...opened.settings, agent: arg.cycle.agent, mode } };
      },
      openFleet: async () => ({ configHash: 'c'.repeat(64), agents: 3, concurrency: 2, team: false }),
      fleetAgents: async () => ['a1', 'a2', 'a3'],
      recordFleetOutcomes: async (arg: { outcomes: FleetOutcome[] }) => void outcomes.push(...arg.outcomes),
    };
    const { worker, taskQueue } = await workerWith(activities, 'branches-fleet');
    const result = await worker.runUntil(async () => {
      // a3 is already dreaming (started by hand) when the fleet run reaches it
      const busy = await env.client.workflow.start(dreamCycle, {
        taskQueue,
        workflowId: 'dream:branches:a3',
        args: [{ fleet: 'branches', agent: 'a3', trigger: 'manual' }],
      });
      for (let i = 0; (await busy.query(stateQuery)).stage !== 'review'; i++) {
        if (i > 200) throw new Error('a3 never reached review');
        await new Promise((r) => setTimeout(r, 50));
      }
      const r = await env.client.workflow.execute(dreamFleet, {
        taskQueue,
        workflowId: unique('fleet-branches'),
        args: [{ fleet: 'branches' }],
      });
      await busy.cancel();
      return r;
    });
    expect(result.counts).toEqual({ kept: 1, failed: 1, skipped: 1 });
    // each counted as it ends: a report's pages are in the order the cycles ended
    outcomes.sort((a, b) => a.agent.localeCompare(b.agent));
    expect(outcomes.map((o) => [o.agent, o.outcome, o.reason])).toEqual([
      ['a1', 'kept', expect.stringContaining('promoted change set')],
      ['a2', 'failed', 'agent "a2" is not in the fleet this worker serves'],
      ['a3', 'skipped', 'a cycle of a3 is already running (dream:branches:a3)'],
    ]);
  });
});
