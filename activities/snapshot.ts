import { proofKinds } from '../src/cycle/authority.js';
import { seal } from '../src/cycle/seal.js';
import type { CycleRef, SnapshotRef } from '../src/cycle/types.js';
import { activity, progress } from './activity.js';
import { agentPause } from './pause.js';
import type { Authorized, CycleContext } from './context.js';

/** The new sessions a cycle's skip check reads (the agent paused after repeated discards says so). */
export interface NewSessions {
  count: number;
  invalid: number;
  paused?: { cases: string[] };
}

export interface SnapshotAndCount {
  snapshot: SnapshotRef;
  count: NewSessions;
}

async function snapshotOf(w: CycleContext, a: Authorized): Promise<SnapshotRef> {
  progress('reading the live store');
  const store = await w.live(a.config).read();
  const s = await w.snapshots.take(a.scope, store, `${a.run}/snapshot`);
  return seal(w.key.seal, proofKinds.snapshot, a.binding, { snapshotId: s.id, sha256: s.sha256, files: s.files });
}

async function newSessions(w: CycleContext, a: Authorized, since: number | null): Promise<NewSessions> {
  // an agent paused after two discards for the same cases dreams no more until resumed
  const paused = await agentPause(w, a);
  if (a.config.dreamer === 'team-lessons') return { count: 0, invalid: 0 }; // the team store reads stores, not sessions
  const sel = await w.sessionsOf(a.config, { ...(since !== null ? { since } : {}), limit: a.config.maxSessions });
  return { count: sel.sessions.length, invalid: sel.invalid.length, ...(paused ? { paused } : {}) };
}

export function snapshotActivities(w: CycleContext) {
  return {
    /** Snapshots the live store: the snapshot's id is the rollback point. */
    takeSnapshot: activity(async ({ cycle }: { cycle: CycleRef }): Promise<SnapshotRef> => {
      return snapshotOf(w, await w.authorize(cycle));
    }),

    /** How many sessions are new since the last kept dream, and whether the agent is paused: only read. */
    countNewSessions: activity(async ({ cycle, since }: { cycle: CycleRef; since: number | null }) => {
      return newSessions(w, await w.authorize(cycle), since);
    }),

    /**
     * The cycle's first step as one activity (one in the history, not two): the snapshot, and beside it the
     * count of new sessions the skip check reads. A count reads every session, so it is no local step.
     */
    snapshotAndCount: activity(
      async ({ cycle, since }: { cycle: CycleRef; since: number | null }): Promise<SnapshotAndCount> => {
        const a = await w.authorize(cycle);
        const [snapshot, count] = await Promise.all([snapshotOf(w, a), newSessions(w, a, since)]);
        return { snapshot, count };
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
      }): Promise<{
        snapshotId: string;
        previous: string;
        sha256: string;
        files: number;
        snapshotSha256: string;
        redacted: number;
        seal?: string;
      }> => {
        const a = await w.authorize(cycle);
        // every blob and the whole store checked against the manifest, a redacted blob only through a signed marker
        const { store, manifestSha256, redacted } = await w.snapshots.restoreChecked(a.scope, snapshotId);
        const live = w.live(a.config);
        const before = await live.read();
        // a retried attempt finds the snapshot its first attempt took of the store as it was
        const label = `${a.run}/before-rollback`;
        const safety =
          (await w.snapshots.list(a.scope)).find((s) => s.label === label) ??
          (await w.snapshots.take(a.scope, before, label));
        if (before.hash() !== store.hash()) await live.replaceAll(store);
        return seal(w.key.seal, proofKinds.restore, a.binding, {
          snapshotId,
          previous: safety.id,
          sha256: store.hash(),
          files: store.size,
          snapshotSha256: manifestSha256,
          redacted,
        });
      },
    ),
  };
}
