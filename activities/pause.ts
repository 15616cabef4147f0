import { scopedName } from '../src/config/scope.js';
import { CycleObjects } from '../src/cycle/objects.js';
import { repeatedDiscard } from '../src/cycle/pause.js';
import type { CycleRef } from '../src/cycle/types.js';
import { sendWebhook } from '../src/notify/webhook.js';
import { ownKey } from '../src/snapshots/signatures.js';
import { activity } from './activity.js';
import type { CycleContext } from './context.js';

/** What pausing after a repeated discard did. */
export interface PauseResult {
  paused: boolean;
  /** The failing cases both discards named. */
  cases?: string[];
  /** The schedule's note, as `status` and `schedule list` show it. */
  note?: string;
  /** Why nothing was paused (no repeat, no schedule, no Temporal client). */
  why?: string;
  notified?: boolean;
}

export function pauseActivities(w: CycleContext) {
  return {
    /**
     * After a discard: when the agent's previous cycle was discarded for the same failing cases (its signed
     * records say so, never the workflow), pauses the fleet's Temporal Schedule with a note naming them and tells
     * the owners, once per run. Authorizes itself like every activity: only a run that opened on a worker.
     */
    pauseAfterRepeatedDiscard: activity(async ({ cycle }: { cycle: CycleRef }): Promise<PauseResult> => {
      const a = await w.authorize(cycle);
      const runs = (await w.audit.recentSignedRuns(a.scope, [ownKey(w.key)], 10))
        .map((run) => run.map((s) => s.record))
        .filter((rs) => rs.length > 0)
        .map((rs) => ({ cycle_id: rs[0]!.cycle_id, records: rs }));
      const repeat = repeatedDiscard(runs, a.run);
      if (!repeat) return { paused: false, why: 'the previous cycle was not discarded for the same cases' };
      const name = scopedName(a.scope);
      const cases = repeat.cases.slice(0, 20);
      const note = `paused by dreamgate: ${name} was discarded twice in a row for the same failing cases (${cases.join(', ')}); fix the store or the suite, then \`dreamgate schedule resume --fleet <file>\``;
      const paused = w.deps.pauseSchedule ? await w.deps.pauseSchedule(a.scope.fleet, note) : 'no Temporal client';
      const marker = CycleObjects.cycleKey(a.scope, a.run, 'paused.sent');
      const target = a.fleet.notify ?? a.fleet.paging;
      let notified = false;
      if (target && !(await w.objects.exists(marker))) {
        await sendWebhook(
          target,
          {
            dedupKey: `dreamgate/${name}/${a.run}/paused`,
            summary: `dreamgate: ${name} discarded twice in a row for the same failing cases (${cases.join(', ')}); ${paused === 'paused' ? 'its schedule is paused' : `its schedule could not be paused (${paused})`}`,
            severity: 'warning',
            source: `dreamgate/${name}`,
            details: {
              fleet: a.scope.fleet,
              agent: a.scope.id,
              cycles: repeat.runs,
              failing: cases,
              owners: a.config.owners,
              resume: 'dreamgate schedule resume',
            },
          },
          undefined,
        );
        await w.objects.markOnce(marker);
        notified = true;
      }
      return paused === 'paused'
        ? { paused: true, cases, note, notified }
        : { paused: false, cases, why: paused, notified };
    }),
  };
}
