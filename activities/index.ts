import { alertActivities } from './alert.js';
import { auditActivities } from './audit.js';
import { CycleContext, type CycleDeps } from './context.js';
import { continueActivities } from './continue.js';
import { dreamActivities } from './dream.js';
import { evaluateActivities } from './evaluate.js';
import { fleetActivities } from './fleet.js';
import { openActivities } from './open.js';
import { pauseActivities } from './pause.js';
import { promoteActivities } from './promote.js';
import { proofActivities } from './proof.js';
import { redactActivities } from './redact.js';
import { reviewActivities } from './review.js';
import { snapshotActivities } from './snapshot.js';

export type ActivityDeps = CycleDeps;

/** Every activity the worker registers, by stage; workflows proxy them by this type. */
export function createActivities(deps: ActivityDeps) {
  const w = new CycleContext(deps);
  return {
    ...proofActivities(deps.s3, deps.snapshotsBucket),
    ...openActivities(w),
    ...continueActivities(w),
    ...auditActivities(w),
    ...snapshotActivities(w),
    ...evaluateActivities(w),
    ...dreamActivities(w),
    ...reviewActivities(w),
    ...promoteActivities(w),
    ...alertActivities(w),
    ...pauseActivities(w),
    ...fleetActivities(w),
    ...redactActivities(w),
    /** For the benchmark floor: an activity round trip and nothing else. */
    async noop(i: number): Promise<number> {
      return i;
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
