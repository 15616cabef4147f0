import type { Usage } from '../anthropic/usage.js';
import type { AgentConfig } from '../config/fleet.js';
import type { FleetRef } from '../config/registry.js';

/**
 * How a cycle ended. `discarded`: the gate refused the candidate before anything was written;
 * `rolled_back`: a promotion was undone after verification failed.
 */
export type Outcome =
  'kept' | 'discarded' | 'rolled_back' | 'rejected' | 'timed_out' | 'skipped' | 'conflict' | 'failed';

export type Stage =
  | 'starting'
  | 'snapshot'
  | 'skip-check'
  | 'baseline-eval'
  | 'dream'
  | 'post-eval'
  | 'review'
  | 're-eval'
  | 'promote'
  | 'verify'
  | 'rollback'
  | 'done';

/**
 * What starts a cycle: names only. The worker takes store, sessions, evaluator, mode, reviewers and
 * webhooks from its own configuration of the fleet, and refuses a configuration hash it does not hold.
 */
export interface CycleInput {
  fleet: string;
  /** The agent's id, or `@team` for the fleet's team store. */
  agent: string;
  /** sha256 of the fleet config the starter read; absent: the worker's current configuration. */
  configHash?: string;
  /** Why it runs: a schedule, a person, a fleet run. */
  trigger: string;
  /** Consolidate now: dream even with fewer new sessions than `minNewSessions` (`dreamgate run --now`). */
  now?: boolean;
  /** A review wait carried on in a new run (continue-as-new): set only by the cycle itself. */
  continued?: ContinuedReview;
}

/**
 * What a cycle waiting for review carries into the run it continues as new in, so that no number of messages
 * can fill its history: the sealed reference of its first run, the audit chain's place, the decision state,
 * the signature-check budget, the reminder, and the dream under review with its sealed proofs.
 */
export interface ContinuedReview {
  /** The reference sealed for the run that continued; a worker re-seals it for the new run after checking. */
  ref: CycleRef;
  settings: CycleSettings;
  agentState: AgentState;
  state: CycleState;
  seq: number;
  head: string | null;
  quarantineHandled: boolean;
  stored?: DreamRef;
  baselineEval?: EvalSummary;
  review: {
    /** When the review times out (ms since the epoch). */
    deadline: number;
    reminded: boolean;
    failedChecks: number;
    /** Runs this cycle has continued in so far (1 in the first continued run). */
    runs: number;
  };
  /** Where the story stands: the round, the snapshot, the dream and its score, what the agent had changed. */
  story: { round: number; snapshotId: string; dream: DreamRef; post: EvalSummary; changedBeforeReview?: string[] };
}

/** Which cycle an activity works for: its fleet, agent and configuration, and the run's own id. */
export interface CycleRef extends FleetRef {
  fleet: string;
  /**
   * The cycle's id: the run id of its first run, unique per cycle even when the workflow id repeats night after
   * night, and kept by the runs it continues in (audit records and S3 keys name it).
   */
  cycleId: string;
  /** The run this reference is sealed for, when it is not the first (the cycle continued as new). */
  runId?: string;
  /** When the cycle started (ISO): orders cycles in the audit log. */
  startedAt: string;
  /** What the cycle opened as: `review` (a promotion needs a reviewer's approval) or `automatic`. */
  mode?: 'review' | 'automatic';
  /**
   * The worker's seal over this reference, made when the cycle opened: every later activity checks it against
   * the run that calls it (see `src/cycle/seal.ts`). Absent in histories written before seals.
   */
  seal?: string;
}

/** Which store an evaluation scores: a snapshot, a candidate (both by version id), or the live store. */
export type StoreTarget = { series: 'snapshot' | 'candidate'; id: string } | { series: 'live' };

/** What the workflow decides with. No paths, commands or webhooks: those never leave the worker. */
export interface CycleSettings {
  fleet: string;
  agent: string;
  configHash: string;
  mode: AgentConfig['mode'];
  threshold: number;
  minNewSessions: number;
  reviewTimeoutMs: number;
  trustAfter: number;
  dreamer: AgentConfig['dreamer'];
  batch: boolean;
  redreamAttempts: number;
  maxCostUsd: number;
  reviewers: string[];
  /** Every decision must carry a valid SSH signature of the deciding reviewer. */
  signedDecisions: boolean;
  owners: string[];
  /** A dream that quarantined a session waits for a reviewer (`review`) or goes on and tells the owners (`notify`). */
  onQuarantine?: 'review' | 'notify';
  /** How long a promotion waits for the store's consolidation lock before the cycle ends `conflict`. */
  lockWaitMs?: number;
}

/** Durable state of an agent across cycles (kept in S3 beside its snapshots, changed only by its own cycle). */
export interface AgentState {
  /** Time (ms) of the newest session the last kept dream read. */
  lastKeptSessionAt: number | null;
  /** Unedited approvals in a row, for hybrid mode. */
  consecutiveApprovals: number;
  lastCycleId?: string;
  /** sha256 of the newest audit record of this agent: the head of its chain. */
  auditHead?: string | null;
}

