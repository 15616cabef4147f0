import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { claudeDefaults, type ClaudeSettings } from '../dream/claude/dreamer.js';
import { expandHome } from '../memory/claudeCodePaths.js';
import { defaultLimits, type StoreLimits } from '../memory/limits.js';
import { webhookUrlProblem, type WebhookConfig } from '../notify/webhook.js';
import { InvalidInput } from '../util/errors.js';
import { parseDuration } from './duration.js';
import { overlapProblems, placeOf, type Named } from './overlap.js';
import { isTaskQueue, teamId } from './scope.js';
import { parseYaml } from './yamlFile.js';

const duration = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const ms = parseDuration(v);
  if (ms === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `expected a duration such as "90s", "30m", "24h" (got ${JSON.stringify(v)})`,
    });
    return z.NEVER;
  }
  return ms;
});
const agentId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'use letters, digits, ".", "_" and "-" (at most 64)');
const mode = z.enum(['review', 'automatic', 'hybrid']);
/** A reviewer's name: what decisions carry and `allowed_signers` names as the principal. */
export const reviewerNamePattern = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$/;
const reviewerName = z
  .string()
  .regex(reviewerNamePattern, 'use letters, digits, ".", "_", "@", "+" and "-" (at most 64)');
/** An SSH public key as `allowed_signers` (and a `.pub` file) writes it: `<type> <base64> [comment]`. */
export const sshKeyPattern =
  /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(?:256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com) [A-Za-z0-9+/]{16,8192}={0,3}(?: [^\n]{0,200})?$/;
