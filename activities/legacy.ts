import { createHash } from 'node:crypto';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { AgentConfig } from '../src/config/fleet.js';
import { ChangeSetTampered, CycleObjects } from '../src/cycle/objects.js';
import type { AgentState, CycleRef, DreamRef, FleetOutcome, Redream } from '../src/cycle/types.js';
import type { AuditRecord } from '../src/snapshots/audit.js';
import { InvalidInput } from '../src/util/errors.js';
import { activity } from './activity.js';
import type { CycleContext } from './context.js';
import type { StoreTarget } from './evaluate.js';
import { loadState } from './open.js';

/**
 * The previous version's argument shapes (positional, with the whole agent configuration), for v1 cycles
 * that finish after an upgrade and for their activity tasks already scheduled when it happened. Only
 * `agent.id` is read from them: store, sessions, evaluator and webhooks come from the worker's fleets.
 */

type Fn = (arg: never) => Promise<unknown>;

/** A new activity that also accepts its v1 call: `isV1` tells them apart, `v1` translates. */
function alsoV1<F extends Fn>(
  fn: F,
  isV1: (args: unknown[]) => boolean,
  v1: (...args: never[]) => Promise<unknown>,
): F {
  const legacy = activity(v1 as (...args: unknown[]) => Promise<unknown>);
  return (async (...args: unknown[]) => (isV1(args) ? legacy(...args) : fn(args[0] as never))) as unknown as F;
}

const positional = (args: unknown[]) =>
  args.length !== 1 || typeof args[0] !== 'object' || args[0] === null || !('cycle' in args[0]);
const ref = (agent: { id: string }, cycleId: string): CycleRef => ({ agent: agent.id, cycleId, startedAt: '' });

interface DreamRefV1 extends Omit<DreamRef, 'changes'> {
  changeSetKey: string;
  paths: string[];
}

