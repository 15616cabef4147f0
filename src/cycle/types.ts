import type { Usage } from '../anthropic/usage.js';
import type { AgentConfig, WebhookConfig } from '../config/fleet.js';

/** How a cycle ended. */
export type Outcome = 'kept' | 'rolled_back' | 'rejected' | 'timed_out' | 'skipped' | 'conflict' | 'failed';

export type Stage =
  | 'starting'
  | 'snapshot'
  | 'skip-check'
  | 'baseline-eval'
  | 'dream'
  | 'post-eval'
  | 'gate'
  | 'review'
  | 're-eval'
  | 'promote'
  | 'verify'
  | 'rollback'
  | 'done';

export interface CycleInput {
  agent: AgentConfig;
  paging?: WebhookConfig;
  notify?: WebhookConfig;
  /** Why it runs: a schedule, a person, a fleet run. */
  trigger: string;
  /** Link to this cycle in the Temporal UI, for pages. */
  uiUrl?: string;
}

/** Durable state of an agent across cycles (kept in S3 beside its snapshots). */
export interface AgentState {
  /** Time (ms) of the newest session the last kept dream read. */
  lastKeptSessionAt: number | null;
  /** Unedited approvals in a row, for hybrid mode. */
  consecutiveApprovals: number;
  lastCycleId?: string;
}

export interface EvalSummary {
  score: number;
  passed: number;
  cases: number;
  /** Where the full report is (S3 key in the snapshots bucket). */
  reportKey: string;
  failing: string[];
  duplicateRatio: number;
  contradictions: number;
  /** What a model scorer spent. */
  costUsd?: number;
}

export interface SnapshotRef {
  snapshotId: string;
  sha256: string;
  files: number;
}

export interface DreamRef {
  /** The candidate store: a version of the agent's candidate manifest. */
  candidateId: string;
  candidateSha256: string;
  changeSetKey: string;
  /** sha256 of the stored change set: what a reviewer approves. */
  changeSetId: string;
  summary: Record<string, number>;
  paths: string[];
  newestSessionAt: number | null;
  sessionsUsed: number;
  /** Model changes dropped by validation. */
  dropped: number;
  /** What a model dreamer spent on this attempt (tokens and US dollars). */
  usage?: Usage;
}

/** A model dreamer's next attempt after the gate rejected its candidate. */
export interface Redream {
  attempt: number;
  /** The rejected candidate's eval report (S3 key): its failing cases and why. */
  reportKey: string;
  baseline: number;
  score: number;
  /** What earlier attempts spent, counted against the dream's budget. */
  spent: { tokens: number; costUsd: number };
}

export interface PromoteResult {
  /** Hash the live store must have after promotion (the candidate, rebased on the agent's own writes). */
  expectedSha256: string;
  rebased: boolean;
  /** Paths the agent wrote since the snapshot, kept as the agent left them. */
  agentWrites: string[];
}

/** A reviewer's answer, sent as a signal. Content never travels in it: an edit is a key in S3. */
export interface ApproveSignal {
  reviewer: string;
  changeSetId: string;
  comment?: string;
  /** Keep only these paths of the change set. */
  onlyPaths?: string[];
  /** Edited contents: an S3 key (snapshots bucket) of a JSON { path: content } object, and its sha256. */
  editedKey?: string;
  editedSha256?: string;
}

export interface RejectSignal {
  reviewer: string;
  changeSetId: string;
  reason: string;
}

/** What `dreamgate status` and the UI show: stage, scores, what it waits for. No content. */
export interface CycleState {
  agentId: string;
  mode: string;
  effectiveMode: 'review' | 'automatic';
  stage: Stage;
  outcome?: Outcome;
  reason?: string;
  snapshotId?: string;
  baseline?: number;
  post?: number;
  delta?: number;
  changeSetId?: string;
  changeSetKey?: string;
  summary?: Record<string, number>;
  /** A model dreamer's spend across attempts. */
  usage?: { requests: number; tokens: number; costUsd: number };
  attempts?: number;
  waitingFor?: string;
  reviewers: string[];
  decidedBy?: string;
  ignoredSignals: { reviewer: string; why: string }[];
}

export interface CycleResult extends CycleState {
  outcome: Outcome;
}

/** One agent's cycle in a fleet run. */
export interface FleetOutcome {
  agent: string;
  workflowId: string;
  outcome: Outcome | 'failed';
  reason?: string;
}
