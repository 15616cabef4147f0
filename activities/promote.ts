import {
  approvalRefusal,
  gateRefusal,
  madeHere,
  needsReview,
  proofKinds,
  type PromotionProof,
} from '../src/cycle/authority.js';
import { promotionKey, promotionPlanKey, undoneKey } from '../src/names/keys.js';
import { planPromotion, promotionSides, writtenPromotion, type WrittenPromotion } from '../src/cycle/promote.js';
import { planRollback } from '../src/cycle/rollback.js';
import { seal } from '../src/cycle/seal.js';
import type {
  CycleRef,
  DreamRef,
  EvalSummary,
  PromoteResult,
  RollbackResult,
  VerifyResult,
} from '../src/cycle/types.js';
import { verifyDecision } from '../src/cycle/verifyDecision.js';
import { applyChanges } from '../src/memory/apply.js';
import type { StoreAdapter } from '../src/memory/adapter.js';
import type { MemoryStore } from '../src/memory/store.js';
import { activity, progress } from './activity.js';
import type { Authorized, CycleContext } from './context.js';
import { exemptFromRetention, scoreStore } from './evaluate.js';

/** Promotion, verification and rollback name the change set by its id, and show the proofs that allow them. */
export interface ChangeSetStep {
  cycle: CycleRef;
  snapshotId: string;
  changeSetId: string;
  proof?: PromotionProof;
}

/** The change set, if this run's worker made it from this snapshot; refused otherwise. */
async function made(w: CycleContext, a: Authorized, step: ChangeSetStep): Promise<DreamRef> {
  const d = madeHere(w.key.seal, a.binding, step.proof?.dream, step);
  return typeof d === 'string' ? w.refuse(a.scope, d) : d;
}

/**
 * May this run promote this change set? Only one its worker made from this snapshot, that passed a gate the
 * worker sealed (the baseline and the candidate's score, in this run), approved by a listed reviewer (signed
 * where reviewers have keys, checked again here) when the cycle opened in review, its dream quarantined a
 * session, or a reviewer revised it; and only once per run, never again after it was rolled back.
 */
async function authorizePromotion(w: CycleContext, a: Authorized, step: ChangeSetStep): Promise<DreamRef> {
  const d = await made(w, a, step);
  const proof = step.proof ?? {};
  const gate = gateRefusal(w.key.seal, a.binding, d, proof, a.config.threshold);
  if (gate) return w.refuse(a.scope, gate);
  if (needsReview(a.ref.mode, d, a.config)) {
    const pending = d.revises?.changeSetId ?? d.changeSetId;
    const target = { scope: a.scope, run: a.run, startedAt: a.ref.startedAt, pending };
    const why = approvalRefusal(d, await verifyDecision(a.config, target, 'approve', proof.decision));
    if (why) return w.refuse(a.scope, why);
  }
  if (await w.objects.exists(undoneKey(a.scope, a.run)))
    return w.refuse(a.scope, "this cycle's promotion was rolled back; it does not promote again");
  return d;
}

/**
 * The promotion this run writes: the one an earlier attempt planned (it writes the same merge), or a new plan
 * merged onto the live store, claimed (once per run: a conflict, which writes nothing, claims nothing) and kept.
 */
async function writtenFor(
  w: CycleContext,
  a: Authorized,
  d: DreamRef,
  step: ChangeSetStep,
  store: StoreAdapter,
  live: MemoryStore,
): Promise<WrittenPromotion> {
  const key = promotionPlanKey(a.scope, a.run);
  const kept = await w.objects.getJson<WrittenPromotion>(key);
  let written = kept?.changeSetId === d.changeSetId ? kept : undefined;
  if (!written) {
    const cs = await w.objects.loadChangeSet(a.scope, d.changeSetId);
    const snapshot = await w.snapshots.restore(a.scope, step.snapshotId);
    written = writtenPromotion(d.changeSetId, live, planPromotion(snapshot, live, cs.changes, store));
  }
  if ((await w.objects.claim(promotionKey(a.scope, a.run), d.changeSetId)) === 'taken')
    return w.refuse(a.scope, 'this cycle already promoted another change set');
  if (!kept) await w.objects.putJson(key, written);
  return written;
}

/**
 * What this run's promotion left: each path as it was before and as written. A promotion written before plans
 * were kept is the change set applied to the snapshot.
 */
async function promotedSides(w: CycleContext, a: Authorized, d: DreamRef, step: ChangeSetStep) {
  const written = await w.objects.getJson<WrittenPromotion>(promotionPlanKey(a.scope, a.run));
  if (written?.changeSetId === d.changeSetId)
    return { ...promotionSides(written), changes: written.changes, expectedSha256: written.expectedSha256 };
  const cs = await w.objects.loadChangeSet(a.scope, d.changeSetId);
  const before = await w.snapshots.restore(a.scope, step.snapshotId);
  const paths = [...new Set(cs.changes.flatMap((c) => [c.path, ...(c.new_path ? [c.new_path] : [])]))];
  return { before, after: applyChanges(before, cs), paths, changes: cs.changes, expectedSha256: undefined };
}

