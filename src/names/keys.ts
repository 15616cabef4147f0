import { isName, scopePrefix, type AgentScope } from './scope.js';
import { InvalidInput } from '../util/errors.js';
import { isSha256 } from './ids.js';

/**
 * Where a cycle's objects live in the snapshots bucket. Pure (no Node built-ins): the workflow checks that
 * a key a decision names is one of its own cycle's, and the activities read and write by the same rules.
 */

const fleetName = (fleet: string) => {
  if (!isName(fleet)) throw new InvalidInput('fleet is not a fleet name');
  return fleet;
};

/** One cycle's objects, under its agent and the run's own id. */
export function cycleKey(scope: AgentScope, cycleId: string, name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/.test(cycleId)) throw new InvalidInput('cycle id is not well formed');
  return `${scopePrefix(scope)}cycles/${cycleId}/${name}`;
}

/** A change set is content-addressed: its key is its sha256, the id a reviewer approves. */
export function changeSetKey(scope: AgentScope, id: string): string {
  if (!isSha256(id)) throw new InvalidInput('change set id is not a sha256');
  return `${scopePrefix(scope)}change-sets/${id}.json`;
}

/** Which record holds sequence number `seq` of a cycle's audit chain (claimed create-only before it is written). */
export const auditClaimKey = (scope: AgentScope, cycleId: string, seq: number) =>
  cycleKey(scope, cycleId, `audit/${String(seq).padStart(4, '0')}`);

/** The one promotion a cycle makes, claimed create-only; a rollback marks it undone. */
export const promotionKey = (scope: AgentScope, cycleId: string) => cycleKey(scope, cycleId, 'promotion');
export const undoneKey = (scope: AgentScope, cycleId: string) => cycleKey(scope, cycleId, 'promotion-undone');
/** What the promotion writes, merged onto the live store, and what those paths held before (for verify, rollback). */
export const promotionPlanKey = (scope: AgentScope, cycleId: string) => cycleKey(scope, cycleId, 'promotion-plan.json');

/** A fleet run's own folder, where its outcomes go: `fleets/<fleet>/runs/<workflow id>`. */
export function fleetRunFolder(fleet: string, workflowId: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,254}$/.test(workflowId))
    throw new InvalidInput('fleet run workflow id is not one a fleet run has');
  return `fleets/${fleetName(fleet)}/runs/${workflowId}`;
}

/** A page of a fleet run's outcomes, under the run's own folder. */
export function fleetRunKey(fleet: string, workflowId: string, offset: number): string {
  if (!Number.isInteger(offset) || offset < 0 || offset > 999_999) throw new InvalidInput('offset is not a page');
  return `${fleetRunFolder(fleet, workflowId)}/outcomes-${String(offset).padStart(6, '0')}.json`;
}

/** A wiring proof's object: under the proof workflow's own id. */
export function proofKey(workflowId: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,254}$/.test(workflowId))
    throw new InvalidInput('proof workflow id is not well formed');
  return `proof/${workflowId}.txt`;
}

/** The evidence a dream wrote beside its change set: the session events behind each change, quoted and masked. */
export function evidenceKey(scope: AgentScope, changeSetId: string): string {
  return changeSetKey(scope, changeSetId).replace(/\.json$/, '.evidence.json');
}

/** The fingerprint of each proposal of a change set, by path: how a later dream knows a proposal it rejected. */
export function fingerprintsKey(scope: AgentScope, changeSetId: string): string {
  return changeSetKey(scope, changeSetId).replace(/\.json$/, '.fingerprints.json');
}

/** A cycle's eval report of one step (`baseline`, `post`, `post-2`, `revised`, `verify`). */
export function evalReportKey(scope: AgentScope, cycleId: string, step: string): string {
  return cycleKey(scope, cycleId, `eval-${step}.json`);
}

export function stateKey(scope: AgentScope): string {
  return `${scopePrefix(scope)}state.json`;
}

/** Whether `key` is one of this cycle's objects (a reviewer's edit must be). */
export function isCycleObject(scope: AgentScope, cycleId: string, key: string): boolean {
  const prefix = cycleKey(scope, cycleId, '');
  return (
    key.startsWith(prefix) &&
    key
      .slice(prefix.length)
      .split('/')
      .every((s) => s !== '' && s !== '.' && s !== '..')
  );
}
