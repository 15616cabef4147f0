import { createHash } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { batchSender, directSender, type BatchLedger } from '../src/anthropic/sender.js';
import { madeHere, proofKinds } from '../src/cycle/authority.js';
import { revises, type Decision } from '../src/cycle/decision.js';
import { batchLedgerKey, evalReportKey, evidenceKey, isCycleObject } from '../src/names/keys.js';
import { seal } from '../src/cycle/seal.js';
import { decisionDigest, verifyDecision } from '../src/cycle/verifyDecision.js';
import { reviseChanges } from '../src/cycle/revise.js';
import type { CycleRef, DreamRef, Redream } from '../src/cycle/types.js';
import { ClaudeDreamer, type DreamFeedback } from '../src/dream/claude/dreamer.js';
import type { Dreamer } from '../src/dream/dreamer.js';
import { refusedPaths } from '../src/dream/guard.js';
import { HeuristicDreamer } from '../src/dream/heuristic.js';
import { ManagedDreamer } from '../src/dream/managed.js';
import { proposalFingerprint } from '../src/dream/decisions.js';
import { editedAway } from '../src/dream/lineMemory.js';
import { runDream } from '../src/dream/run.js';
import { TeamLessonsDreamer } from '../src/dream/team.js';
import type { Evaluation } from '../src/evaluate/scorer.js';
import { withDerived, type DerivedCase } from '../src/evaluate/derive.js';
import { loadSuite } from '../src/evaluate/suite.js';
import { reconciled } from '../src/memory/adapter.js';
import { applyChanges } from '../src/memory/apply.js';
import { summarize, type ChangeSet } from '../src/memory/changeSet.js';
import { openStore } from '../src/sources/openStore.js';
import { collectEvidence } from '../src/review/evidence.js';
import type { MemoryStore } from '../src/memory/store.js';
import { InvalidInput } from '../src/util/errors.js';
import { activity, progress } from './activity.js';
import type { Agent, Authorized, CycleContext } from './context.js';
import { derivedKey, exemptFromRetention } from './evaluate.js';
import { keepMemory, memoryOf, remembered } from './memory.js';

/** What a reviewer changed, as the decision names it: paths, an edit by key and hash, restored sessions. */
export interface RevisionRequest {
  onlyPaths?: string[];
  editedKey?: string;
  editedSha256?: string;
  restoredSessions?: string[];
  acceptedSuggestions?: number[];
}

/** The failing cases of a rejected candidate, from its eval report (this run's, by attempt), for the next attempt. */
async function feedbackFrom(w: CycleContext, a: Agent, cycleId: string, redo: Redream): Promise<DreamFeedback> {
  const agent = a.config;
  // the report of the attempt that failed, where this run's evaluation put it (never a key the call names)
  const step = redo.attempt === 1 ? 'post' : `post-${redo.attempt}`;
  const report = await w.objects.getJson<Evaluation>(evalReportKey(a.scope, cycleId, step));
  const derived = (await w.objects.getJson<DerivedCase[]>(derivedKey(a, cycleId))) ?? [];
  const suite = withDerived(agent.suite ? await loadSuite(agent.suite) : undefined, derived);
  const question = (id: string) => suite.cases.find((c) => c.id === id)?.question;
  return {
    attempt: redo.attempt,
    score: redo.score,
    baseline: redo.baseline,
    failing: (report?.cases ?? [])
      .filter((c) => !c.passed)
      .map((c) => ({ id: c.id, ...(question(c.id) ? { question: question(c.id)! } : {}), reasons: c.reasons })),
  };
}

async function dreamerFor(w: CycleContext, a: Agent, cycleId: string, redo: Redream | undefined): Promise<Dreamer> {
  const agent = a.config;
  switch (agent.dreamer) {
    case 'team-lessons':
      return new TeamLessonsDreamer(
        await Promise.all(
          (agent.sources ?? []).map(async (s) => ({
            id: s.id,
            store: await openStore(s.store, {
              s3: w.deps.s3,
              claude: w.claude,
              ...(s.limits ? { limits: s.limits } : {}),
            }).read(),
          })),
        ),
      );
    case 'claude': {
      const spent = redo?.spent ?? { tokens: 0, costUsd: 0 };
      const budget = {
        maxTokens: agent.claude.budget.maxTokens - spent.tokens,
        maxCostUsd: agent.claude.budget.maxCostUsd - spent.costUsd,
      };
      const ledgerKey = (key: string) => batchLedgerKey(a.scope, cycleId, key);
      const ledger: BatchLedger = {
        get: (key) => w.objects.getJson(ledgerKey(key)),
        put: async (key, value) => void (await w.objects.putJson(ledgerKey(key), value)),
      };
      const sender = agent.batch
        ? batchSender(w.claude(), ledger, { pollIntervalMs: agent.claude.pollIntervalMs, onProgress: progress })
        : directSender(w.claude());
      const feedback = redo && (await feedbackFrom(w, a, cycleId, redo));
      return new ClaudeDreamer(w.claude(), { ...agent.claude, budget }, feedback, progress, sender);
    }
    case 'managed':
      return new ManagedDreamer(
        w.claude(),
        {
          model: agent.claude.model,
          memoryStoreId: agent.store.slice('anthropic:'.length),
          pollIntervalMs: agent.claude.pollIntervalMs,
        },
        progress,
      );
    default:
      return new HeuristicDreamer();
  }
}

