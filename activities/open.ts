import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { cycleWorkflowId, legacyPrefix, scopedName, type AgentScope } from '../src/config/scope.js';
import { CycleObjects } from '../src/cycle/objects.js';
import type { AgentState, CycleOpening, CycleRef } from '../src/cycle/types.js';
import type { AuditRecord } from '../src/snapshots/audit.js';
import { InvalidInput } from '../src/util/errors.js';
import { activity } from './activity.js';
import type { CycleContext } from './context.js';
import { headInHistory } from './runHead.js';

/** One audit record as the workflow knows it; the activity adds whose it is from the worker's configuration. */
export interface AuditEntry {
  seq: number;
  event: string;
  at: string;
  actor?: string;
  data?: Record<string, unknown>;
  /** sha256 of the agent's previous record (the chain), or null for the first. */
  prev: string | null;
}

const fresh: AgentState = { lastKeptSessionAt: null, consecutiveApprovals: 0 };

/**
 * The agent's state, from its own key. The previous layout kept state under the agent id alone, which cannot
 * say which fleet it belonged to: only a cycle of that layout (finishing after the upgrade) reads it. A new
 * cycle of an agent that has none starts fresh (it dreams over its sessions once more; hybrid trust is earned
 * again), so one fleet never acts on another's state.
 */
export async function loadState(w: CycleContext, scope: AgentScope, legacy = false): Promise<AgentState> {
  return (
    (await w.objects.getJson<AgentState>(CycleObjects.stateKey(scope))) ??
    (legacy ? await w.objects.getJson<AgentState>(`${legacyPrefix(scope)}state.json`) : undefined) ??
    fresh
  );
}

/**
 * The audit chain's head as Temporal holds it, where an S3 writer cannot change it: the memo of the newest
 * closed run of the agent's workflow id that has one. The run the agent's state names as its last is read
 * from the run itself (the visibility store is eventually consistent and may not list it yet), but only
 * trusted while no newer run is listed: state rewound in S3 to an older run would graft the chain onto an
 * old head. Undefined when Temporal has none (a first cycle, a v1 one, or a server without visibility).
 */
async function headInTemporal(lastRun: string | undefined): Promise<string | null | undefined> {
  const ctx = Context.current();
  const workflowId = ctx.info.workflowExecution?.workflowId;
  if (!workflowId) return undefined;
  const headOf = (memo: Record<string, unknown> | undefined) =>
    memo && 'auditHead' in memo ? (typeof memo.auditHead === 'string' ? memo.auditHead : null) : undefined;
  let named: { closed: number; head: string | null } | undefined;
  if (lastRun) {
    named = await ctx.client.workflow
      .getHandle(workflowId, lastRun)
      .describe()
      .then((d) => {
        const head = headOf(d.memo);
        return head !== undefined ? { closed: d.closeTime?.getTime() ?? 0, head } : undefined;
      })
      .catch(() => undefined); // not a run of this workflow id (v1 named cycles otherwise): look further
  }
  let newest: { closed: number; head: string | null } | undefined;
  let unclosed: { closed: number; runId: string } | undefined;
  try {
    const query = `WorkflowId = '${workflowId.replace(/'/g, '')}' AND ExecutionStatus != 'Running'`;
    let n = 0;
    for await (const w of ctx.client.workflow.list({ query })) {
      const closed = w.closeTime?.getTime() ?? 0;
      const head = headOf(w.memo);
      if (head !== undefined && (!newest || closed > newest.closed)) newest = { closed, head };
      if (head === undefined && (!unclosed || closed > unclosed.closed)) unclosed = { closed, runId: w.runId };
      if (++n >= 50) break;
    }
    newest = (await headOfUnclosed(ctx.client, workflowId, unclosed, newest)) ?? newest;
  } catch {
    return named?.head;
  }
  if (named && (!newest || newest.closed <= named.closed)) return named.head;
  return newest?.head;
}

/**
 * A run newer than every run that closed its log (terminated, timed out) left records chained on the last
 * head: the chain goes on from its last record, read from its own history, so its records are not a fork.
 */
async function headOfUnclosed(
  client: Client,
  workflowId: string,
  unclosed: { closed: number; runId: string } | undefined,
  newest: { closed: number } | undefined,
): Promise<{ closed: number; head: string } | undefined> {
  if (!unclosed || (newest && newest.closed >= unclosed.closed)) return undefined;
  const head = await headInHistory(client, workflowId, unclosed.runId);
  return head ? { closed: unclosed.closed, head } : undefined;
}

export function openActivities(w: CycleContext) {
  return {
    /**
     * A cycle's first step: the worker's settings for the agent it names (refusing a configuration hash the
     * worker does not hold), the agent's state, and the head of its audit chain.
     */
    openCycle: activity(
      async ({ cycle }: { cycle: Omit<CycleRef, 'configHash'> & { configHash?: string } }): Promise<CycleOpening> => {
        const a = await w.agent(cycle, true);
        // one cycle per agent: only the agent's own workflow id reads and writes its state and audit chain
        // (a client with namespace access could start one under any id); an input of the previous version
        // (no fleet) comes from a v1 fleet run's child, whose id that run chose
        const workflowId = Context.current().info.workflowExecution?.workflowId;
        if (cycle.fleet !== undefined && workflowId !== cycleWorkflowId(a.scope))
          throw new InvalidInput(
            `a cycle of ${scopedName(a.scope)} runs only as workflow ${cycleWorkflowId(a.scope)}, the agent's one cycle at a time; start it with \`dreamgate run ${a.scope.id}\``,
          );
        const c = a.config;
        const state = await loadState(w, a.scope);
        const temporal = await headInTemporal(state.lastCycleId);
        const s3 = state.auditHead ?? null;
        const auditHead = temporal !== undefined ? temporal : s3;
        return {
          settings: {
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
          },
          state,
          auditHead,
          ...(temporal !== undefined && temporal !== s3 ? { headMismatch: { s3, temporal } } : {}),
        };
      },
    ),

    saveAgentState: activity(async ({ cycle, state }: { cycle: CycleRef; state: AgentState }): Promise<void> => {
      const a = await w.agent(cycle);
      await w.objects.putJson(CycleObjects.stateKey(a.scope), state);
    }),

    /** Appends one record to the agent's audit log; returns its key and sha256, the chain's new head. */
    recordAudit: activity(
      async ({ cycle, entry }: { cycle: CycleRef; entry: AuditEntry }): Promise<{ key: string; sha256: string }> => {
        const a = await w.agent(cycle);
        const record: AuditRecord = {
          fleet: a.scope.fleet,
          agent_id: a.scope.id,
          cycle_id: cycle.cycleId,
          cycle_started_at: cycle.startedAt,
          ...entry,
        };
        const { key, sha256 } = await w.audit.append(record);
        return { key, sha256 };
      },
    ),
  };
}
