import { scopePrefix, type AgentScope } from '../config/scope.js';
import { InvalidInput } from '../util/errors.js';

/**
 * Where a cycle's objects live in the snapshots bucket. Pure (no Node built-ins): the workflow checks that
 * a key a decision names is one of its own cycle's, and the activities read and write by the same rules.
 */

/** One cycle's objects, under its agent and the run's own id. */
export function cycleKey(scope: AgentScope, cycleId: string, name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/.test(cycleId)) throw new InvalidInput('cycle id is not well formed');
  return `${scopePrefix(scope)}cycles/${cycleId}/${name}`;
}

/** A change set is content-addressed: its key is its sha256, the id a reviewer approves. */
export function changeSetKey(scope: AgentScope, id: string): string {
  if (!/^[0-9a-f]{64}$/.test(id)) throw new InvalidInput('change set id is not a sha256');
  return `${scopePrefix(scope)}change-sets/${id}.json`;
}

/** The evidence a dream wrote beside its change set: the session events behind each change, quoted and masked. */
export function evidenceKey(scope: AgentScope, changeSetId: string): string {
  return changeSetKey(scope, changeSetId).replace(/\.json$/, '.evidence.json');
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
