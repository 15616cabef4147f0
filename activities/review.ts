import { scopedName } from '../src/config/scope.js';
import { parseDecision, signedText, type Decision, type Verdict } from '../src/cycle/decision.js';
import { isCycleObject } from '../src/cycle/keys.js';
import { verifySignature } from '../src/cycle/signing.js';
import type { CycleRef, DecisionResult } from '../src/cycle/types.js';
import { activity } from './activity.js';
import type { CycleContext } from './context.js';

/** How far a signed decision's time may lie before the cycle started or after now (clock skew). */
const skewMs = 5 * 60_000;

export function reviewActivities(w: CycleContext) {
  return {
    /**
     * Checks a decision against the worker's own configuration: a listed reviewer, the pending change set,
     * this cycle, an edit among this cycle's objects and, when the agent's reviewers have keys, a signature
     * by the deciding reviewer's key over the decision and this cycle (`ssh-keygen -Y verify`).
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
        const no = (why: string): DecisionResult => ({ accepted: false, why });
        const parsed = parseDecision(verdict, decision);
        if (!parsed.ok) return no(parsed.why);
        const d = parsed.decision;
        const a = await w.agent(cycle);
        const name = scopedName(a.scope);
        if (!a.config.reviewers.includes(d.reviewer)) return no(`${d.reviewer} is not a reviewer of ${name}`);
        if (!pendingChangeSetId.startsWith(d.changeSetId))
          return no(
            `names change set ${d.changeSetId.slice(0, 12)}, not the pending ${pendingChangeSetId.slice(0, 12)}`,
          );
        if (d.cycle !== undefined && d.cycle !== cycle.cycleId)
          return no(`is for cycle ${d.cycle}, not ${cycle.cycleId}`);
        if (d.editedKey && !isCycleObject(a.scope, cycle.cycleId, d.editedKey))
          return no(`editedKey is not one of this cycle's objects`);
        const keys = a.config.reviewerKeys;
        if (!keys) return { accepted: true, changeSetId: pendingChangeSetId, reviewer: d.reviewer };
        const key = keys[d.reviewer];
        if (!key) return no(`${d.reviewer} has no key configured`);
        if (!d.signature) return no(`${name} requires signed decisions; ${d.reviewer}'s is unsigned`);
        const at = d.at ? Date.parse(d.at) : NaN;
        if (!Number.isFinite(at)) return no('a signed decision carries its time (at)');
        if (at < Date.parse(cycle.startedAt) - skewMs || at > Date.now() + skewMs)
          return no(`signed at ${d.at}, outside this cycle (started ${cycle.startedAt})`);
        const text = signedText(
          { fleet: a.scope.fleet, agent: a.scope.id, cycle: cycle.cycleId, changeSetId: pendingChangeSetId, verdict },
          d,
        );
        const v = await verifySignature(text, d.signature, d.reviewer, [key]);
        return v.ok
          ? { accepted: true, changeSetId: pendingChangeSetId, reviewer: d.reviewer, fingerprint: v.fingerprint }
          : no(v.why);
      },
    ),
  };
}