export function acceptV1<A extends Record<string, Fn>>(w: CycleContext, a: A): A {
  const fns = a as unknown as Record<string, Fn>;
  const call = <R>(name: string, arg: unknown) => (fns[name] as unknown as (x: unknown) => Promise<R>)(arg);

  /** A v1 change set (under its cycle's key) also stored under its hash, so the id-based steps can load it. */
  async function addressed(agent: AgentConfig, key: string, id?: string): Promise<string> {
    const named = /change-sets\/([0-9a-f]{64})\.json$/.exec(key)?.[1];
    if (named) return named;
    const text = await w.objects.getText(key);
    if (text === undefined) throw new ChangeSetTampered(`change set ${key} is missing`);
    const actual = createHash('sha256').update(text).digest('hex');
    if (id && actual !== id)
      throw new ChangeSetTampered(`change set ${key} hashes to ${actual.slice(0, 12)}, not ${id.slice(0, 12)}`);
    const { scope } = await w.agent({ agent: agent.id });
    await w.deps.s3.send(
      new PutObjectCommand({
        Bucket: w.objects.bucket,
        Key: CycleObjects.changeSetKey(scope, actual),
        Body: text,
        ContentType: 'application/json',
      }),
    );
    return actual;
  }

  async function asV1(agent: AgentConfig, d: DreamRef): Promise<DreamRefV1> {
    const { scope } = await w.agent({ agent: agent.id });
    const cs = await w.objects.loadChangeSet(scope, d.changeSetId);
    const { changes: _, ...rest } = d;
    return {
      ...rest,
      changeSetKey: CycleObjects.changeSetKey(scope, d.changeSetId),
      paths: cs.changes.map((c) => c.path),
    };
  }

  const adapters: Record<string, [(args: unknown[]) => boolean, (...args: never[]) => Promise<unknown>]> = {
    saveAgentState: [
      (args) => typeof args[0] === 'string',
      async (agentId: string, state: AgentState) => {
        const { scope } = await w.agent({ agent: agentId });
        await w.objects.putJson(CycleObjects.stateKey(scope), state);
      },
    ],
    takeSnapshot: [
      positional,
      (agent: AgentConfig, cycleId: string) => call('takeSnapshot', { cycle: ref(agent, cycleId) }),
    ],
    countNewSessions: [
      positional,
      (agent: AgentConfig, since: number | null) => call('countNewSessions', { cycle: ref(agent, ''), since }),
    ],
    evaluate: [
      positional,
      (agent: AgentConfig, cycleId: string, step: string, target: StoreTarget) =>
        call('evaluate', { cycle: ref(agent, cycleId), step, target }),
    ],
    dream: [
      positional,
      async (agent: AgentConfig, cycleId: string, snapshotId: string, redo?: Redream) =>
        asV1(
          agent,
          await call<DreamRef>('dream', { cycle: ref(agent, cycleId), snapshotId, ...(redo ? { redo } : {}) }),
        ),
    ],
    reviseChangeSet: [
      positional,
      async (
        agent: AgentConfig,
        cycleId: string,
        snapshotId: string,
        base: DreamRefV1,
        edit: { onlyPaths?: string[]; editedKey?: string; editedSha256?: string; revision: number },
      ) => {
        const changeSetId = await addressed(agent, base.changeSetKey, base.changeSetId);
        const { revision, ...request } = edit;
        const revised = await call<DreamRef>('reviseChangeSet', {
          cycle: ref(agent, cycleId),
          snapshotId,
          base: { changeSetId, newestSessionAt: base.newestSessionAt },
          revision,
          request,
        });
        return asV1(agent, revised);
      },
    ],
    promote: [
      positional,
      async (agent: AgentConfig, snapshotId: string, changeSetKey: string) =>
        call('promote', { cycle: ref(agent, ''), snapshotId, changeSetId: await addressed(agent, changeSetKey) }),
    ],
    verifyLive: [
      positional,
      async (agent: AgentConfig, snapshotId: string, changeSetKey: string) =>
        call('verifyLive', { cycle: ref(agent, ''), snapshotId, changeSetId: await addressed(agent, changeSetKey) }),
    ],
    rollback: [
      positional,
      async (agent: AgentConfig, snapshotId: string, changeSetKey: string) =>
        call('rollback', { cycle: ref(agent, ''), snapshotId, changeSetId: await addressed(agent, changeSetKey) }),
    ],
    alert: [
      positional,
      // the webhook in a v1 input is ignored: the worker's own configuration names where alerts go
      (
        _target: unknown,
        agentId: string,
        cycleId: string,
        kind: 'page' | 'notify',
        alert: { summary: string; details?: Record<string, unknown> },
      ) =>
        call('alert', {
          cycle: { agent: agentId, cycleId, startedAt: '' },
          kind,
          summary: alert.summary,
          details: alert.details ?? {},
        }),
    ],
    recordAudit: [
      (args) => typeof args[0] === 'object' && args[0] !== null && 'agent_id' in args[0],
      // a v1 cycle keeps no chain head: its record names its fleet (resolved on the worker) and links to the
      // newest record in the log, so the chain goes on through it
      async (record: AuditRecord) => {
        const { scope } = await w.agent({ agent: record.agent_id });
        const named: AuditRecord = { ...record, fleet: scope.fleet, agent_id: scope.id };
        const prev = await w.audit.head(scope, w.audit.key(named));
        return w.audit.append({ ...named, prev });
      },
    ],
    fleetAgents: [
      (args) => typeof args[0] === 'string',
      async (agentsKey: string, offset: number, limit: number) => {
        const all = await w.objects.getJson<AgentConfig[]>(agentsKey);
        if (!all) throw new InvalidInput(`fleet agents ${agentsKey} do not exist (start the run again)`);
        // only the ids matter: each child resolves its agent from the worker's configuration
        return all.slice(offset, offset + limit);
      },
    ],
    recordFleetOutcomes: [
      (args) => typeof args[0] === 'string',
      (reportKey: string, offset: number, outcomes: FleetOutcome[]) =>
        call('recordFleetOutcomes', { reportKey, offset, outcomes }),
    ],
  };
  const out: Record<string, Fn> = { ...fns };
  for (const [name, [isV1, v1]] of Object.entries(adapters)) out[name] = alsoV1(fns[name]!, isV1, v1);
  // v1 read the agent's state in a step of its own
  out.loadAgentState = activity(async (agentId: string) =>
    loadState(w, (await w.agent({ agent: agentId })).scope, true),
  );
  return out as unknown as A;
}
