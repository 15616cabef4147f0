import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { z } from 'zod';
import { claudeDefaults, type ClaudeSettings } from '../dream/claude/dreamer.js';
import { defaultLimits, type StoreLimits } from '../memory/limits.js';
import type { WebhookConfig } from '../notify/webhook.js';
import { InvalidInput } from '../util/errors.js';
import { claudeFields, fleetSchema, type RawFleet } from './fleetSchema.js';
import { checkPlaces, localLocation, type Reserved } from './fleetPlaces.js';
import { teamId } from '../names/scope.js';
import { parseYaml } from '../util/yamlFile.js';

/** One agent's settings as the cycle carries them: small, serializable, every default filled in. */
export interface AgentConfig {
  /** The fleet it belongs to: with `id`, the agent's namespace (see scope.ts). */
  fleet: string;
  /** The agent's id, or `@team` for the fleet's team store. */
  id: string;
  /** A directory, s3://bucket/prefix/, anthropic:<memory_store_id> or claude-code:<project dir> */
  store: string;
  /**
   * The sessions: a root in SPEC §2 form (`<sessions>/<id>/*.jsonl`), `claude-code:<project dir>`,
   * `messages:<dir>` or `anthropic:<agent_id>`.
   */
  sessions: string;
  /** A hand-written suite (SPEC §3), or '' for none: the derived suite runs either way unless turned off. */
  suite: string;
  /** Derive retention and session cases from the baseline store and the sessions (default true). */
  deriveSuite?: boolean;
  mode: 'review' | 'automatic' | 'hybrid';
  threshold: number;
  minNewSessions: number;
  reviewTimeoutMs: number;
  trustAfter: number;
  /** `heuristic`, `claude` or `managed` for an agent; `team-lessons` for the fleet's team store. */
  dreamer: 'heuristic' | 'claude' | 'managed' | 'team-lessons';
  scorer: 'deterministic' | 'claude';
  /** Model, output cap, context and per-dream budget for the claude and managed dreamers and the claude scorer. */
  claude: ClaudeSettings & { pollIntervalMs: number };
  /** Dream again with the gate's failing cases when a model's candidate is rejected (model dreamers only). */
  redreamAttempts: number;
  /** Submit the dream through the Message Batches API (half price) and wait for it durably. */
  batch?: boolean;
  /** For the team store: the stores whose lessons it gathers. */
  sources?: { id: string; store: string; limits?: StoreLimits }[];
  evaluator?: string[];
  reviewers: string[];
  /**
   * Reviewers' SSH public keys (`<type> <base64>`), by name. When an agent has any, every decision on its
   * change sets must be signed by the deciding reviewer's key.
   */
  reviewerKeys?: Record<string, string>;
  owners: string[];
  maxSessions: number;
  /** The store's limits, when the fleet file sets `maxFiles` or `maxFileBytes`; SPEC §1's defaults without. */
  limits?: StoreLimits;
  /**
   * What a dream that quarantined a session does: wait for a reviewer even in `automatic` mode (`review`), or
   * go on and tell the owners (`notify`).
   */
  onQuarantine: 'review' | 'notify';
}

export interface FleetConfig {
  file: string;
  /** sha256 of the file's bytes: what a cycle's input names, so the worker knows which configuration it meant. */
  sha256: string;
  fleet: string;
  /** The task queue the fleet file names, if any (see `fleetTaskQueue` for the default). */
  taskQueue?: string;
  paging?: WebhookConfig;
  notify?: WebhookConfig;
  /** The team review desk's address (`dreamgate serve` behind a proxy): review notices link to the agent's page. */
  reviewDesk?: string;
  concurrency: number;
  batch: boolean;
  schedule?: { time: string; timezone: string; jitterMs: number; catchupWindowMs: number };
  teamStore?: string;
  /** The team store as the cycle runs it: an automatic agent whose dream gathers shared lessons. */
  team?: AgentConfig;
  agents: AgentConfig[];
  /** What loading decided for the user that they should hear once (an automatic agent without reviewers). */
  notices: string[];
}

export const agentDefaults = {
  mode: 'review',
  threshold: 0.02,
  minNewSessions: 3,
  reviewTimeoutMs: 24 * 3_600_000,
  trustAfter: 3,
  dreamer: 'heuristic',
  scorer: 'deterministic',
  redreamAttempts: 1,
  maxSessions: 100,
} as const;

