import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { cycleWorkflowId, scopedName } from '../../src/config/scope.js';
import { InvalidInput } from '../../src/util/errors.js';
import { safeName, safeText } from '../../src/util/display.js';
import { printJson, progress } from '../output.js';
import type { DreamgateClient } from '../client.js';
import { cycleEnd, type CycleEnd } from '../cycleEnd.js';
import { scopeOf } from '../cycleClient.js';
import { reviewerName, withContext, type CommonOptions } from '../context.js';
import { livePollers, startWorkerHint } from '../pollers.js';

/** Steps that write the live store: once one was scheduled, only the workflow can undo it (it compensates). */
const writes = new Set(['promote', 'rollback', 'restoreSnapshot']);

/** Whether a run has scheduled a step that writes the live store, read from its history (no worker needed). */
async function wroteLiveStore(c: DreamgateClient, workflowId: string, runId: string): Promise<boolean> {
  const history = await c.client.workflow.getHandle(workflowId, runId).fetchHistory();
  return (history.events ?? []).some((e) =>
    writes.has(e.activityTaskScheduledEventAttributes?.activityType?.name ?? ''),
  );
}

/** Asks the run to cancel, with who and why (the workflow compensates, then ends cancelled). */
async function requestCancel(c: DreamgateClient, workflowId: string, runId: string, reason: string): Promise<void> {
  await c.client.workflowService.requestCancelWorkflowExecution({
    namespace: c.temporal.namespace,
    workflowExecution: { workflowId, runId },
    identity: c.client.options.identity,
    requestId: randomUUID(),
    reason,
  });
}

/** Waits (bounded) for a run to close, and says how it ended. */
async function closed(
  c: DreamgateClient,
  workflowId: string,
  runId: string,
  ms: number,
): Promise<CycleEnd | undefined> {
  for (const deadline = Date.now() + ms; Date.now() < deadline; await sleep(500)) {
    const end = await cycleEnd(c, workflowId, runId);
    if (end) return end;
  }
  return undefined;
}

/**
 * `dreamgate cancel <agent>`: ends the agent's running cycle cleanly. With a worker, the cycle is cancelled
 * and compensates (a promotion not yet verified is rolled back); with none, a cycle that has written nothing
 * to the live store is terminated at once (there is nothing to undo), and one that has is left to compensate
 * as soon as a worker runs, which is said.
 */
export async function cancelCommand(
  agentId: string,
  opts: CommonOptions & { reason?: string; as?: string; wait?: boolean },
): Promise<void> {
  await withContext(opts, async (ctx) => {
    const agent = ctx.agentOrTeam(agentId);
    const c = await ctx.client();
    const scope = scopeOf(ctx.fleet, agent);
    const desc = await c.client.workflow
      .getHandle(cycleWorkflowId(scope))
      .describe()
      .catch(() => undefined);
    if (desc?.status.name !== 'RUNNING')
      throw new InvalidInput(
        `no cycle of ${scopedName(scope)} is running: nothing to cancel (see \`dreamgate status ${agentId}\`)`,
      );
    const { workflowId, runId } = desc;
    const reason = `cancelled by ${safeName(reviewerName(opts.as), 64)}${opts.reason ? `: ${safeName(opts.reason, 300)}` : ''}`;
    const polled = (await livePollers(c, desc.taskQueue))?.length !== 0;
    let end: CycleEnd | undefined;
    if (polled || (await wroteLiveStore(c, workflowId, runId))) {
      await requestCancel(c, workflowId, runId, reason);
      if (!polled) {
        process.exitCode = 1;
        return report(
          opts,
          { workflowId, runId, requested: true },
          `${workflowId} may have written the live store: cancellation is requested, and it compensates (rolls back what it promoted) as soon as a worker runs: ${startWorkerHint(ctx.fleet.file)}`,
        );
      }
      progress(`cancelling ${workflowId} (run ${runId}); it rolls back anything it promoted before it ends`);
      end = opts.wait === false ? undefined : await closed(c, workflowId, runId, 120_000);
    } else {
      // no worker, and nothing written to the live store: ending it now leaves nothing to undo
      await c.client.workflow
        .getHandle(workflowId, runId)
        .terminate(`${reason} (no worker was running; it had written nothing to the live store)`);
      end = await cycleEnd(c, workflowId, runId);
    }
    if (!end)
      return report(
        opts,
        { workflowId, runId, requested: true },
        `cancellation of ${workflowId} requested; follow it with \`dreamgate status ${agentId}\``,
      );
    report(opts, { workflowId, runId, ...end }, `${end.outcome} ${agentId}: ${safeText(end.reason)}`);
  });
}

function report(opts: CommonOptions, json: Record<string, unknown>, line: string): void {
  if (opts.json) printJson(json);
  else process.stdout.write(`${line}\n`);
}
