import { executeChild, workflowInfo, ParentClosePolicy } from '@temporalio/workflow';
import type { AgentConfig, WebhookConfig } from '../src/config/fleet.js';
import type { Outcome } from '../src/cycle/types.js';
import { dreamCycle } from './dreamCycle.js';

export interface FleetInput {
  fleet: string;
  agents: AgentConfig[];
  team?: AgentConfig;
  concurrency: number;
  paging?: WebhookConfig;
  notify?: WebhookConfig;
  uiUrl?: string;
}

export interface FleetResult {
  outcomes: { agent: string; workflowId: string; outcome: Outcome | 'failed'; reason?: string }[];
  team?: { workflowId: string; outcome: Outcome | 'failed'; reason?: string };
}

/**
 * The nightly run: every agent's cycle as a child workflow, at most `concurrency` at a time; then the
 * lessons that two or more agents learned go to the team store through the same cycle and gate.
 */
export async function fleetRun(input: FleetInput): Promise<FleetResult> {
  const { workflowId } = workflowInfo();
  const common = {
    ...(input.paging ? { paging: input.paging } : {}),
    ...(input.notify ? { notify: input.notify } : {}),
    trigger: `fleet ${workflowId}`,
  };
  const run = async (agent: AgentConfig) => {
    const childId = `${workflowId}-${agent.id}`;
    try {
      const r = await executeChild(dreamCycle, {
        workflowId: childId,
        args: [
          { agent, ...common, ...(input.uiUrl ? { uiUrl: `${input.uiUrl}/${encodeURIComponent(childId)}` } : {}) },
        ],
        parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
        staticSummary: `Dream cycle of ${agent.id} (${agent.mode}, fleet ${input.fleet})`,
      });
      return { agent: agent.id, workflowId: childId, outcome: r.outcome, reason: r.reason };
    } catch (err) {
      return {
        agent: agent.id,
        workflowId: childId,
        outcome: 'failed' as const,
        reason: err instanceof Error ? err.message : String(err),
      };
    }
  };

  const outcomes: FleetResult['outcomes'] = new Array(input.agents.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(input.concurrency, input.agents.length) }, async () => {
    while (next < input.agents.length) {
      const i = next++;
      outcomes[i] = await run(input.agents[i]!);
    }
  });
  await Promise.all(lanes);

  if (!input.team) return { outcomes };
  const team = await run(input.team);
  return {
    outcomes,
    team: { workflowId: team.workflowId, outcome: team.outcome, ...(team.reason ? { reason: team.reason } : {}) },
  };
}
