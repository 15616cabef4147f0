import { Context } from '@temporalio/activity';
import { scopedName, scopePrefix } from '../src/names/scope.js';
import { CycleObjects } from '../src/cycle/objects.js';
import type { CycleRef } from '../src/cycle/types.js';
import { composeAlert, type AlertKind } from '../src/notify/compose.js';
import { sendWebhook, type Alert } from '../src/notify/webhook.js';
import { agentPageUrl } from '../src/review/link.js';
import { ownKey } from '../src/audit/signatures.js';
import { activity } from './activity.js';
import type { CycleContext } from './context.js';

export type { AlertKind } from '../src/notify/compose.js';

export interface AlertRequest {
  cycle: CycleRef;
  kind: AlertKind;
  /** The review's deadline as the workflow keeps it (a hint; see `composeAlert`). */
  deadline?: string;
}

/** Alerts of one kind per agent an hour, whatever the number of cycles (a cycle sends each kind once). */
const perHour = 6;

export function alertActivities(w: CycleContext) {
  /** Takes one of this hour's slots for the agent and kind; false when all are taken by other cycles. */
  async function withinLimit(scope: CycleRef & { id: string }, kind: AlertKind, run: string): Promise<boolean> {
    const hour = new Date()
      .toISOString()
      .slice(0, 13)
      .replace(/[^0-9T-]/g, '');
    for (let n = 0; n < perHour; n++) {
      const key = `${scopePrefix({ fleet: scope.fleet, id: scope.id })}alerts/${hour}/${kind}-${n}`;
      if ((await w.objects.claim(key, run)) === 'mine') return true;
    }
    return false;
  }

  return {
    /**
     * Sends one alert per cycle run and kind, to the webhook the worker's configuration names, saying what the
     * run's own signed records show (composed here: no caller's words reach a pager), within a per-agent limit;
     * a retry never sends twice.
     */
    alert: activity(async ({ cycle, kind, deadline }: AlertRequest): Promise<{ sent: boolean; why?: string }> => {
      const a = await w.authorize(cycle);
      if (!['page', 'notify', 'review', 'reminder'].includes(kind)) return w.refuse(a.scope, 'not an alert kind');
      const target = kind === 'page' ? a.fleet.paging : a.fleet.notify;
      if (!target) return { sent: false, why: 'no webhook configured' };
      const marker = CycleObjects.cycleKey(a.scope, a.run, `${kind}.sent`);
      if (await w.objects.exists(marker)) return { sent: false, why: 'sent already' };
      const name = scopedName(a.scope);
      const run = { fleet: a.scope.fleet, agent_id: a.scope.id, cycle_id: a.run, cycle_started_at: a.ref.startedAt };
      const records = (await w.audit.signedIn(w.audit.runPrefix(run), [ownKey(w.key)])).map((r) => r.record);
      const c = a.config;
      const agent = {
        name,
        id: a.scope.id,
        reviewers: c.reviewers,
        threshold: c.threshold,
        reviewTimeoutMs: c.reviewTimeoutMs,
      };
      const composed = composeAlert(
        kind,
        agent,
        records,
        Date.now(),
        typeof deadline === 'string' ? deadline : undefined,
      );
      if (typeof composed === 'string') return w.refuse(a.scope, `${kind}: ${composed}`);
      if (!(await withinLimit({ ...a.ref, id: a.scope.id }, kind, a.run)))
        return { sent: false, why: `more than ${perHour} ${kind} alerts of ${name} this hour` };
      const { workflowId, runId } = Context.current().info.workflowExecution ?? { workflowId: '', runId: '' };
      const alert: Alert = {
        dedupKey: `dreamgate/${name}/${a.run}/${kind}`,
        ...composed,
        source: `dreamgate/${name}`,
        details: {
          fleet: a.scope.fleet,
          agent: a.scope.id,
          cycle: a.run,
          workflowId,
          owners: c.owners,
          ...composed.details,
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