/** The candidate store as a new candidate version, the change set under its own hash; sealed for this run. */
async function storeCandidate(
  w: CycleContext,
  a: Authorized,
  snapshotId: string,
  name: string,
  store: MemoryStore,
  cs: ChangeSet,
  newestSessionAt: number | null,
  revises?: DreamRef['revises'],
): Promise<DreamRef> {
  const candidate = await w.candidates.take(a.scope, store, `${a.run}/${name}`);
  const { id } = await w.objects.putChangeSet(a.scope, cs);
  const kind = revises ? proofKinds.revision : proofKinds.dream;
  return seal(w.key.seal, kind, a.binding, {
    snapshotId,
    ...(revises ? { revises } : {}),
    candidateId: candidate.id,
    changeSetId: id,
    summary: summarize(cs),
    changes: cs.changes.length,
    newestSessionAt,
    sessionsUsed: cs.sessions?.used.length ?? 0,
    dropped: cs.dropped?.length ?? 0,
    ...(cs.usage ? { usage: cs.usage } : {}),
  });
}

/** The reviewer's own contents: only from this cycle's objects, and only if they still hash as signed. */
async function editedContents(
  w: CycleContext,
  a: Agent,
  cycleId: string,
  r: RevisionRequest,
): Promise<Record<string, string> | undefined> {
  if (!r.editedKey) return undefined;
  if (!isCycleObject(a.scope, cycleId, r.editedKey) || !r.editedSha256)
    throw new InvalidInput(`edited contents must be one of this cycle's objects, with their sha256`);
  const text = await w.objects.getText(r.editedKey);
  if (text === undefined) throw new InvalidInput(`edited contents ${r.editedKey} do not exist`);
  if (createHash('sha256').update(text).digest('hex') !== r.editedSha256)
    throw new InvalidInput(`edited contents ${r.editedKey} do not match their sha256`);
  const edited = JSON.parse(text) as unknown;
  if (typeof edited !== 'object' || edited === null || Object.values(edited).some((v) => typeof v !== 'string'))
    throw new InvalidInput(`edited contents ${r.editedKey} are not an object of path → text`);
  return edited as Record<string, string>;
}

/** A candidate store and its change set go to S3; the live store is not touched. */
async function dream(
  w: CycleContext,
  { cycle, snapshotId, redo }: { cycle: CycleRef; snapshotId: string; redo?: Redream },
): Promise<DreamRef> {
  const ctx = Context.current();
  const a = await w.authorize(cycle);
  if (redo && !(Number.isInteger(redo.attempt) && redo.attempt >= 1 && redo.attempt <= 20))
    return w.refuse(a.scope, 'redo.attempt is not an attempt number');
  const store = await w.snapshots.restore(a.scope, snapshotId);
  progress('reading sessions');
  const sessions =
    a.config.dreamer === 'team-lessons'
      ? { sessions: [], invalid: [] }
      : await w.sessionsOf(a.config, { limit: a.config.maxSessions, signal: ctx.cancellationSignal });
  const dreamer = await dreamerFor(w, a, a.run, redo);
  const { decisions, kept } = await remembered(w, a, store);
  progress(`dreaming over ${sessions.sessions.length} sessions`);
  const dreamed = await runDream(
    dreamer,
    {
      agentId: a.config.id,
      snapshotId,
      store,
      sessions,
      decisions,
      kept,
      ...(a.config.limits ? { limits: a.config.limits } : {}),
    },
    ctx.cancellationSignal,
  );
  // what the store's kind keeps in step (Claude Code's MEMORY.md index) joins the change set
  const result = reconciled(w.live(a.config), store, dreamed);
  const newest = sessions.sessions.length > 0 ? Math.max(...sessions.sessions.map((s) => s.endedAt)) : null;
  const name = redo ? `dream-${redo.attempt + 1}` : 'dream';
  const ref = await storeCandidate(w, a, snapshotId, name, result.store, result.changeSet, newest);
  // the review desk quotes each cited session event; whoever serves it reads S3, not the transcripts
  const evidence = await collectEvidence(result.changeSet, sessions.sessions);
  await w.objects.putJson(evidenceKey(a.scope, ref.changeSetId), evidence);
  // how a later dream knows these proposals, should a reviewer turn them down
  const owner = kept
    .filter((k) => k.by === 'owner')
    .map(({ path, line, at, changeSetId }) => ({ path, line, at, changeSetId }));
  await keepMemory(w, a, { changeSet: ref.changeSetId, prints: dreamed.fingerprints ?? {}, owner });
  return ref;
}