export function claudeSettings(c: z.output<typeof claudeFields> = {}, d: z.output<typeof claudeFields> = {}) {
  const pick = <K extends keyof typeof c>(k: K) => c[k] ?? d[k];
  return {
    model: pick('model') ?? claudeDefaults.model,
    maxOutputTokens: pick('maxOutputTokens') ?? claudeDefaults.maxOutputTokens,
    contextTokens: pick('contextTokens') ?? claudeDefaults.contextTokens,
    budget: {
      maxTokens: pick('maxTokensPerDream') ?? claudeDefaults.budget.maxTokens,
      maxCostUsd: pick('maxCostPerDreamUsd') ?? claudeDefaults.budget.maxCostUsd,
    },
    pollIntervalMs: pick('pollInterval') ?? 5_000,
  };
}

/**
 * Loads and checks a fleet file. `reserved` names dreamgate's own buckets and state, which no store may
 * lie in; errors name the file, the line and the key.
 */
export async function loadFleetConfig(file: string, reserved: Reserved = {}): Promise<FleetConfig> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new InvalidInput(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  return parseFleetConfig(bytes, file, reserved);
}

type RawAgent = RawFleet['agents'][number];
type Defaults = RawFleet['defaults'];

/** An agent's reviewers by name, and their keys where they have them: all keyed or none, none listed twice. */
function reviewersOf(a: RawAgent, d: Defaults, mode: AgentConfig['mode'], where: string) {
  const entries = a.reviewers ?? d.reviewers ?? [];
  const reviewers = entries.map((r) => (typeof r === 'string' ? r : r.name));
  if (mode !== 'automatic' && reviewers.length === 0)
    throw new InvalidInput(`${where}: mode "${mode}" needs at least one reviewer`);
  const keyed = entries.flatMap((r) =>
    typeof r === 'string' ? [] : [[r.name, r.key.split(' ').slice(0, 2).join(' ')]],
  );
  if (new Set(reviewers).size !== reviewers.length) throw new InvalidInput(`${where}: a reviewer is listed twice`);
  if (keyed.length > 0 && keyed.length < reviewers.length) {
    const unkeyed = reviewers.filter((r) => !keyed.some(([n]) => n === r));
    throw new InvalidInput(
      `${where}: reviewers ${unkeyed.join(', ')} have no key while others do; decisions on this agent must be signed, so give every reviewer a key (or none)`,
    );
  }
  return {
    reviewers,
    ...(keyed.length > 0 ? { reviewerKeys: Object.fromEntries(keyed) as Record<string, string> } : {}),
  };
}

/** A quarantine waits for a reviewer, unless the fleet says otherwise or there is nobody to wait for. */
function onQuarantineOf(a: RawAgent, d: Defaults, reviewers: string[], where: string, notices: string[]) {
  const asked = a.onQuarantine ?? d.onQuarantine;
  if (asked === 'review' && reviewers.length === 0)
    throw new InvalidInput(`${where}: onQuarantine "review" needs at least one reviewer`);
  const onQuarantine = asked ?? (reviewers.length > 0 ? 'review' : 'notify');
  if (!asked && onQuarantine === 'notify')
    notices.push(
      `${a.id}: automatic with no reviewers, so a dream that quarantines a session goes on and notifies the owners (onQuarantine: notify)`,
    );
  return onQuarantine;
}

/** The store's limits when the fleet file sets either; undefined keeps SPEC §1's defaults. */
function limitsOf(a: RawAgent, d: Defaults): StoreLimits | undefined {
  const maxFiles = a.maxFiles ?? d.maxFiles;
  const maxFileBytes = a.maxFileBytes ?? d.maxFileBytes;
  return maxFiles !== undefined || maxFileBytes !== undefined
    ? { maxFiles: maxFiles ?? defaultLimits.maxFiles, maxFileBytes: maxFileBytes ?? defaultLimits.maxFileBytes }
    : undefined;
}

