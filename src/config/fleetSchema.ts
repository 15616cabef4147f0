import { z } from 'zod';
import { webhookUrlProblem } from '../notify/webhook.js';
import { parseDuration } from './duration.js';
import { isTaskQueue } from './scope.js';

/** The fleet file's shape (README "Fleet configuration"): what `parseFleetConfig` reads, checked by zod. */
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

export const claudeFields = z
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

export const fleetSchema = z
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

export type RawFleet = z.output<typeof fleetSchema>;
