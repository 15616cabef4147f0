import type Anthropic from '@anthropic-ai/sdk';
import { Context, log } from '@temporalio/activity';
import type { S3Client } from '@aws-sdk/client-s3';
import { claudeClient } from '../src/anthropic/client.js';
import type { AgentConfig, FleetConfig } from '../src/config/fleet.js';
import { FleetNotServed, type FleetRegistry } from '../src/config/registry.js';
import { cycleWorkflowId, type AgentScope } from '../src/names/scope.js';
import { bindingOf, checkRef, Unauthorized } from '../src/cycle/authority.js';
import { CycleObjects } from '../src/cycle/objects.js';
import { keepRefusal, type Refusal } from '../src/cycle/refusals.js';
import type { Binding } from '../src/cycle/seal.js';
import type { WorkerKey } from '../src/cycle/workerKey.js';
import type { CycleRef } from '../src/cycle/types.js';
import { ClaudeScorer, type AnswerCache, type CachedAnswer } from '../src/evaluate/claudeScorer.js';
import { DeterministicScorer, ExternalScorer, type Scorer } from '../src/evaluate/scorer.js';
import { openStore } from '../src/sources/openStore.js';
import { selectSessionsAt, type SelectOptions } from '../src/sources/sessions.js';
import { AuditLog } from '../src/audit/audit.js';
import { RedactionIndex } from '../src/snapshots/redact.js';
import { ownKey } from '../src/audit/signatures.js';
import { SnapshotStore } from '../src/snapshots/snapshots.js';

export interface CycleDeps {
  s3: S3Client;
  snapshotsBucket: string;
  auditBucket: string;
  auditRetentionDays: number;
  /** The fleets this worker serves: the only source of stores, sessions, commands, reviewers and webhooks. */
  fleets: FleetRegistry;
  /** The Temporal UI's page of a workflow run, for pages and review notices. */
  uiUrl?: (workflowId: string, runId?: string) => string;
  /**
   * The Claude API client, made on first use (ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL). Its own retries are
   * off: Temporal retries the activity instead, after the server's retry-after.
   */
  claude?: () => Anthropic;
  /** How long a promotion waits for a store's consolidation lock (default in the workflow: 90 minutes). */
  lockWaitMs?: number;
  /** The workers' key: seals proofs, signs audit records and markers. Read from a file, never from a payload. */
  key: WorkerKey;
  /** Where refusals go (tests); by default the audit bucket, and always the worker's log. */
  keepRefusal?: (scope: AgentScope, r: Refusal) => Promise<unknown>;
}

/** A fleet file the worker could not read again: said in its log, the previous configuration kept. */
const warn = (line: string) => log.warn(line);

/** An agent as the worker configures it, for one cycle. */
export interface Agent {
  scope: AgentScope;
  fleet: FleetConfig;
  config: AgentConfig;
  configHash: string;
}

/** An agent, for a cycle run that opened on a worker: the cycle's id, and what proofs are bound to. */
export interface Authorized extends Agent {
  /** The cycle's id (its first run's id): the calling run, or the run it continues (see `continueCycle`). */
  run: string;
  binding: Binding;
  /** The checked reference (its mode is what the cycle opened as). */
  ref: CycleRef;
}

/** The run that scheduled the current activity, as Temporal names it: no argument can change it. */
export function caller(): { workflowId: string; runId: string; workflowType: string; activity: string } {
  const info = Context.current().info;
  return {
    workflowId: info.workflowExecution?.workflowId ?? '',
    runId: info.workflowExecution?.runId ?? '',
    workflowType: info.workflowType ?? '',
    activity: info.activityType,
  };
}

/** What every activity works with: the worker's fleets, S3 and the Claude client, made once. */
export class CycleContext {
  readonly objects: CycleObjects;
  readonly snapshots: SnapshotStore;
  readonly candidates: SnapshotStore;
  readonly audit: AuditLog;
  readonly redactions: RedactionIndex;
  private client?: Anthropic;

  constructor(readonly deps: CycleDeps) {
    this.objects = new CycleObjects(deps.s3, deps.snapshotsBucket);
    // a snapshot whose blobs `dreamgate redact` replaced is restored through the redaction markers
    const redactions = (this.redactions = new RedactionIndex(deps.s3, deps.auditBucket, () => [ownKey(deps.key)]));
    this.snapshots = new SnapshotStore(deps.s3, deps.snapshotsBucket, 'snapshot', redactions);
    this.candidates = new SnapshotStore(deps.s3, deps.snapshotsBucket, 'candidate', redactions);
    this.audit = new AuditLog(deps.s3, deps.auditBucket, deps.auditRetentionDays);
  }

  get key(): WorkerKey {
    return this.deps.key;
  }