/** One agent of the fleet file, every default filled in; what cannot work is refused, naming the agent. */
function agentConfig(
  raw: RawFleet,
  a: RawAgent,
  where: string,
  local: (p: string) => string,
  notices: string[],
): AgentConfig {
  const d = raw.defaults;
  const mode = a.mode ?? d.mode ?? agentDefaults.mode;
  const { reviewers, reviewerKeys } = reviewersOf(a, d, mode, where);
  const evaluator = a.evaluator ?? d.evaluator;
  if (!a.suite && (a.deriveSuite ?? d.deriveSuite) === false && !evaluator)
    throw new InvalidInput(
      `${where}: deriveSuite is false and there is no suite or evaluator: the gate would have nothing to check`,
    );
  const onQuarantine = onQuarantineOf(a, d, reviewers, where, notices);
  const dreamer = a.dreamer ?? d.dreamer ?? agentDefaults.dreamer;
  const limits = limitsOf(a, d);
  if (dreamer === 'managed' && !a.store.startsWith('anthropic:'))
    throw new InvalidInput(
      `${where}: dreamer "managed" needs a Managed Agents store (store: anthropic:<memory_store_id>)`,
    );
  return {
    fleet: raw.fleet,
    id: a.id,
    store: local(a.store),
    sessions: local(a.sessions),
    suite: a.suite ? local(a.suite) : '',
    ...((a.deriveSuite ?? d.deriveSuite) === false ? { deriveSuite: false } : {}),
    mode,
    threshold: a.threshold ?? d.threshold ?? agentDefaults.threshold,
    minNewSessions: a.minNewSessions ?? d.minNewSessions ?? agentDefaults.minNewSessions,
    reviewTimeoutMs: a.reviewTimeout ?? d.reviewTimeout ?? agentDefaults.reviewTimeoutMs,
    trustAfter: a.trustAfter ?? d.trustAfter ?? agentDefaults.trustAfter,
    dreamer,
    scorer: a.scorer ?? d.scorer ?? agentDefaults.scorer,
    claude: claudeSettings(a.claude, d.claude ?? {}),
    redreamAttempts: a.redreamAttempts ?? d.redreamAttempts ?? agentDefaults.redreamAttempts,
    ...(raw.batch ? { batch: true } : {}),
    ...(evaluator ? { evaluator } : {}),
    reviewers,
    ...(reviewerKeys ? { reviewerKeys } : {}),
    owners: a.owners ?? d.owners ?? [],
    maxSessions: a.maxSessions ?? d.maxSessions ?? agentDefaults.maxSessions,
    ...(limits ? { limits } : {}),
    onQuarantine,
  };
}

/** The team store as the cycle runs it: an automatic agent whose dream gathers the agents' shared lessons. */
function teamAgent(raw: RawFleet, agents: AgentConfig[], local: (p: string) => string): AgentConfig {
  return {
    ...agents[0]!,
    id: teamId,
    store: local(raw.teamStore!),
    sessions: agents[0]!.sessions,
    suite: raw.teamSuite ? local(raw.teamSuite) : '',
    mode: 'automatic' as const,
    minNewSessions: 0,
    dreamer: 'team-lessons' as const,
    sources: agents.map((a) => ({ id: a.id, store: a.store, ...(a.limits ? { limits: a.limits } : {}) })),
    reviewers: [],
    reviewerKeys: undefined,
    evaluator: undefined,
    onQuarantine: 'notify' as const,
  };
}

/**
 * A fleet config from its bytes (a file, or an S3 object named by key and hash); paths resolve against
 * `file`'s directory. Its sha256 is what a cycle's input names, so the worker knows which configuration
 * the starter read.
 */
export function parseFleetConfig(bytes: Buffer, file: string, reserved: Reserved = {}): FleetConfig {
  const base = dirname(resolve(file));
  const raw = parseYaml(
    bytes.toString('utf8'),
    file,
    fleetSchema.superRefine((f, ctx) => checkPlaces(f, file, base, reserved, ctx)),
  );
  const local = (p: string) => localLocation(p, base);
  const notices: string[] = [];
  const agents = raw.agents.map((a, i) => agentConfig(raw, a, `${file}: agents[${i}] (${a.id})`, local, notices));
  const s = raw.schedule;
  return {
    file: resolve(file),
    sha256: createHash('sha256').update(bytes).digest('hex'),
    fleet: raw.fleet,
    ...(raw.taskQueue ? { taskQueue: raw.taskQueue } : {}),
    ...(raw.paging ? { paging: raw.paging } : {}),
    ...(raw.notify ? { notify: raw.notify } : {}),
    ...(raw.reviewDesk ? { reviewDesk: raw.reviewDesk } : {}),
    concurrency: raw.concurrency,
    batch: raw.batch,
    ...(s
      ? { schedule: { time: s.time, timezone: s.timezone, jitterMs: s.jitter, catchupWindowMs: s.catchupWindow } }
      : {}),
    ...(raw.teamStore ? { teamStore: local(raw.teamStore), team: teamAgent(raw, agents, local) } : {}),
    agents,
    notices,
  };
}

export function agentById(fleet: FleetConfig, id: string): AgentConfig {
  const a = fleet.agents.find((x) => x.id === id);
  if (!a)
    throw new InvalidInput(
      `agent "${id}" is not in ${fleet.file} (agents: ${fleet.agents.map((x) => x.id).join(', ')})`,
    );
  return a;
}
