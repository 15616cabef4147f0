import { Context } from '@temporalio/activity';
import { scopedName } from '../src/config/scope.js';
import { CycleObjects } from '../src/cycle/objects.js';
import type { CycleRef } from '../src/cycle/types.js';
import { sendWebhook, type Alert } from '../src/notify/webhook.js';
import { agentPageUrl } from '../src/review/link.js';
import { activity } from './activity.js';
import type { CycleContext } from './context.js';

/** `page` goes to on-call; `review`, `reminder` and `notify` (a timeout) to the owners' and reviewers' webhook. */
export type AlertKind = 'page' | 'notify' | 'review' | 'reminder';

export interface AlertRequest {
  cycle: CycleRef;
  kind: AlertKind;
  summary: string;
  /** Keys, hashes, scores and commands only. */
  details: Record<string, unknown>;
}

export function alertActivities(w: CycleContext) {
  return {
    /**
     * Sends one alert per cycle and kind, to the webhook the worker's configuration names (never one from
     * a workflow's input); a retry never sends twice.
     */
    alert: activity(async ({ cycle, kind, summary, details }: AlertRequest): Promise<{ sent: boolean }> => {
      const a = await w.agent(cycle);
      const target = kind === 'page' ? a.fleet.paging : a.fleet.notify;
      if (!target) return { sent: false };
      const marker = CycleObjects.cycleKey(a.scope, cycle.cycleId, `${kind}.sent`);
      if (await w.objects.exists(marker)) return { sent: false };
      const name = scopedName(a.scope);
      const { workflowId, runId } = Context.current().info.workflowExecution ?? { workflowId: '', runId: '' };
      const alert: Alert = {
        dedupKey: `dreamgate/${name}/${cycle.cycleId}/${kind}`,
        summary,
        severity: kind === 'page' ? 'error' : kind === 'reminder' || kind === 'notify' ? 'warning' : 'info',
        source: `dreamgate/${name}`,
        details: {
          fleet: a.scope.fleet,
          agent: a.scope.id,
          cycle: cycle.cycleId,
          workflowId,
          owners: a.config.owners,
          ...details,
        },
        links: [
          // reviewers go to the agent's page on the team review desk, where it is configured
          ...((kind === 'review' || kind === 'reminder') && a.fleet.reviewDesk
            ? [{ href: agentPageUrl(a.fleet.reviewDesk, a.scope.id), text: 'review it on the review desk' }]
            : []),
          ...(w.deps.uiUrl ? [{ href: w.deps.uiUrl(workflowId, runId), text: 'cycle in the Temporal UI' }] : []),
        ],
      };
      await sendWebhook(target, alert, Context.current().cancellationSignal);
      await w.objects.markOnce(marker);
      return { sent: true };
    }),
  };
}
