import type { Decision, Verdict } from '../src/cycle/decision.js';
import type { CycleRef, DecisionResult } from '../src/cycle/types.js';
import { verifyDecision } from '../src/cycle/verifyDecision.js';
import { activity } from './activity.js';
import type { CycleContext } from './context.js';
import { isSha256 } from '../src/names/ids.js';

export function reviewActivities(w: CycleContext) {
  return {
    /**
     * Checks a decision against the worker's own configuration (see `verifyDecision`): for a cycle that opened
     * on a worker. What it answers decides nothing by itself: a promotion checks the decision again.
     */
    checkDecision: activity(
      async ({
        cycle,
        verdict,
        decision,
        pendingChangeSetId,
      }: {
        cycle: CycleRef;
        verdict: Verdict;
        decision: Decision;
        pendingChangeSetId: string;
      }): Promise<DecisionResult> => {
        const a = await w.authorize(cycle);
        if (verdict !== 'approve' && verdict !== 'reject') return { accepted: false, why: 'not a verdict' };
        if (typeof pendingChangeSetId !== 'string' || !isSha256(pendingChangeSetId))
          return { accepted: false, why: 'the pending change set is not an id' };
        const target = { scope: a.scope, run: a.run, startedAt: a.ref.startedAt, pending: pendingChangeSetId };
        const { decision: _, ...answer } = await verifyDecision(a.config, target, verdict, decision);
        return answer;
      },
    ),
  };
}
