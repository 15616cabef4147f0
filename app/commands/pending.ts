import type { AgentConfig } from '../../src/config/fleet.js';
import { scopedName } from '../../src/config/scope.js';
import { CycleObjects } from '../../src/cycle/objects.js';
import type { ChangeSet } from '../../src/memory/changeSet.js';
import { safeName } from '../../src/util/display.js';
import { InvalidInput } from '../../src/util/errors.js';
import type { Context } from '../context.js';
import { pendingReview, scopeOf, type Pending } from '../cycleClient.js';

/** The pending change set: content-addressed by its id, its hash checked. */
export async function pendingChangeSet(ctx: Context, agent: AgentConfig, pending: Pending): Promise<ChangeSet> {
  const objects = new CycleObjects(ctx.s3, ctx.storage.snapshotsBucket);
  return objects.loadChangeSet(scopeOf(ctx.fleet, agent), pending.state.changeSetId!);
}

/**
 * The pending cycle, checked against the change-set id the reviewer names: a decision is for what the
 * reviewer saw, never whatever is pending now.
 */
export async function pendingFor(ctx: Context, agent: AgentConfig, changeSetId: string): Promise<Pending> {
  if (!/^[0-9a-f]{8,64}$/.test(changeSetId))
    throw new InvalidInput(
      `change set id "${safeName(changeSetId)}": expected at least 8 hex digits, as \`dreamgate review\` prints it`,
    );
  const pending = await pendingReview(await ctx.client(), ctx.fleet, agent);
  const id = pending.state.changeSetId!;
  if (!id.startsWith(changeSetId))
    throw new InvalidInput(
      `change set ${changeSetId} is not the one waiting for review: ${scopedName(scopeOf(ctx.fleet, agent))} waits for ${id.slice(0, 12)} (cycle ${pending.state.cycleId}); see it with \`dreamgate review ${pending.state.agentId}\``,
    );
  return pending;
}
