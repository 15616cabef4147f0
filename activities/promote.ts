import {
  approvalRefusal,
  gateRefusal,
  madeHere,
  needsReview,
  proofKinds,
  type PromotionProof,
} from '../src/cycle/authority.js';
import { promotionKey, undoneKey } from '../src/cycle/keys.js';
import { planPromotion } from '../src/cycle/promote.js';
import { planRollback } from '../src/cycle/rollback.js';
import { seal } from '../src/cycle/seal.js';
import type { CycleRef, DreamRef, PromoteResult, RollbackResult, VerifyResult } from '../src/cycle/types.js';
import { verifyDecision } from '../src/cycle/verifyDecision.js';
import { applyChanges } from '../src/memory/apply.js';
import { activity, progress } from './activity.js';
import type { Authorized, CycleContext } from './context.js';
import { exemptFromRetention } from './evaluate.js';

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
  if ((await w.objects.claim(promotionKey(a.scope, a.run), d.changeSetId)) === 'taken')
    return w.refuse(a.scope, 'this cycle already promoted another change set');
  return d;
}

export function promoteActivities(w: CycleContext) {
  return {
    /** Writes the change set onto the live store; the agent's own writes since the snapshot are never lost. */
    promote: activity(async (step: ChangeSetStep): Promise<PromoteResult> => {
      const a = await w.authorize(step.cycle);
      const d = await authorizePromotion(w, a, step);
      const cs = await w.objects.loadChangeSet(a.scope, d.changeSetId);
      const snapshot = await w.snapshots.restore(a.scope, step.snapshotId);
      const store = w.live(a.config);
      const plan = planPromotion(snapshot, await store.read(), cs.changes);
      // the agent's own writes since the snapshot are its to answer for, not the dream's
      await exemptFromRetention(w, a, a.run, plan.agentWrites);
      progress(`writing ${plan.remaining.length} change(s)`);
      if (!plan.alreadyApplied) await store.apply(plan.remaining);
      return seal(w.key.seal, proofKinds.promote, a.binding, {
        changeSetId: d.changeSetId,
        expectedSha256: plan.target.hash(),
        rebased: plan.rebased,
        agentWrites: plan.agentWrites,
        newestSessionAt: d.newestSessionAt,
      });
    }),

    /** Did every change land as written? (The agent's own writes elsewhere do not count against it.) */
    verifyLive: activity(async (step: ChangeSetStep): Promise<VerifyResult> => {
      const a = await w.authorize(step.cycle);
      const d = await made(w, a, step);
      const cs = await w.objects.loadChangeSet(a.scope, d.changeSetId);
      const target = applyChanges(await w.snapshots.restore(a.scope, step.snapshotId), cs);
      const now = await w.live(a.config).read();
      const mismatched = cs.changes
        .flatMap((c) => [c.path, ...(c.new_path ? [c.new_path] : [])])
        .filter((p) => now.get(p) !== target.get(p));
      const found = { changeSetId: d.changeSetId, matches: mismatched.length === 0, mismatched, sha256: now.hash() };
      return seal(w.key.seal, proofKinds.verify, a.binding, found);
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
      const cs = await w.objects.loadChangeSet(a.scope, d.changeSetId);
      const snapshot = await w.snapshots.restore(a.scope, step.snapshotId);
      const store = w.live(a.config);
      const plan = planRollback(snapshot, await store.read(), cs.changes);
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
