import { writeFile } from 'node:fs/promises';
import { stringify } from 'yaml';
import type { WebhookConfig } from '../notify/webhook.js';
import { loadFleetConfig, type AgentConfig, type FleetConfig } from './fleet.js';

/** A fleet described by its agents' configurations, as tests and benchmarks build them. */
export interface FleetSpec {
  fleet: string;
  taskQueue?: string;
  agents: AgentConfig[];
  concurrency?: number;
  batch?: boolean;
  paging?: WebhookConfig;
  notify?: WebhookConfig;
  reviewDesk?: string;
  teamStore?: string;
  teamSuite?: string;
  schedule?: { time: string; timezone: string; jitter?: string; catchupWindow?: string };
}

/** The YAML a fleet file holds for these agents: every setting written out, so loading it gives them back. */
export function fleetYaml(spec: FleetSpec): string {
  const agents = spec.agents.map((a) => ({
    id: a.id,
    store: a.store,
    sessions: a.sessions,
    ...(a.suite ? { suite: a.suite } : {}),
    ...(a.deriveSuite === false ? { deriveSuite: false } : {}),
    mode: a.mode,
    threshold: a.threshold,
    minNewSessions: a.minNewSessions,
    reviewTimeout: `${a.reviewTimeoutMs}ms`,
    trustAfter: a.trustAfter,
    ...(a.dreamer !== 'team-lessons' ? { dreamer: a.dreamer } : {}),
    scorer: a.scorer,
    redreamAttempts: a.redreamAttempts,
    ...(a.evaluator ? { evaluator: a.evaluator } : {}),
    reviewers: a.reviewers.map((r) => (a.reviewerKeys?.[r] ? { name: r, key: a.reviewerKeys[r] } : r)),
    owners: a.owners,
    maxSessions: a.maxSessions,
    ...(a.limits ? { maxFiles: a.limits.maxFiles, maxFileBytes: a.limits.maxFileBytes } : {}),
    onQuarantine: a.onQuarantine,
    claude: {
      model: a.claude.model,
      maxOutputTokens: a.claude.maxOutputTokens,
      contextTokens: a.claude.contextTokens,
      maxTokensPerDream: a.claude.budget.maxTokens,
      maxCostPerDreamUsd: a.claude.budget.maxCostUsd,
      pollInterval: `${a.claude.pollIntervalMs}ms`,
    },
  }));
  return stringify({
    fleet: spec.fleet,
    ...(spec.taskQueue ? { taskQueue: spec.taskQueue } : {}),
    ...(spec.concurrency ? { concurrency: spec.concurrency } : {}),
    ...(spec.batch ? { batch: true } : {}),
    ...(spec.paging ? { paging: spec.paging } : {}),
    ...(spec.notify ? { notify: spec.notify } : {}),
    ...(spec.reviewDesk ? { reviewDesk: spec.reviewDesk } : {}),
    ...(spec.teamStore ? { teamStore: spec.teamStore } : {}),
    ...(spec.teamSuite ? { teamSuite: spec.teamSuite } : {}),
    ...(spec.schedule ? { schedule: spec.schedule } : {}),
    agents,
  });
}

/** Writes a fleet file and loads it back, as a worker and the command line would. */
export async function writeFleetFile(file: string, spec: FleetSpec): Promise<FleetConfig> {
  await writeFile(file, fleetYaml(spec));
  return loadFleetConfig(file);
}
