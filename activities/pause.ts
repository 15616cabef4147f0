import { scopedName } from '../src/names/scope.js';
import { CycleObjects } from '../src/cycle/objects.js';
import { pausedBy, repeatedDiscard } from '../src/cycle/pause.js';
import type { CycleRef } from '../src/cycle/types.js';
import { sendWebhook } from '../src/notify/webhook.js';
import { ownKey } from '../src/audit/signatures.js';
import { activity } from './activity.js';
import type { Authorized, CycleContext } from './context.js';

/** What pausing after a repeated discard did. */
export interface PauseResult {
  paused: boolean;
  /** The failing cases both discards named. */
  cases?: string[];
  notified?: boolean;
}

/** The agent's newest cycles, newest first, each with its signed records. */
async function agentRuns(w: CycleContext, a: Authorized) {
  return (await w.audit.recentSignedRuns(a.scope, [ownKey(w.key)], 20))
    .map((run) => run.map((s) => s.record))
    .filter((rs) => rs.length > 0)
    .map((rs) => ({ cycle_id: rs[0]!.cycle_id, records: rs }));
}

/** Whether the agent is paused (two discards in a row for the same cases, not resumed since), from signed records. */
export async function agentPause(w: CycleContext, a: Authorized): Promise<{ cases: string[] } | undefined> {
  const p = pausedBy(await agentRuns(w, a));
  return p ? { cases: p.cases } : undefined;
}

export function pauseActivities(w: CycleContext) {
  return {
    /**
     * After a discard: when the agent's previous cycle was discarded for the same failing cases (its signed
     * records say so, never the workflow), the agent is paused — its next cycles end skipped until `dreamgate
     * resume` — and the owners are told, once per run. Authorizes itself like every activity.
     */
    pauseAfterRepeatedDiscard: activity(async ({ cycle }: { cycle: CycleRef }): Promise<PauseResult> => {
      const a = await w.authorize(cycle);
      const repeat = repeatedDiscard(await agentRuns(w, a), a.run);
      if (!repeat) return { paused: false };
      const name = scopedName(a.scope);
      const cases = repeat.cases.slice(0, 20);
      const marker = CycleObjects.cycleKey(a.scope, a.run, 'paused.sent');
      const target = a.fleet.notify ?? a.fleet.paging;
      let notified = false;
      if (target && !(await w.objects.exists(marker))) {
        await sendWebhook(target, {
          dedupKey: `dreamgate/${name}/${a.run}/paused`,
          summary: `dreamgate: ${name} paused: discarded twice in a row for the same failing cases (${cases.join(', ')}); its cycles are skipped until \`dreamgate resume ${a.scope.id}\``,
          severity: 'warning',
          source: `dreamgate/${name}`,
          details: {
            fleet: a.scope.fleet,
            agent: a.scope.id,
            cycles: repeat.runs,
            failing: cases,
            owners: a.config.owners,
            resume: `dreamgate resume ${a.scope.id}`,
          },
        });
        await w.objects.markOnce(marker);
        notified = true;
      }
      return { paused: true, cases, notified };
    }),
  };
}