  /**
   * Every activity of a cycle starts here: the agent from the worker's configuration, and proof that the
   * calling run is a cycle that opened on a worker (its reference sealed for this very run, at its opening or
   * at a checked continuation) under the agent's one workflow id. Anything else is refused, and the refusal kept.
   */
  async authorize(cycle: CycleRef): Promise<Authorized> {
    const who = caller();
    if (typeof cycle !== 'object' || cycle === null) return this.refuse(undefined, 'the call names no cycle');
    const a = await this.agent(cycle);
    const why =
      checkRef(this.key.seal, cycle, who.runId) ??
      (who.workflowId !== cycleWorkflowId(a.scope)
        ? `it runs as workflow ${who.workflowId}, not the agent's ${cycleWorkflowId(a.scope)}`
        : undefined);
    if (why) return this.refuse(a.scope, why);
    // a run that continued the cycle as new shows a reference re-sealed for it: proofs stay the cycle's
    return { ...a, run: cycle.cycleId, binding: bindingOf(a.scope, cycle.cycleId), ref: cycle };
  }

  /** Refuses the current activity: logged, kept beside the agent's log when it names one, then thrown. */
  async refuse(scope: AgentScope | undefined, why: string): Promise<never> {
    const who = caller();
    const r: Refusal = { ...who, why, at: new Date().toISOString() };
    log.warn(`refused ${who.activity} for workflow ${who.workflowId} (${who.workflowType}, run ${who.runId}): ${why}`);
    if (scope) {
      const keep =
        this.deps.keepRefusal ??
        ((s: AgentScope, x: Refusal) => keepRefusal(this.deps.s3, this.deps.auditBucket, s, x));
      await keep(scope, r).catch((err: unknown) => log.warn(`refusal not kept: ${(err as Error).message}`));
    }
    throw new Unauthorized(`${who.activity} refused: ${why}`);
  }

  claude = (): Anthropic => (this.client ??= this.deps.claude ? this.deps.claude() : claudeClient({ maxRetries: 0 }));

  /**
   * The agent a cycle names, from the worker's own configuration. `strict` (a cycle opening) refuses a
   * configuration hash the worker does not hold; later steps of a cycle under way use the current one then.
   */
  async agent(ref: Pick<CycleRef, 'fleet' | 'agent' | 'configHash'>, strict = false): Promise<Agent> {
    await this.deps.fleets.refresh(undefined, warn);
    let r;
    try {
      r = this.deps.fleets.resolve(ref, { strict });
    } catch {
      // a configuration the worker does not hold may be an edit it has not read yet: read now, then decide
      await this.deps.fleets.refresh(0, warn);
      try {
        r = this.deps.fleets.resolve(ref, { strict });
      } catch (err) {
        if (err instanceof FleetNotServed) this.leftForAnother(err);
        throw err;
      }
    }
    return {
      scope: { fleet: r.fleet.fleet, id: r.agent.id },
      fleet: r.fleet,
      config: r.agent,
      configHash: r.configHash,
    };
  }

  /** Runs whose steps this worker left for another, said once each in the worker's log. */
  private readonly left = new Set<string>();

  private leftForAnother(err: FleetNotServed): void {
    const info = Context.current().info;
    const run = `${info.workflowExecution?.workflowId ?? '?'} (run ${info.workflowExecution?.runId ?? '?'})`;
    if (this.left.has(run)) return;
    if (this.left.size > 1_000) this.left.clear();
    this.left.add(run);
    log.warn(
      `left ${run} for another worker on task queue "${info.taskQueue}": ${err.message}; it is retried until a worker serving it takes it`,
    );
  }

  live(agent: AgentConfig) {
    return openStore(agent.store, {
      s3: this.deps.s3,
      claude: this.claude,
      ...(agent.limits ? { limits: agent.limits } : {}),
    });
  }

  /** The agent's sessions, wherever they are (a directory, Claude Code, Messages API logs, Managed Agents). */
  sessionsOf(agent: AgentConfig, opts: SelectOptions) {
    return selectSessionsAt(agent.sessions, agent.id, opts, { claude: this.claude });
  }

  scorerFor(agent: AgentConfig): Scorer {
    if (agent.evaluator) return new ExternalScorer(agent.evaluator);
    if (agent.scorer === 'claude') return new ClaudeScorer(this.claude(), agent.claude, this.answers);
    return new DeterministicScorer();
  }

  /** A model scorer's answers, by (model, store hash, question): an unchanged store is not paid for twice. */
  private readonly answers: AnswerCache = {
    get: (key) => this.objects.getJson<CachedAnswer>(`eval-cache/${key}.json`),
    put: async (key, value) => void (await this.objects.putJson(`eval-cache/${key}.json`, value)),
  };
}
