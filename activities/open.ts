import { Context } from '@temporalio/activity';
import { cycleWorkflowId, scopedName, type AgentScope } from '../src/names/scope.js';
import { sealRef } from '../src/cycle/authority.js';
import { stateKey } from '../src/names/keys.js';
import { fresh, standingAfter, type Standing } from '../src/cycle/trust.js';
import type { AgentState, CycleOpening, CycleRef } from '../src/cycle/types.js';
import { ownKey } from '../src/audit/signatures.js';
import { activity } from './activity.js';
import { appendRecord } from './audit.js';
import { caller, type Agent, type CycleContext } from './context.js';

/** The workflows that run under an agent's one workflow id. */
const agentWorkflows = new Set(['dreamCycle', 'agentRollback', 'agentRecord']);

/**
 * Where an agent's log stands: its head and the agent's standing, from the signed records of its newest run
 * (not from a memo or `state.json`, which anyone with namespace or S3 access could set). A log from before
 * seals is verified whole once, and trust is earned again.
 */
async function standingOf(
  w: CycleContext,
  scope: AgentScope,
  run: string,
): Promise<Standing & { head: string | null }> {
  const newest = await w.audit.newestSignedRun(scope, [ownKey(w.key)], run);
  if (newest) return { head: newest.at(-1)!.sha256, ...standingAfter(newest.map((r) => r.record)) };
  const report = await w.audit.verify(scope);
  if (report.keys.length === 0) return { head: null, ...fresh };
  const old = await w.objects.getJson<AgentState>(stateKey(scope));
  return { head: report.head ?? null, trust: 0, lastKeptSessionAt: old?.lastKeptSessionAt ?? null };
}

/** The settings a cycle runs with, from the agent's configuration as the worker read it. */
function settingsOf(w: CycleContext, a: Agent): CycleOpening['settings'] {
  const c = a.config;
  return {
    fleet: a.scope.fleet,
    agent: a.scope.id,
    configHash: a.configHash,
    mode: c.mode,
    threshold: c.threshold,
    minNewSessions: c.minNewSessions,
    reviewTimeoutMs: c.reviewTimeoutMs,
    trustAfter: c.trustAfter,
    dreamer: c.dreamer,
    batch: Boolean(c.batch),
    redreamAttempts: c.redreamAttempts,
    maxCostUsd: c.claude.budget.maxCostUsd,
    reviewers: c.reviewers,
    signedDecisions: c.reviewerKeys !== undefined,
    owners: c.owners,
    onQuarantine: c.onQuarantine,
    ...(w.deps.lockWaitMs ? { lockWaitMs: w.deps.lockWaitMs } : {}),
  };
}

export function openActivities(w: CycleContext) {
  return {
    /**
     * A cycle's first step: the worker's settings for the agent it names (refusing a configuration hash the
     * worker does not hold), where the agent stands, and the cycle's reference, sealed for this run. Only a
     * dreamgate workflow under the agent's one workflow id, on this worker's task queue, opens; its first
     * record (`cycle-opened`) says what it starts from, so the next opening needs no other state.
     */
    openCycle: activity(
      async ({
        cycle,
        trigger,
      }: {
        cycle: Omit<CycleRef, 'configHash'> & { configHash?: string };
        trigger?: string;
      }): Promise<CycleOpening> => {
        const who = caller();
        const a = await w.agent(cycle, true);
        // one cycle per agent: only the agent's own workflow id reads and writes its log (any client could
        // start a workflow under another id, or of another type, or on a task queue of its own)
        if (who.workflowId !== cycleWorkflowId(a.scope))
          await w.refuse(
            a.scope,
            `a cycle of ${scopedName(a.scope)} runs only as workflow ${cycleWorkflowId(a.scope)}, the agent's one cycle at a time; start it with \`dreamgate run ${a.scope.id}\``,
          );
        if (!agentWorkflows.has(who.workflowType))
          await w.refuse(a.scope, `workflow type ${who.workflowType} is not one of dreamgate's`);
        const ctx = Context.current();
        const run = await ctx.client.workflow.getHandle(who.workflowId, who.runId).describe();
        if (run.taskQueue !== ctx.info.taskQueue)
          await w.refuse(a.scope, `the workflow runs on task queue ${run.taskQueue}, not this worker's`);
        const startedAt = run.startTime.toISOString();
        const c = a.config;
        const standing = await standingOf(w, a.scope, who.runId);
        const trusted = c.mode === 'hybrid' && standing.trust >= c.trustAfter;
        const mode = c.mode === 'automatic' || trusted ? 'automatic' : 'review';
        const ref = sealRef(w.key.seal, {
          fleet: a.scope.fleet,
          agent: a.scope.id,
          configHash: a.configHash,
          cycleId: who.runId,
          startedAt,
          mode,
        });
        const opened = await appendRecord(
          w,
          { scope: a.scope, run: who.runId, startedAt },
          {
            seq: 0,
            event: 'cycle-opened',
            at: startedAt,
            data: {
              workflow: who.workflowType,
              trigger: typeof trigger === 'string' ? trigger.slice(0, 200) : null,
              configHash: a.configHash,
              mode: c.mode,
              effectiveMode: mode,
              trust: standing.trust,
              lastKeptSessionAt: standing.lastKeptSessionAt,
            },
            prev: standing.head,
          },
        );
        return {
          settings: settingsOf(w, a),
          state: { lastKeptSessionAt: standing.lastKeptSessionAt, consecutiveApprovals: standing.trust },
          auditHead: opened.sha256,
          cycle: ref,
        };
      },
    ),
  };
}