const reviewer = z.union([
  reviewerName,
  z
    .object({
      name: reviewerName,
      key: z
        .string()
        .trim()
        .regex(sshKeyPattern, 'expected an SSH public key such as "ssh-ed25519 AAAAC3Nza… alice@laptop"'),
    })
    .strict(),
]);
const webhook = z
  .object({
    url: z.url().superRefine((url, ctx) => {
      const problem = webhookUrlProblem(url);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
    format: z.enum(['json', 'pagerduty', 'slack']).default('json'),
    routingKey: z.string().optional(),
  })
  .strict();

const claudeFields = z
  .object({
    model: z.string().min(1).optional(),
    maxOutputTokens: z.number().int().min(256).max(128_000).optional(),
    contextTokens: z.number().int().min(4_000).max(1_000_000).optional(),
    maxTokensPerDream: z.number().int().min(1_000).optional(),
    maxCostPerDreamUsd: z.number().positive().optional(),
    pollInterval: duration.optional(),
  })
  .strict();

const agentFields = {
  mode: mode.optional(),
  threshold: z.number().min(0).max(1).optional(),
  minNewSessions: z.number().int().min(0).optional(),
  reviewTimeout: duration.optional(),
  trustAfter: z.number().int().min(1).optional(),
  dreamer: z.enum(['heuristic', 'claude', 'managed']).optional(),
  scorer: z.enum(['deterministic', 'claude']).optional(),
  claude: claudeFields.optional(),
  redreamAttempts: z.number().int().min(0).max(5).optional(),
  evaluator: z.array(z.string().min(1)).min(1).optional(),
  reviewers: z.array(reviewer).optional(),
  owners: z.array(z.string().min(1)).optional(),
  maxSessions: z.number().int().min(1).max(1000).optional(),
  /** The store's limits (SPEC §1): files, and bytes per file; 2,000 and 102,400 unless given. */
  maxFiles: z.number().int().min(1).max(100_000).optional(),
  maxFileBytes: z.number().int().min(1).max(10_485_760).optional(),
  deriveSuite: z.boolean().optional(),
  /** A dream that quarantined a session waits for a reviewer (`review`, the default) or only tells the owners (`notify`). */
  onQuarantine: z.enum(['review', 'notify']).optional(),
};

const fleetSchema = z
  .object({
    fleet: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/),
    /** The task queue of this fleet's cycles (default `dreamgate-<fleet>`): a worker serving it polls it. */
    taskQueue: z
      .string()
      .refine(isTaskQueue, 'expected a task queue name: letters, digits and "._:/-", at most 200')
      .optional(),
    paging: webhook.optional(),
    notify: webhook.optional(),
    /** Where `dreamgate serve` is reachable for reviewers (behind the operator's proxy): review notices link there. */
    reviewDesk: z.url({ protocol: /^https?$/ }).optional(),
    concurrency: z.number().int().min(1).max(100).default(4),
    batch: z.boolean().default(false),
    schedule: z
      .object({
        time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:MM (24-hour)'),
        timezone: z.string().refine((tz) => {
          try {
            new Intl.DateTimeFormat('en', { timeZone: tz });
            return true;
          } catch {
            return false;
          }
        }, 'expected an IANA time zone such as "Europe/Berlin"'),
        jitter: duration.default(0),
        catchupWindow: duration.default(3_600_000),
      })
      .strict()
      .optional(),
    teamStore: z.string().min(1).optional(),
    teamSuite: z.string().min(1).optional(),
    defaults: z
      .object(agentFields)
      .strict()
      .nullish()
      .transform((d) => d ?? {}),
    agents: z
      .array(
        z
          .object({
            id: agentId,
            store: z
              .string()
              .min(1)
              .refine(
                (v) => !/^[a-z][a-z0-9+.-]+:/i.test(v) || /^(s3:\/\/|anthropic:.|claude-code:.)/.test(v),
                'expected a directory, s3://bucket/prefix/, anthropic:<memory_store_id> or claude-code:<project dir>',
              ),
            sessions: z
              .string()
              .min(1)
              .refine(
                (v) => !/^[a-z][a-z0-9+.-]+:/i.test(v) || /^(anthropic|claude-code|messages):./.test(v),
                'expected a directory, claude-code:<project dir>, messages:<dir> or anthropic:<agent_id>',
              ),
            suite: z.string().min(1).optional(),
            ...agentFields,
          })
          .strict(),
      )
      .min(1, 'a fleet needs at least one agent'),
  })
  .strict();

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
 * A location as the fleet file gives it, made absolute: a path, and the path of a `claude-code:` or
 * `messages:` location, is relative to the fleet file's folder; `~/` is the home directory.
 */
export function localLocation(p: string, base: string): string {
  const kind = /^(claude-code|messages):(.*)$/.exec(p);
  if (kind) return `${kind[1]}:${resolve(base, expandHome(kind[2]!))}`;
  return p.startsWith('s3://') || p.startsWith('anthropic:') || isAbsolute(p) ? p : resolve(base, expandHome(p));
}

/** What a fleet's stores must stay out of: dreamgate's own buckets and local state. */
export interface Reserved {
  /** The snapshots and audit buckets. */
  buckets?: string[];
  /** Local directories of dreamgate's own (the local stack's state, where the S3 gateway keeps its buckets). */
  dirs?: string[];
}

type RawFleet = z.output<typeof fleetSchema>;

/**
 * Every store against every other store, every agent's sessions, every suite and evaluator program, the
 * fleet file itself and dreamgate's own buckets: an overlap would let one agent's dream or reviewer rewrite
 * what belongs to another, or to the gate.
 */
function checkPlaces(raw: RawFleet, file: string, base: string, reserved: Reserved, ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  for (const [i, a] of raw.agents.entries()) {
    if (seen.has(a.id)) ctx.addIssue({ code: 'custom', path: ['agents', i, 'id'], message: `"${a.id}" is used twice` });
    seen.add(a.id);
  }
  if (seen.size < raw.agents.length) return;
  const local = (p: string) => localLocation(p, base);
  // a Claude Code project's memory lives under Claude Code's own folder: two agents may not share one project
  const storePlace = (p: string) =>
    p.startsWith('claude-code:') ? { kind: 'managed' as const, id: local(p) } : placeOf(local(p));
  const stores: Named[] = raw.agents.map((a, i) => ({
    at: ['agents', i, 'store'],
    label: `the store of ${a.id}`,
    place: storePlace(a.store),
  }));
  if (raw.teamStore) stores.push({ at: ['teamStore'], label: 'the team store', place: placeOf(local(raw.teamStore)) });
  const others: Named[] = [{ at: [], label: `the fleet file ${file}`, place: placeOf(resolve(file), 'file') }];
  raw.agents.forEach((a, i) => {
    if (!/^(anthropic|claude-code):/.test(a.sessions))
      others.push({
        at: ['agents', i, 'sessions'],
        label: `the sessions of ${a.id}`,
        place: a.sessions.startsWith('messages:')
          ? placeOf(local(a.sessions).slice('messages:'.length))
          : placeOf(resolve(local(a.sessions), a.id)),
      });
    if (a.suite)
      others.push({
        at: ['agents', i, 'suite'],
        label: `the suite of ${a.id}`,
        place: placeOf(local(a.suite), 'file'),
      });
    const program = (a.evaluator ?? raw.defaults.evaluator)?.[0];
    if (program?.includes('/'))
      others.push({
        at: ['agents', i, 'evaluator'],
        label: `the evaluator of ${a.id}`,
        place: placeOf(local(program), 'file'),
      });
  });
  if (raw.teamSuite)
    others.push({ at: ['teamSuite'], label: 'the team suite', place: placeOf(local(raw.teamSuite), 'file') });
  const dirs: Named[] = (reserved.dirs ?? []).map((d) => ({
    at: [],
    label: `dreamgate's own state (${d})`,
    place: placeOf(d),
  }));
  for (const p of overlapProblems(stores, others, { buckets: reserved.buckets ?? [], dirs }))
    ctx.addIssue({ code: 'custom', path: p.at, message: p.message });
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
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const local = (p: string) => localLocation(p, base);
  const notices: string[] = [];
  const agents = raw.agents.map((a, i): AgentConfig => {
    const d = raw.defaults;
    const mode = a.mode ?? d.mode ?? agentDefaults.mode;
    const entries = a.reviewers ?? d.reviewers ?? [];
    const reviewers = entries.map((r) => (typeof r === 'string' ? r : r.name));
    if (mode !== 'automatic' && reviewers.length === 0)
      throw new InvalidInput(`${file}: agents[${i}] (${a.id}): mode "${mode}" needs at least one reviewer`);
    const keyed = entries.flatMap((r) =>
      typeof r === 'string' ? [] : [[r.name, r.key.split(' ').slice(0, 2).join(' ')]],
    );
    if (new Set(reviewers).size !== reviewers.length)
      throw new InvalidInput(`${file}: agents[${i}] (${a.id}): a reviewer is listed twice`);
    if (keyed.length > 0 && keyed.length < reviewers.length) {
      const unkeyed = reviewers.filter((r) => !keyed.some(([n]) => n === r));
      throw new InvalidInput(
        `${file}: agents[${i}] (${a.id}): reviewers ${unkeyed.join(', ')} have no key while others do; decisions on this agent must be signed, so give every reviewer a key (or none)`,
      );
    }
    const evaluator = a.evaluator ?? d.evaluator;
    if (!a.suite && (a.deriveSuite ?? d.deriveSuite) === false && !evaluator)
      throw new InvalidInput(
        `${file}: agents[${i}] (${a.id}): deriveSuite is false and there is no suite or evaluator: the gate would have nothing to check`,
      );
    // a quarantine waits for a reviewer, unless the fleet says otherwise or there is nobody to wait for
    const asked = a.onQuarantine ?? d.onQuarantine;
    if (asked === 'review' && reviewers.length === 0)
      throw new InvalidInput(`${file}: agents[${i}] (${a.id}): onQuarantine "review" needs at least one reviewer`);
    const onQuarantine = asked ?? (reviewers.length > 0 ? 'review' : 'notify');
    if (!asked && onQuarantine === 'notify')
      notices.push(
        `${a.id}: automatic with no reviewers, so a dream that quarantines a session goes on and notifies the owners (onQuarantine: notify)`,
      );
    const dreamer = a.dreamer ?? d.dreamer ?? agentDefaults.dreamer;
    const maxFiles = a.maxFiles ?? d.maxFiles;
    const maxFileBytes = a.maxFileBytes ?? d.maxFileBytes;
    const limits =
      maxFiles !== undefined || maxFileBytes !== undefined
        ? { maxFiles: maxFiles ?? defaultLimits.maxFiles, maxFileBytes: maxFileBytes ?? defaultLimits.maxFileBytes }
        : undefined;
    if (dreamer === 'managed' && !a.store.startsWith('anthropic:'))
      throw new InvalidInput(
        `${file}: agents[${i}] (${a.id}): dreamer "managed" needs a Managed Agents store (store: anthropic:<memory_store_id>)`,
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
      ...(keyed.length > 0 ? { reviewerKeys: Object.fromEntries(keyed) as Record<string, string> } : {}),
      owners: a.owners ?? d.owners ?? [],
      maxSessions: a.maxSessions ?? d.maxSessions ?? agentDefaults.maxSessions,
      ...(limits ? { limits } : {}),
      onQuarantine,
    };
  });
  return {
    file: resolve(file),
    sha256,
    fleet: raw.fleet,
    ...(raw.taskQueue ? { taskQueue: raw.taskQueue } : {}),
    ...(raw.paging ? { paging: raw.paging } : {}),
    ...(raw.notify ? { notify: raw.notify } : {}),
    ...(raw.reviewDesk ? { reviewDesk: raw.reviewDesk } : {}),
    concurrency: raw.concurrency,
    batch: raw.batch,
    ...(raw.schedule
      ? {
          schedule: {
            time: raw.schedule.time,
            timezone: raw.schedule.timezone,
            jitterMs: raw.schedule.jitter,
            catchupWindowMs: raw.schedule.catchupWindow,
          },
        }
      : {}),
    ...(raw.teamStore ? { teamStore: local(raw.teamStore) } : {}),
    ...(raw.teamStore
      ? {
          team: {
            ...agents[0]!,
            id: teamId,
            store: local(raw.teamStore),
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
          },
        }
      : {}),
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
