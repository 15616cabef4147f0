/**
 * Decision memory beside a change set (`change-sets/<id>.fingerprints.json`): the fingerprint of each proposal
 * the dream made and, for a reviewer's revision, what it took from the proposals it approved. A later dream
 * reads it to hold back what reviewers turned down, so it is sealed by the worker that wrote it, bound to the
 * agent and the change set: a file an S3 or namespace writer forged, or copied from another change set, is
 * ignored (and so is one written before files were sealed).
 */
import type { AgentScope } from '../names/scope.js';
import { proofKinds } from './authority.js';
import { seal, unseal, type Binding } from './seal.js';

export interface ProposalMemory {
  changeSet: string;
  /** Each proposal's fingerprint, by path (`<path>#suggestion-<n>` for a suggestion). */
  prints: Record<string, string>;
  /** For a revision: the change set it revises. */
  revises?: string;
  /** For a revision: fingerprints of the proposals the reviewer left out whole (`--only`). */
  leftOut?: string[];
  /** For a revision: lines a proposal added that the reviewer took out (`add`), or removed that they kept (`remove`). */
  editedAway?: { path: string; line: string; act: 'add' | 'remove' }[];
  /** The owner's hand-written lines this dream kept out of its reach: carried to the next dream while they stand. */
  owner?: { path: string; line: string; at: string; changeSetId: string }[];
}

const binding = (scope: AgentScope, changeSetId: string): Binding => ({
  fleet: scope.fleet,
  agent: scope.id,
  run: `change-set:${changeSetId}`,
});

export function sealMemory(key: Buffer, scope: AgentScope, m: ProposalMemory): ProposalMemory & { seal: string } {
  return seal(key, proofKinds.memory, binding(scope, m.changeSet), m);
}

/** The memory kept beside `changeSetId` if this agent's worker sealed it for that change set; undefined otherwise. */
export function openMemory(
  key: Buffer,
  scope: AgentScope,
  changeSetId: string,
  stored: unknown,
): ProposalMemory | undefined {
  if (typeof stored !== 'object' || stored === null) return undefined;
  const m = unseal<ProposalMemory>(key, proofKinds.memory, binding(scope, changeSetId), stored as ProposalMemory);
  if (!m || m.changeSet !== changeSetId || typeof m.prints !== 'object' || m.prints === null) return undefined;
  return m;
}
