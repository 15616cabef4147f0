/**
 * One namespace per fleet and agent. Every workflow id, search-attribute value and visibility query that
 * belongs to an agent is named here (its S3 keys in keys.ts), from its fleet and its id, so two fleets with an
 * agent of the same id never meet, and the fleet's team store cannot be mistaken for an agent.
 *
 * Pure (no Node built-ins): workflows import it too.
 */
import { safeName } from '../util/display.js';
import { InvalidInput } from '../util/errors.js';

/** Whom an object, a cycle or an audit record belongs to: an agent of a fleet, or the fleet's team store. */
export interface AgentScope {
  fleet: string;
  /** The agent's id, or `teamId` for the fleet's team store. */
  id: string;
}

/**
 * The team store's id. An agent id starts with a letter or digit, so no agent can be named this; its S3
 * objects live under `fleets/<fleet>/team/`, beside (not among) the agents'.
 */
export const teamId = '@team';

const namePattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Fleet names and agent ids: letters, digits, ".", "_" and "-", starting with a letter or digit, at most 64. */
export const isName = (s: unknown): s is string => typeof s === 'string' && namePattern.test(s);

/** A bad name, shown short and with control characters escaped (it may come from anyone). */
const quoteName = (v: unknown): string => (typeof v === 'string' ? `"${safeName(v)}"` : `(${typeof v})`);

/** Throws unless both parts are names (no "/", ":" or ".." can reach a key or an id). */
export function assertScope(scope: AgentScope): void {
  if (!isName(scope.fleet))
    throw new InvalidInput(`fleet name ${quoteName(scope.fleet)}: use letters, digits, ".", "_" and "-" (at most 64)`);
  if (scope.id !== teamId && !isName(scope.id))
    throw new InvalidInput(`agent id ${quoteName(scope.id)}: use letters, digits, ".", "_" and "-" (at most 64)`);
}

export const isTeam = (scope: AgentScope): boolean => scope.id === teamId;

/** The id an agent had before fleets had namespaces: its own, or `<fleet>-team` for the team store. */
export const legacyId = (scope: AgentScope): string => (isTeam(scope) ? `${scope.fleet}-team` : scope.id);

/** The agent's name in the Temporal UI, in search attributes and in pages: `<fleet>/<id>`. */
export function scopedName(scope: AgentScope): string {
  assertScope(scope);
  return `${scope.fleet}/${scope.id}`;
}

/**
 * The workflow id of an agent's cycle: `dream:<fleet>:<id>`. Neither part can hold ":", so no two agents
 * (nor an agent and the team store) share it.
 */
export function cycleWorkflowId(scope: AgentScope): string {
  assertScope(scope);
  return `dream:${scope.fleet}:${scope.id}`;
}

/** The search attribute that scopes a cycle (its value is `scopedName`). */
export const agentSearchAttribute = 'DreamAgent';

/**
 * The visibility query for an agent's cycles: exact match on the scoped name, never on the bare id, or the
 * agent's one workflow id (a cycle refused before it could name its agent is still the agent's).
 */
/** The workflow types that run under an agent's one cycle id. */
export const cycleWorkflowTypes = ['dreamCycle', 'agentRollback', 'agentRecord'] as const;

export function cyclesQuery(scope: AgentScope, opts: { running?: boolean } = {}): string {
  // by id too (a cycle that failed before it was labelled), but only of dreamgate's own types: anyone with
  // namespace Write can run a workflow of another type under the agent's id, and it is not a cycle
  const ours = cycleWorkflowTypes.map((t) => `WorkflowType = "${t}"`).join(' OR ');
  const whose = `(${agentSearchAttribute} = "${scopedName(scope)}" OR (WorkflowId = "${cycleWorkflowId(scope)}" AND (${ours})))`;
  return `${whose}${opts.running ? ' AND ExecutionStatus = "Running"' : ''}`;
}

/** The task queue of everything that belongs to no fleet (the wiring proof), and of cycles started before fleets had their own. */
export const defaultTaskQueue = 'dreamgate';

const taskQueuePattern = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,199}$/;

/** A task queue name a fleet file may give: letters, digits and `._:/-`, at most 200. */
export const isTaskQueue = (s: unknown): s is string => typeof s === 'string' && taskQueuePattern.test(s);

/**
 * The task queue a fleet's cycles, fleet runs and schedules run on, so a worker only receives what it serves:
 * the fleet file's `taskQueue`; else the deployment's one queue where it set one (`DREAMGATE_TASK_QUEUE`);
 * else `dreamgate-<fleet>`, derived from the fleet's name.
 */
export function fleetTaskQueue(fleet: { fleet: string; taskQueue?: string }, sharedQueue?: string): string {
  if (fleet.taskQueue) return fleet.taskQueue;
  if (sharedQueue) return sharedQueue;
  if (!isName(fleet.fleet)) throw new InvalidInput(`fleet name ${quoteName(fleet.fleet)}: not a fleet name`);
  return `${defaultTaskQueue}-${fleet.fleet}`;
}

/** The Temporal Schedule that runs a fleet's nightly dream. */
export const scheduleName = (fleet: string): string => `dreamgate-${fleet}`;
