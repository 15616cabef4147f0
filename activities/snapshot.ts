import type { CycleRef, SnapshotRef } from '../src/cycle/types.js';
import { activity, progress } from './activity.js';
import type { CycleContext } from './context.js';

export function snapshotActivities(w: CycleContext) {
  return {
    /** Snapshots the live store: the snapshot's id is the rollback point. */
    takeSnapshot: activity(async ({ cycle }: { cycle: CycleRef }): Promise<SnapshotRef> => {
      const a = await w.agent(cycle);
      progress('reading the live store');
      const store = await w.live(a.config).read();
      const s = await w.snapshots.take(a.scope, store, `${cycle.cycleId}/snapshot`);
      return { snapshotId: s.id, sha256: s.sha256, files: s.files };
    }),

    countNewSessions: activity(
      async ({
        cycle,
        since,
      }: {
        cycle: CycleRef;
        since: number | null;
      }): Promise<{ count: number; invalid: number }> => {
        const a = await w.agent(cycle);
        if (a.config.dreamer === 'team-lessons') return { count: 0, invalid: 0 }; // the team store reads stores, not sessions
        const sel = await w.sessionsOf(a.config, { ...(since !== null ? { since } : {}), limit: a.config.maxSessions });
        return { count: sel.sessions.length, invalid: sel.invalid.length };
      },
    ),

    /**
     * A manual rollback, run by the agent's own workflow: the live store as it is becomes a snapshot (so this
     * can be undone too), then the store is replaced by the named snapshot of this agent.
     */
    restoreSnapshot: activity(
      async ({
        cycle,
        snapshotId,
      }: {
        cycle: CycleRef;
        snapshotId: string;
      }): Promise<{ previous: string; sha256: string; files: number }> => {
        const a = await w.agent(cycle);
        const store = await w.snapshots.restore(a.scope, snapshotId);
        const live = w.live(a.config);
        const before = await live.read();
        // a retried attempt finds the snapshot its first attempt took of the store as it was
        const label = `${cycle.cycleId}/before-rollback`;
        const safety =
          (await w.snapshots.list(a.scope)).find((s) => s.label === label) ??
          (await w.snapshots.take(a.scope, before, label));
        if (before.hash() !== store.hash()) await live.replaceAll(store);
        return { previous: safety.id, sha256: store.hash(), files: store.size };
      },
    ),
  };
}