interface RevisionInput {
  cycle: CycleRef;
  snapshotId: string;
  /** The dream the reviewer approved, as its activity sealed it. */
  base: DreamRef;
  revision: number;
  /** Kept for histories written before revisions were bound to their decision; not read. */
  request?: RevisionRequest;
  /** The approval that asks for the revision: what it narrows, edits and restores is taken from it alone. */
  decision?: Decision;
}

/**
 * A reviewer's narrowed, edited or restored change set, or one with suggestions accepted, as a new
 * candidate to be evaluated again. A suggestion number the change set does not hold is refused here too.
 */
async function reviseChangeSet(
  w: CycleContext,
  { cycle, snapshotId, base, revision, decision }: RevisionInput,
): Promise<DreamRef> {
  const a = await w.authorize(cycle);
  const made = madeHere(w.key.seal, a.binding, base, { snapshotId, changeSetId: base?.changeSetId });
  if (typeof made === 'string') return w.refuse(a.scope, made);
  if (!Number.isInteger(revision) || revision < 1 || revision > 99) return w.refuse(a.scope, 'not a revision number');
  const target = { scope: a.scope, run: a.run, startedAt: a.ref.startedAt, pending: made.changeSetId };
  const v = await verifyDecision(a.config, target, 'approve', decision);
  if (!v.accepted || !v.decision || !revises(v.decision))
    return w.refuse(
      a.scope,
      `a revision needs an approval that narrows, edits, restores or accepts suggestions: ${'why' in v ? v.why : 'this one does not'}`,
    );
  const request: RevisionRequest = v.decision;
  const cs = await w.objects.loadChangeSet(a.scope, made.changeSetId);
  const snapshot = await w.snapshots.restore(a.scope, snapshotId);
  const edited = await editedContents(w, a, a.run, request);
  let changes = reviseChanges(cs, snapshot, {
    ...(request.onlyPaths ? { onlyPaths: request.onlyPaths } : {}),
    ...(edited ? { edited } : {}),
    ...(request.restoredSessions ? { restoredSessions: request.restoredSessions } : {}),
    ...(request.acceptedSuggestions ? { acceptedSuggestions: request.acceptedSuggestions } : {}),
  });
  ({ changes } = w.live(a.config).reconcile?.(snapshot, { ...cs, changes }) ?? { changes });
  const candidate = applyChanges(snapshot, { changes });
  // the reviewer answers for what they wrote: the derived retention cases no longer ask it of the dream
  const reviewerPaths = [
    ...Object.keys(edited ?? {}),
    ...cs.quarantined
      .filter((q) => request.restoredSessions?.includes(q.session_id))
      .flatMap((q) => q.removed_lines.map((l) => l.path)),
    ...cs.held.filter((h) => request.restoredSessions?.includes(h.session_id)).map((h) => h.path),
  ];
  await exemptFromRetention(w, a, a.run, reviewerPaths);
  const refused = await refusedPaths(snapshot, candidate);
  if (refused.length > 0)
    throw new InvalidInput(`edited change set refused: ${refused.map((r) => `${r.path} ${r.reason}`).join('; ')}`);
  const revised: ChangeSet = { ...cs, changes };
  const revisesWhat = {
    changeSetId: made.changeSetId,
    decision: decisionDigest(v.decision),
    reviewer: v.decision.reviewer,
  };
  const ref = await storeCandidate(
    w,
    a,
    snapshotId,
    `revision-${revision}`,
    candidate,
    revised,
    made.newestSessionAt,
    revisesWhat,
  );
  // what the reviewer left out or edited away is remembered as their decision (see activities/memory.ts)
  const prints = (await memoryOf(w, a, made.changeSetId))?.prints ?? {};
  const leftOut = cs.changes
    .filter((c) => (c.tier ?? 'applied') === 'applied' && !changes.some((x) => x.path === c.path))
    .map((c) => prints[c.path] ?? proposalFingerprint(c, snapshot.get(c.path) ?? '', c.after ?? ''));
  await keepMemory(w, a, {
    changeSet: ref.changeSetId,
    prints: {},
    revises: made.changeSetId,
    leftOut,
    editedAway: editedAway(snapshot, cs.changes, changes),
  });
  return ref;
}

export function dreamActivities(w: CycleContext) {
  return {
    dream: activity((input: { cycle: CycleRef; snapshotId: string; redo?: Redream }) => dream(w, input)),
    reviseChangeSet: activity((input: RevisionInput) => reviseChangeSet(w, input)),
  };
}