/** What a cycle starts from: the worker's settings, the agent's state, and where its audit chain stands. */
export interface CycleOpening {
  settings: CycleSettings;
  state: AgentState;
  /** The chain head from the agent's last closed run in Temporal (an S3 writer cannot change it), else from S3. */
  auditHead: string | null;
  /** Set when the head kept in S3 differs from the one Temporal holds (histories written before seals). */
  headMismatch?: { s3: string | null; temporal: string | null };
  /** The cycle's reference as the worker sealed it: every later activity takes this one. */
  cycle?: CycleRef;
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
  /** Which evaluation of the cycle (`baseline`, `post`, `revised`, `verify`…) and of which store. */
  step?: string;
  target?: StoreTarget;
  /** The worker's seal: a gate result only a worker can make. */
  seal?: string;
}

export interface SnapshotRef {
  snapshotId: string;
  sha256: string;
  files: number;
  seal?: string;
}

export interface DreamRef {
  /** The candidate store: a version of the agent's candidate manifest. */
  candidateId: string;
  /** sha256 of the stored change set: what a reviewer approves, and (content-addressed) where it is. */
  changeSetId: string;
  summary: Record<string, number>;
  /** How many changes the set holds (0: nothing to promote). */
  changes: number;
  newestSessionAt: number | null;
  sessionsUsed: number;
  /** Model changes dropped by validation. */
  dropped: number;
  /** What a model dreamer spent on this attempt (tokens and US dollars). */
  usage?: Usage;
  /** The snapshot the change set was made from. */
  snapshotId?: string;
  /** A reviewer's revision: the change set it revises and the sha256 of the approving decision. */
  revises?: { changeSetId: string; decision: string; reviewer: string };
  /** The worker's seal: a change set this worker made, in this run, from this snapshot. */
  seal?: string;
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
  /** Files the agent and the dream both edited, merged three-way (both edits landed). */
  merged?: string[];
  changeSetId?: string;
  /** The newest session the promoted dream read: where the next cycle's count of new sessions starts. */
  newestSessionAt?: number | null;
  seal?: string;
}

/** What verification found: did every change land as written? */
export interface VerifyResult {
  matches: boolean;
  mismatched: string[];
  /** The live store's hash now. */
  sha256: string;
  /** The hash the promotion left the store with (absent for a promotion made before it was kept). */
  expectedSha256?: string;
  /** The whole store is as the promotion left it (no one wrote since); false: the changed paths decide. */
  asPromoted?: boolean;
  changeSetId?: string;
  seal?: string;
}

/** What undoing a promotion did. */
export interface RollbackResult {
  restored: string[];
  keptAgentWrites: string[];
  changeSetId?: string;
  seal?: string;
}

/** What a decision sent as an update is told at once. */
export type DecisionResult =
  { accepted: true; changeSetId: string; reviewer: string; fingerprint?: string } | { accepted: false; why: string };

/** A decision that was refused or ignored, in bounded form (a reviewer name cut short, never the payload). */
export interface IgnoredDecision {
  kind: 'approve' | 'reject';
  via: 'update' | 'signal';
  reviewer: string;
  why: string;
}

/** What `dreamgate status` and the UI show: stage, scores, what it waits for. No content. */
export interface CycleState {
  fleet: string;
  agentId: string;
  /** The cycle's id: its first run's id (a review that continued as new keeps it). */
  cycleId: string;
  /** Runs the review continued in (continue-as-new), when it did. */
  continuedRuns?: number;
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
  summary?: Record<string, number>;
  /** A model dreamer's spend across attempts. */
  usage?: { requests: number; tokens: number; costUsd: number };
  /** Conflicts with the agent's own writes that made the cycle dream again: when, where, which change set. */
  conflicts?: { during: 'review' | 'dream'; at: string[]; changeSetId: string }[];
  attempts?: number;
  waitingFor?: string;
  reviewers: string[];
  signedDecisions: boolean;
  /** When an unanswered review times out (ISO). */
  reviewDeadline?: string;
  decidedBy?: string;
  /** The SSH key fingerprint that signed the decision. */
  signedBy?: string;
  /** Refused and ignored decisions: how many, and the first few. */
  ignored: { count: number; recent: IgnoredDecision[] };
  /** sha256 of the newest audit record this cycle wrote. */
  auditHead: string | null;
}

export interface CycleResult extends CycleState {
  outcome: Outcome;
}

/**
 * One agent's cycle in a fleet run: how it ended, or `in_review` when it waits for a reviewer (the fleet run
 * does not wait for people; the cycle goes on under its own workflow id).
 */
export interface FleetOutcome {
  agent: string;
  workflowId: string;
  outcome: Outcome | 'in_review';
  reason?: string;
}

/** A fleet run's progress, the `progress` query's answer: every agent is in exactly one of these. */
export interface FleetProgress {
  fleet: string;
  agents: number;
  /** Agents whose cycle ended (any outcome but failed) or that were skipped. */
  done: number;
  running: number;
  waitingForReview: number;
  failed: number;
  notStarted: number;
  /** Cycles by outcome so far (`in_review` among them). */
  counts: Record<string, number>;
  /** This run of the fleet's workflow id: 1, then one more at each continue-as-new. */
  run: number;
  /** When the fleet run's first run started (ISO). */
  since: string;
  /** The team store's cycle, once every agent is counted. */
  team?: string;
}
