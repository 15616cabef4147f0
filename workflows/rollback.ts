import { setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import { steps } from './cycle/activities.js';
import { AgentLog, checkedInput } from './cycle/agentLog.js';
import { searchAttributes, stateQuery } from './definitions.js';
import { isPersonName } from '../src/names/ids.js';

export interface RollbackInput {
  fleet: string;
  agent: string;
  configHash?: string;
  /** A snapshot id of this agent (`dreamgate snapshots`). */
  snapshotId: string;
  /** Who asked, as they named themselves: recorded as the actor. */
  requestedBy: string;
}

export interface RollbackResult {
  snapshotId: string;
  /** The restored store's hash; the snapshot's own, unless redactions replaced blobs (`redacted`). */
  sha256: string;
  snapshotSha256: string;
  redacted: number;
  files: number;
  /** The snapshot of the store as it was, so this rollback can be undone too. */
  previous: string;
  auditHead: string | null;
}

/**
 * A manual rollback, run under the agent's own workflow id: refused while a cycle of the agent runs, and
 * recorded in the agent's audit chain like any cycle's step, so the chain never forks.
 */
export async function agentRollback(input: RollbackInput): Promise<RollbackResult> {
  const { snapshotId, requestedBy, ...cycleInput } = input;
  const run = new AgentLog(checkedInput({ ...cycleInput, trigger: 'manual rollback' }));
  if (typeof snapshotId !== 'string' || !/^[A-Za-z0-9._-]{1,128}$/.test(snapshotId))
    throw new Error('rollback input: snapshotId is not a snapshot id');
  const actor = isPersonName(requestedBy) ? requestedBy : 'unknown';
  setHandler(stateQuery, () => run.state);
  await run.open();
  upsertSearchAttributes([{ key: searchAttributes.mode, value: 'rollback' }]);
  try {
    run.enter('rollback');
    const r = await steps.restoreSnapshot({ cycle: run.ref, snapshotId });
    const { snapshotId: to, seal: _, ...restored } = r;
    await run.record('manual-rollback', { to, ...restored }, actor, { restore: r });
    run.enter('done');
    await run.close();
    return { ...restored, snapshotId, auditHead: run.state.auditHead };
  } catch (err) {
    await run.failed(err);
    throw err;
  }
}
