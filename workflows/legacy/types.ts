/**
 * The shapes of the previous version's cycle and fleet run (v1), kept so that cycles it started finish
 * after an upgrade. Frozen: a change here would break the replay of their histories.
 */
import type { Usage } from '../../src/anthropic/usage.js';
import type { AgentConfig, WebhookConfig } from '../../src/config/fleet.js';
import type { Stage } from '../../src/cycle/types.js';

export type OutcomeV1 = 'kept' | 'rolled_back' | 'rejected' | 'timed_out' | 'skipped' | 'conflict' | 'failed';

/** v1 input: the whole agent configuration came from the caller. The worker now uses only `agent.id`. */
export interface CycleInputV1 {
  agent: AgentConfig;
  paging?: WebhookConfig;
  notify?: WebhookConfig;
  trigger: string;
  uiUrl?: string;
}

export interface DreamRefV1 {
  candidateId: string;
  candidateSha256: string;
  changeSetKey: string;
  changeSetId: string;
  summary: Record<string, number>;
  paths: string[];
  newestSessionAt: number | null;
  sessionsUsed: number;
  dropped: number;
  usage?: Usage;
}

export interface ApproveSignalV1 {
  reviewer: string;
  changeSetId: string;
  comment?: string;
  onlyPaths?: string[];
  editedKey?: string;
  editedSha256?: string;
}

export interface RejectSignalV1 {
  reviewer: string;
  changeSetId: string;
  reason: string;
}

export interface CycleStateV1 {
  agentId: string;
  mode: string;
  effectiveMode: 'review' | 'automatic';
  stage: Stage;
  outcome?: OutcomeV1;
  reason?: string;
  snapshotId?: string;
  baseline?: number;
  post?: number;
  delta?: number;
  changeSetId?: string;
  changeSetKey?: string;
  summary?: Record<string, number>;
  usage?: { requests: number; tokens: number; costUsd: number };
  attempts?: number;
  waitingFor?: string;
  reviewers: string[];
  decidedBy?: string;
  ignoredSignals: { reviewer: string; why: string }[];
}

export interface CycleResultV1 extends CycleStateV1 {
  outcome: OutcomeV1;
}

export interface FleetInputV1 {
  fleet: string;
  agentsKey: string;
  agentCount: number;
  team?: AgentConfig;
  concurrency: number;
  paging?: WebhookConfig;
  notify?: WebhookConfig;
  uiUrl?: string;
  progress?: { offset: number; counts: Record<string, number>; notable: FleetOutcomeV1[] };
}

export interface FleetOutcomeV1 {
  agent: string;
  workflowId: string;
  outcome: OutcomeV1 | 'failed';
  reason?: string;
}

export type StoreTargetV1 = { series: 'snapshot' | 'candidate'; id: string } | { series: 'live' };

export interface EvalSummaryV1 {
  score: number;
  passed: number;
  cases: number;
  reportKey: string;
  failing: string[];
  duplicateRatio: number;
  contradictions: number;
  costUsd?: number;
}

/** v1's activities, as its workflows called them (positional arguments). */
export interface ActivitiesV1 {
  loadAgentState(agentId: string): Promise<{ lastKeptSessionAt: number | null; consecutiveApprovals: number }>;
  saveAgentState(
    agentId: string,
    state: { lastKeptSessionAt: number | null; consecutiveApprovals: number; lastCycleId?: string },
  ): Promise<void>;
  takeSnapshot(agent: AgentConfig, cycleId: string): Promise<{ snapshotId: string; sha256: string; files: number }>;
  countNewSessions(agent: AgentConfig, since: number | null): Promise<{ count: number; invalid: number }>;
  evaluate(agent: AgentConfig, cycleId: string, step: string, target: StoreTargetV1): Promise<EvalSummaryV1>;
  dream(
    agent: AgentConfig,
    cycleId: string,
    snapshotId: string,
    redo?: {
      attempt: number;
      reportKey: string;
      baseline: number;
      score: number;
      spent: { tokens: number; costUsd: number };
    },
  ): Promise<DreamRefV1>;
  reviseChangeSet(
    agent: AgentConfig,
    cycleId: string,
    snapshotId: string,
    base: DreamRefV1,
    edit: { onlyPaths?: string[]; editedKey?: string; editedSha256?: string; revision: number },
  ): Promise<DreamRefV1>;
  promote(
    agent: AgentConfig,
    snapshotId: string,
    changeSetKey: string,
  ): Promise<{ expectedSha256: string; rebased: boolean; agentWrites: string[] }>;
  verifyLive(
    agent: AgentConfig,
    snapshotId: string,
    changeSetKey: string,
  ): Promise<{ matches: boolean; mismatched: string[]; sha256: string }>;
  rollback(
    agent: AgentConfig,
    snapshotId: string,
    changeSetKey: string,
  ): Promise<{ restored: string[]; keptAgentWrites: string[] }>;
  alert(
    target: WebhookConfig | undefined,
    agentId: string,
    cycleId: string,
    kind: 'page' | 'notify',
    alert: Record<string, unknown>,
  ): Promise<{ sent: boolean }>;
  recordAudit(record: {
    agent_id: string;
    cycle_id: string;
    cycle_started_at: string;
    seq: number;
    event: string;
    at: string;
    actor?: string;
    data?: Record<string, unknown>;
  }): Promise<unknown>;
  fleetAgents(agentsKey: string, offset: number, limit: number): Promise<AgentConfig[]>;
  recordFleetOutcomes(reportKey: string, offset: number, outcomes: FleetOutcomeV1[]): Promise<void>;
}