/** Did every change land as written? (The agent's own writes elsewhere do not count against it.) */
async function liveCheck(
  w: CycleContext,
  a: Authorized,
  d: DreamRef,
  step: ChangeSetStep,
  now: MemoryStore,
): Promise<VerifyResult> {
  const { after, paths, expectedSha256 } = await promotedSides(w, a, d, step);
  const mismatched = paths.filter((p) => now.get(p) !== after.get(p));
  const sha256 = now.hash();
  // the whole store as promoted, or written since (the agent's writes elsewhere are its own: paths decide)
  const compared = expectedSha256 ? { expectedSha256, asPromoted: sha256 === expectedSha256 } : {};
  const found = { changeSetId: d.changeSetId, matches: mismatched.length === 0, mismatched, sha256, ...compared };
  return seal(w.key.seal, proofKinds.verify, a.binding, found);
}

export function promoteActivities(w: CycleContext) {
  return {
    /**
     * Writes the change set onto the live store, merged with the agent's own writes since the snapshot (which
     * are never lost); edits of the same lines are a conflict, and nothing is written.
     */
    promote: activity(async (step: ChangeSetStep): Promise<PromoteResult> => {
      const a = await w.authorize(step.cycle);
      const d = await authorizePromotion(w, a, step);
      const store = w.live(a.config);
      const live = await store.read();
      const written = await writtenFor(w, a, d, step, store, live);
      // the agent's own writes since the snapshot are its to answer for, not the dream's
      await exemptFromRetention(w, a, a.run, written.agentWrites);
      const { after } = promotionSides(written);
      const landed = (p: string) => live.get(p) === after.get(p);
      const remaining = written.changes.filter((c) => ![c.path, ...(c.new_path ? [c.new_path] : [])].every(landed));
      progress(
        `writing ${remaining.length} change(s)${written.merged.length ? `, ${written.merged.length} merged` : ''}`,
      );
      if (remaining.length > 0) await store.apply(remaining);
      return seal(w.key.seal, proofKinds.promote, a.binding, {
        changeSetId: d.changeSetId,
        expectedSha256: written.expectedSha256,
        rebased: written.agentWrites.length > 0,
        agentWrites: written.agentWrites,
        ...(written.merged.length ? { merged: written.merged } : {}),
        newestSessionAt: d.newestSessionAt,
      });
    }),

    /** Which files of the change set the agent has changed since the snapshot (when a review opens). */
    changedSinceSnapshot: activity(async (step: ChangeSetStep): Promise<{ paths: string[] }> => {
      const a = await w.authorize(step.cycle);
      const d = await made(w, a, step);
      const cs = await w.objects.loadChangeSet(a.scope, d.changeSetId);
      const snapshot = await w.snapshots.restore(a.scope, step.snapshotId);
      const live = await w.live(a.config).read();
      const paths = new Set(cs.changes.flatMap((c) => [c.path, ...(c.new_path ? [c.new_path] : [])]));
      return { paths: [...paths].filter((p) => live.get(p) !== snapshot.get(p)).slice(0, 200) };
    }),

    /** Verify's check alone, as cycles recorded before `verify` ask for it (beside an eval of the live store). */
    verifyLive: activity(async (step: ChangeSetStep): Promise<VerifyResult> => {
      const a = await w.authorize(step.cycle);
      return liveCheck(w, a, await made(w, a, step), step, await w.live(a.config).read());
    }),

    /**
     * Verify as one step (one activity in the history, the live store read once): did every change land as
     * written, and what does the live store score on the gate's suite? Each answer sealed as its own step's.
     */
    verify: activity(async (step: ChangeSetStep): Promise<{ check: VerifyResult; eval: EvalSummary }> => {
      const a = await w.authorize(step.cycle);
      const d = await made(w, a, step);
      const now = await w.live(a.config).read();
      const check = await liveCheck(w, a, d, step, now);
      return { check, eval: await scoreStore(w, a, 'verify', { series: 'live' }, now) };
    }),

    /**
     * Undoes this run's promotion path by path, never over a write the agent made since: only a change set
     * this run promoted (nothing else is undone), once.
     */
    rollback: activity(async (step: ChangeSetStep): Promise<RollbackResult> => {
      const a = await w.authorize(step.cycle);
      const d = await made(w, a, step);
      const undo = (r: Omit<RollbackResult, 'seal'>) => seal(w.key.seal, proofKinds.rollback, a.binding, r);
      if ((await w.objects.getText(promotionKey(a.scope, a.run))) !== d.changeSetId)
        return undo({ changeSetId: d.changeSetId, restored: [], keptAgentWrites: [] });
      const { before, changes } = await promotedSides(w, a, d, step);
      const store = w.live(a.config);
      const plan = planRollback(before, await store.read(), changes);
      await w.objects.claim(undoneKey(a.scope, a.run), d.changeSetId);
      if (plan.inverse.length > 0) await store.apply(plan.inverse);
      return undo({
        changeSetId: d.changeSetId,
        restored: plan.inverse.map((c) => c.path),
        keptAgentWrites: plan.keptAgentWrites,
      });
    }),
  };
}
