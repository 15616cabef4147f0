import { Context } from '@temporalio/activity';
import { cycleWorkflowId } from '../src/names/scope.js';
import { runOf, sealChecks, sealRef } from '../src/cycle/authority.js';
import { continuationRefusal, initiatorName, type RunStart } from '../src/cycle/continuation.js';
import type { CycleRef } from '../src/cycle/types.js';
import { activity } from './activity.js';
import { caller, type CycleContext } from './context.js';

/** The workflow type whose review waits continue as new. */
const cycleType = 'dreamCycle';

/** The calling run's first history event, as the server wrote it. */
async function runStart(): Promise<RunStart> {
  const ctx = Context.current();
  const who = caller();
  const page = await ctx.client.workflowService.getWorkflowExecutionHistory({
    namespace: ctx.info.workflowNamespace,
    execution: { workflowId: who.workflowId, runId: who.runId },
    maximumPageSize: 1,
  });
  const started = page.history?.events?.[0]?.workflowExecutionStartedEventAttributes;
  return {
    workflowId: who.workflowId,
    workflowType: started?.workflowType?.name ?? who.workflowType,
    taskQueue: started?.taskQueue?.name ?? '',
    ...(started?.continuedExecutionRunId ? { continuedFrom: started.continuedExecutionRunId } : {}),
    ...(initiatorName(started?.initiator) ? { initiator: initiatorName(started?.initiator) } : {}),
  };
}

export function continueActivities(w: CycleContext) {
  return {
    /**
     * A cycle whose review wait continued as new carries on in the new run: the reference sealed for the run
     * it continued is re-sealed for the calling run, once Temporal's own record of the calling run shows that
     * it continues exactly that run (see `continuationRefusal`). The cycle keeps its id, so its proofs, audit
     * chain and S3 objects stay its own. Anything else is refused, and the refusal kept.
     */
    continueCycle: activity(async ({ cycle }: { cycle: CycleRef }): Promise<CycleRef> => {
      if (typeof cycle !== 'object' || cycle === null) return w.refuse(undefined, 'the call names no cycle');
      const a = await w.agent(cycle);
      if (!sealChecks(w.key.seal, cycle)) return w.refuse(a.scope, 'the cycle reference’s seal does not check');
      const ctx = Context.current();
      const start = await runStart();
      const previous = await ctx.client.workflow
        .getHandle(start.workflowId, runOf(cycle))
        .describe()
        .then((d) => d.status.name)
        .catch(() => undefined);
      const expected = { workflowId: cycleWorkflowId(a.scope), workflowType: cycleType, taskQueue: ctx.info.taskQueue };
      const why = continuationRefusal(cycle, expected, start, previous);
      if (why) return w.refuse(a.scope, why);
      const { seal: _, ...ref } = cycle;
      return sealRef(w.key.seal, { ...ref, runId: caller().runId });
    }),
  };
}
