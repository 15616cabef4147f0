import type { EarlierDecision } from './decisions.js';
import type { KeptLine } from './lineMemory.js';
import type { Usage } from '../anthropic/usage.js';
import type { ChangeSet, DroppedChange, Evidence, Move, Quarantine, Reason } from '../memory/changeSet.js';
import type { StoreLimits } from '../memory/limits.js';
import type { MemoryStore } from '../memory/store.js';
import type { SessionDigest } from '../sessions/digest.js';
import type { SessionSelection } from '../sources/sessions.js';
import type { Ledger } from './ledger.js';

export interface DreamInput {
  agentId: string;
  /** The snapshot the store was read from (its S3 version id), or null for a local dream. */
  snapshotId: string | null;
  store: MemoryStore;
  sessions: SessionSelection;
  /** Proposals reviewers turned down before: not made again without a newer session behind them. */
  decisions?: readonly EarlierDecision[];
  /** Lines reviewers edited away or kept, and lines the owner wrote by hand since the last promotion. */
  kept?: readonly KeptLine[];
  /** The store's limits (the agent's `maxFiles`, `maxFileBytes`); SPEC §1's defaults without. */
  limits?: StoreLimits;
}

/** What every dreamer is handed: screened sessions and a redacted store, never raw input. */
export interface PreparedInput {
  agentId: string;
  /** The line number the input store gives a line of the prepared store (screening may take lines out). */
  inputLine(path: string, line: number): number;
  /** The store with secrets redacted and held lines taken out. */
  store: MemoryStore;
  /** Every session, newest first: held lines out of its writes; of a quarantined one, its tool calls only. */
  sessions: SessionDigest[];
  quarantined: Quarantine[];
  /**
   * Quarantined sessions' writes (held lines out): they still date the lines they put in the store (so a
   * newer value can replace them), but are never evidence for a change.
   */
  untrusted?: SessionDigest[];
  ledger: Ledger;
}

/**
 * A change a reviewer may accept (the `suggested` tier): each file it touches as it would be with the
 * applied tier and this suggestion alone, and why.
 */
export interface Suggestion {
  files: Map<string, string>;
  explain: Map<string, { reason: Reason; detail: string; evidence: Evidence[]; moved?: Move[] }>;
}

/** What a dreamer hands back: the candidate store, and for a model, what it spent and what was dropped. */
export interface Consolidation {
  /** The applied tier: what an automatic cycle promotes. */
  store: MemoryStore;
  /** Changes left for a reviewer to accept, each on top of `store`. */
  suggestions?: Suggestion[];
  /** Proposed changes that failed validation: reported, never applied. */
  dropped?: DroppedChange[];
  usage?: Usage;
}

/** A dreamer turns a prepared input into a candidate store, noting in the ledger why each path changed. */
export interface Dreamer {
  readonly name: string;
  consolidate(input: PreparedInput, signal?: AbortSignal): Promise<Consolidation>;
}

export interface DreamResult {
  store: MemoryStore;
  changeSet: ChangeSet;
  /** Each change's fingerprint, by path (see `proposalFingerprint`). */
  fingerprints?: Record<string, string>;
}
