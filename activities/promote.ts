import { planPromotion } from '../src/cycle/promote.js';
import { planRollback } from '../src/cycle/rollback.js';
import type { CycleRef, PromoteResult } from '../src/cycle/types.js';
import { applyChanges } from '../src/memory/apply.js';
import { activity, progress } from './activity.js';
import type { CycleContext } from './context.js';
import { exemptFromRetention } from './evaluate.js';

/** Promotion, verification and rollback name the change set by its id; the one loader checks its hash. */
export interface ChangeSetStep {
  cycle: CycleRef;
  snapshotId: string;
  changeSetId: string;
}

export function promoteActivities(w: CycleContext) {
  return {
    /** Writes the change set onto the live store; the agent's own writes since the snapshot are never lost. */
    promote: activity(async ({ cycle, snapshotId, changeSetId }: ChangeSetStep): Promise<PromoteResult> => {
      const a = await w.agent(cycle);
      const cs = await w.objects.loadChangeSet(a.scope, changeSetId);
      const snapshot = await w.snapshots.restore(a.scope, snapshotId);
      const store = w.live(a.config);
      const plan = planPromotion(snapshot, await store.read(), cs.changes);
      // the agent's own writes since the snapshot are its to answer for, not the dream's
      await exemptFromRetention(w, a, cycle.cycleId, plan.agentWrites);
      progress(`writing ${plan.remaining.length} change(s)`);
      if (!plan.alreadyApplied) await store.apply(plan.remaining);
      return { expectedSha256: plan.target.hash(), rebased: plan.rebased, agentWrites: plan.agentWrites };
    }),

    /** Did every change land as written? (The agent's own writes elsewhere do not count against it.) */
    verifyLive: activity(
      async ({
        cycle,
        snapshotId,
        changeSetId,
      }: ChangeSetStep): Promise<{ matches: boolean; mismatched: string[]; sha256: string }> => {
        const a = await w.agent(cycle);
        const cs = await w.objects.loadChangeSet(a.scope, changeSetId);
        const target = applyChanges(await w.snapshots.restore(a.scope, snapshotId), cs);
        const now = await w.live(a.config).read();
        const mismatched = cs.changes
          .flatMap((c) => [c.path, ...(c.new_path ? [c.new_path] : [])])
          .filter((p) => now.get(p) !== target.get(p));
        return { matches: mismatched.length === 0, mismatched, sha256: now.hash() };
      },
    ),

    /** Undoes a promotion path by path, never over a write the agent made since. */
    rollback: activity(
      async ({
        cycle,
        snapshotId,
        changeSetId,
      }: ChangeSetStep): Promise<{ restored: string[]; keptAgentWrites: string[] }> => {
        const a = await w.agent(cycle);
        const cs = await w.objects.loadChangeSet(a.scope, changeSetId);
        const snapshot = await w.snapshots.restore(a.scope, snapshotId);
        const store = w.live(a.config);
        const plan = planRollback(snapshot, await store.read(), cs.changes);
        if (plan.inverse.length > 0) await store.apply(plan.inverse);
        return { restored: plan.inverse.map((c) => c.path), keptAgentWrites: plan.keptAgentWrites };
      },
    ),
  };
}
