import { Context } from '@temporalio/activity';
import type Anthropic from '@anthropic-ai/sdk';
import type { S3Client } from '@aws-sdk/client-s3';
import { claudeClient } from '../src/anthropic/client.js';
import { batchSender, directSender, type BatchLedger } from '../src/anthropic/sender.js';
import type { AgentConfig, WebhookConfig } from '../src/config/fleet.js';
import type { AgentScope } from '../src/config/scope.js';
import { CycleObjects } from '../src/cycle/objects.js';
import { planPromotion } from '../src/cycle/promote.js';
import type { AgentState, DreamRef, EvalSummary, PromoteResult, Redream, SnapshotRef } from '../src/cycle/types.js';
import { ClaudeDreamer, type DreamFeedback } from '../src/dream/claude/dreamer.js';
import type { Dreamer } from '../src/dream/dreamer.js';
import { ManagedDreamer } from '../src/dream/managed.js';
import { ClaudeScorer, type AnswerCache, type CachedAnswer } from '../src/evaluate/claudeScorer.js';
import type { Evaluation } from '../src/evaluate/scorer.js';
import type { SelectOptions } from '../src/sessions/source.js';
import { HeuristicDreamer } from '../src/dream/heuristic.js';
import { refusedPaths } from '../src/dream/guard.js';
import { TeamLessonsDreamer } from '../src/dream/team.js';
import { runDream } from '../src/dream/run.js';
import { DeterministicScorer, ExternalScorer, type Scorer } from '../src/evaluate/scorer.js';
import { deriveCases, withDerived, type DerivedCase } from '../src/evaluate/derive.js';
import { loadSuite, type Suite } from '../src/evaluate/suite.js';
import { applyChanges } from '../src/memory/apply.js';
import { changeSetSchema, summarize, type Change, type ChangeSet } from '../src/memory/changeSet.js';
import { reconciled } from '../src/memory/adapter.js';
import { openStore } from '../src/memory/open.js';
import { MemoryStore } from '../src/memory/store.js';
import { sendWebhook, type Alert } from '../src/notify/webhook.js';
import { selectSessionsAt } from '../src/sessions/source.js';
import { AuditLog, type AuditRecord } from '../src/snapshots/audit.js';
import { RedactionIndex } from '../src/snapshots/redact.js';
import { SnapshotStore } from '../src/snapshots/snapshots.js';
import { InvalidInput } from '../src/util/errors.js';
import { activity, progress } from './activity.js';

export interface CycleDeps {
  s3: S3Client;
  snapshotsBucket: string;
  auditBucket: string;
  auditRetentionDays: number;
  /**
   * The Claude API client, made on first use (ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL). Its own retries are
   * off: Temporal retries the activity instead, after the server's retry-after.
   */
  claude?: () => Anthropic;
}

export type StoreTarget = { series: 'snapshot' | 'candidate'; id: string } | { series: 'live' };

const derivedKey = (agent: AgentConfig, cycleId: string) => CycleObjects.cycleKey(agent, cycleId, 'derived-suite.json');
// paths whose facts the dream no longer answers for (a reviewer's edits, the agent's writes since the snapshot)
const exemptName = 'derived-exempt.json';

export function cycleActivities(deps: CycleDeps) {
  const objects = new CycleObjects(deps.s3, deps.snapshotsBucket);
  const redactions = new RedactionIndex(deps.s3, deps.auditBucket);
  const snapshots = new SnapshotStore(deps.s3, deps.snapshotsBucket, 'snapshot', redactions);
  const candidates = new SnapshotStore(deps.s3, deps.snapshotsBucket, 'candidate', redactions);
  const audit = new AuditLog(deps.s3, deps.auditBucket, deps.auditRetentionDays);
  let client: Anthropic | undefined;
  const claude = () => (client ??= deps.claude ? deps.claude() : claudeClient({ maxRetries: 0 }));
  const live = (agent: AgentConfig) => openStore(agent.store, { s3: deps.s3, claude });
  const sessionsOf = (agent: AgentConfig, opts: SelectOptions) =>
    selectSessionsAt(agent.sessions, agent.id, opts, { claude });
  const answers: AnswerCache = {
    get: (key) => objects.getJson<CachedAnswer>(`eval-cache/${key}.json`),
    put: async (key, value) => void (await objects.putJson(`eval-cache/${key}.json`, value)),
  };

  function scorerFor(agent: AgentConfig): Scorer {
    if (agent.evaluator) return new ExternalScorer(agent.evaluator);
    if (agent.scorer === 'claude') return new ClaudeScorer(claude(), agent.claude, answers);
    return new DeterministicScorer();
  }

  /** The failing cases of a rejected candidate, from its eval report, for the next attempt. */
  async function feedbackFrom(agent: AgentConfig, cycleId: string, redo: Redream): Promise<DreamFeedback> {
    const report = await objects.getJson<Evaluation>(redo.reportKey);
    const derived = (await objects.getJson<DerivedCase[]>(derivedKey(agent, cycleId))) ?? [];
    const suite = withDerived(agent.suite ? await loadSuite(agent.suite) : undefined, derived);
    const question = (id: string) => suite.cases.find((c) => c.id === id)?.question;
    return {
      attempt: redo.attempt,
      score: redo.score,
      baseline: redo.baseline,
      failing: (report?.cases ?? [])
        .filter((c) => !c.passed)
        .map((c) => ({ id: c.id, ...(question(c.id) ? { question: question(c.id)! } : {}), reasons: c.reasons })),
    };
  }

  /**
   * The suite of a cycle: the hand-written one beside the cases derived from the baseline store and the
   * sessions. They are derived once, at the baseline eval, and kept in S3, so every later eval of the cycle
   * (post, revised, verify) asks the same questions.
   */
  async function suiteFor(
    agent: AgentConfig,
    cycleId: string,
    target: StoreTarget,
    store: MemoryStore,
  ): Promise<Suite> {
    const written = agent.suite ? await loadSuite(agent.suite) : undefined;
    if (agent.deriveSuite === false) return written ?? { file: '(no suite)', cases: [] };
    const key = derivedKey(agent, cycleId);
    let derived = await objects.getJson<DerivedCase[]>(key);
    if (!derived) {
      if (target.series !== 'snapshot') throw new Error(`derived suite ${key} is missing: the baseline eval makes it`);
      const sessions =
        agent.dreamer === 'team-lessons' ? [] : (await sessionsOf(agent, { limit: agent.maxSessions })).sessions;
      derived = await deriveCases(store, sessions);
      await objects.putJson(key, derived);
    }
    const exempt = (await objects.getJson<string[]>(CycleObjects.cycleKey(agent, cycleId, exemptName))) ?? [];
    return withDerived(written, derived, exempt);
  }

  async function exemptFromRetention(key: string, paths: readonly string[]): Promise<void> {
    if (paths.length === 0) return;
    const before = (await objects.getJson<string[]>(key)) ?? [];
    await objects.putJson(key, [...new Set([...before, ...paths])].sort());
  }

  async function dreamerFor(agent: AgentConfig, cycleId: string, redo: Redream | undefined): Promise<Dreamer> {
    switch (agent.dreamer) {
      case 'team-lessons':
        return new TeamLessonsDreamer(
          await Promise.all(
            (agent.sources ?? []).map(async (s) => ({
              id: s.id,
              store: await openStore(s.store, { s3: deps.s3, claude }).read(),
            })),
          ),
        );
      case 'claude': {
        const spent = redo?.spent ?? { tokens: 0, costUsd: 0 };
        const budget = {
          maxTokens: agent.claude.budget.maxTokens - spent.tokens,
          maxCostUsd: agent.claude.budget.maxCostUsd - spent.costUsd,
        };
        const ledger: BatchLedger = {
          get: (key) => objects.getJson(CycleObjects.cycleKey(agent, cycleId, `batches/${key}.json`)),
          put: async (key, value) =>
            void (await objects.putJson(CycleObjects.cycleKey(agent, cycleId, `batches/${key}.json`), value)),
        };
        const sender = agent.batch
          ? batchSender(claude(), ledger, { pollIntervalMs: agent.claude.pollIntervalMs, onProgress: progress })
          : directSender(claude());
        const feedback = redo && (await feedbackFrom(agent, cycleId, redo));
        return new ClaudeDreamer(claude(), { ...agent.claude, budget }, feedback, progress, sender);
      }
      case 'managed':
        return new ManagedDreamer(
          claude(),
          {
            model: agent.claude.model,
            memoryStoreId: agent.store.slice('anthropic:'.length),
            pollIntervalMs: agent.claude.pollIntervalMs,
          },
          progress,
        );
      default:
        return new HeuristicDreamer();
    }
  }

  async function storeOf(agent: AgentConfig, target: StoreTarget): Promise<MemoryStore> {
    if (target.series === 'live') return live(agent).read();
    return (target.series === 'snapshot' ? snapshots : candidates).restore(agent, target.id);
  }

  async function loadChangeSet(key: string): Promise<ChangeSet> {
    const raw = await objects.getJson<unknown>(key);
    if (raw === undefined) throw new InvalidInput(`change set ${key} does not exist`);
    return changeSetSchema.parse(raw);
  }

  async function storeCandidate(
    agent: AgentConfig,
    cycleId: string,
    name: string,
    store: MemoryStore,
    cs: ChangeSet,
    newestSessionAt: number | null,
  ): Promise<DreamRef> {
    const candidate = await candidates.take(agent, store, `${cycleId}/${name}`);
    const { key, sha256 } = await objects.putJson(CycleObjects.cycleKey(agent, cycleId, `${name}.changeset.json`), cs);
    return {
      candidateId: candidate.id,
      candidateSha256: candidate.sha256,
      changeSetKey: key,
      changeSetId: sha256,
      summary: summarize(cs),
      paths: cs.changes.map((c) => c.path),
      newestSessionAt,
      sessionsUsed: cs.sessions?.used.length ?? 0,
      dropped: cs.dropped?.length ?? 0,
      ...(cs.usage ? { usage: cs.usage } : {}),
    };
  }

  return {
    loadAgentState: activity(async (agent: AgentScope): Promise<AgentState> => {
      return (
        (await objects.getJson<AgentState>(CycleObjects.stateKey(agent))) ?? {
          lastKeptSessionAt: null,
          consecutiveApprovals: 0,
        }
      );
    }),

    saveAgentState: activity(async (agent: AgentScope, state: AgentState): Promise<void> => {
      await objects.putJson(CycleObjects.stateKey(agent), state);
    }),

    takeSnapshot: activity(async (agent: AgentConfig, cycleId: string): Promise<SnapshotRef> => {
      const store = await live(agent).read();
      const s = await snapshots.take(agent, store, `${cycleId}/snapshot`);
      return { snapshotId: s.id, sha256: s.sha256, files: s.files };
    }),

    countNewSessions: activity(
      async (agent: AgentConfig, since: number | null): Promise<{ count: number; invalid: number }> => {
        if (agent.dreamer === 'team-lessons') return { count: 0, invalid: 0 }; // the team store reads stores, not sessions
        const sel = await sessionsOf(agent, {
          ...(since !== null ? { since } : {}),
          limit: agent.maxSessions,
        });
        return { count: sel.sessions.length, invalid: sel.invalid.length };
      },
    ),

    evaluate: activity(
      async (agent: AgentConfig, cycleId: string, step: string, target: StoreTarget): Promise<EvalSummary> => {
        const store = await storeOf(agent, target);
        const suite = await suiteFor(agent, cycleId, target, store);
        const scorer = scorerFor(agent);
        progress(`evaluating ${step}`);
        const result = await scorer.evaluate(store, suite, Context.current().cancellationSignal);
        const { key } = await objects.putJson(CycleObjects.cycleKey(agent, cycleId, `eval-${step}.json`), {
          target,
          storeSha256: store.hash(),
          ...result,
        });
        return {
          score: result.score,
          passed: result.cases.filter((c) => c.passed).length,
          cases: result.cases.length,
          reportKey: key,
          failing: result.cases.filter((c) => !c.passed).map((c) => c.id),
          duplicateRatio: result.health.duplicateRatio,
          contradictions: result.health.contradictions,
          ...(result.usage ? { costUsd: result.usage.cost_usd } : {}),
        };
      },
    ),

    dream: activity(
      async (agent: AgentConfig, cycleId: string, snapshotId: string, redo?: Redream): Promise<DreamRef> => {
        const ctx = Context.current();
        const store = await snapshots.restore(agent, snapshotId);
        progress('reading sessions');
        const sessions =
          agent.dreamer === 'team-lessons'
            ? { sessions: [], invalid: [] }
            : await sessionsOf(agent, { limit: agent.maxSessions, signal: ctx.cancellationSignal });
        const dreamer = await dreamerFor(agent, cycleId, redo);
        progress(`dreaming over ${sessions.sessions.length} sessions`);
        const dreamed = await runDream(
          dreamer,
          { agentId: agent.id, snapshotId, store, sessions },
          ctx.cancellationSignal,
        );
        const result = reconciled(live(agent), store, dreamed);
        const newest = sessions.sessions.length > 0 ? Math.max(...sessions.sessions.map((s) => s.endedAt)) : null;
        const name = redo ? `dream-${redo.attempt + 1}` : 'dream';
        return storeCandidate(agent, cycleId, name, result.store, result.changeSet, newest);
      },
    ),

    /** A reviewer's narrowed or edited change set, as a new candidate to be evaluated again. */
    reviseChangeSet: activity(
      async (
        agent: AgentConfig,
        cycleId: string,
        snapshotId: string,
        base: DreamRef,
        edit: { onlyPaths?: string[]; editedKey?: string; editedSha256?: string; revision: number },
      ): Promise<DreamRef> => {
        const cs = await loadChangeSet(base.changeSetKey);
        const snapshot = await snapshots.restore(agent, snapshotId);
        let changes: Change[] = cs.changes;
        const reviewerPaths: string[] = [];
        if (edit.onlyPaths) {
          const unknown = edit.onlyPaths.filter((p) => !changes.some((c) => c.path === p));
          if (unknown.length > 0)
            throw new InvalidInput(`--only ${unknown.join(', ')}: not in change set ${base.changeSetId.slice(0, 12)}`);
          changes = changes.filter((c) => edit.onlyPaths!.includes(c.path));
        }
        if (edit.editedKey) {
          const text = await objects.getText(edit.editedKey);
          if (text === undefined) throw new InvalidInput(`edited contents ${edit.editedKey} do not exist`);
          const { createHash } = await import('node:crypto');
          if (edit.editedSha256 && createHash('sha256').update(text).digest('hex') !== edit.editedSha256)
            throw new InvalidInput(`edited contents ${edit.editedKey} do not match their sha256`);
          const edited = JSON.parse(text) as Record<string, string>;
          reviewerPaths.push(...Object.keys(edited));
          for (const [path, content] of Object.entries(edited)) {
            const i = changes.findIndex((c) => c.path === path);
            const before = snapshot.fileHash(path);
            const change: Change = before
              ? {
                  op: 'update',
                  path,
                  before_sha256: before,
                  after: content,
                  reason: changes[i]?.reason ?? 'reorganize',
                  detail: `edited by the reviewer${changes[i] ? `; was: ${changes[i]!.detail}` : ''}`,
                  evidence: changes[i]?.evidence ?? [],
                }
              : {
                  op: 'create',
                  path,
                  after: content,
                  reason: changes[i]?.reason ?? 'reorganize',
                  detail: 'written by the reviewer',
                  evidence: [],
                };
            if (i === -1) changes = [...changes, change];
            else changes = changes.map((c, j) => (j === i ? change : c));
          }
        }
        ({ changes } = live(agent).reconcile?.(snapshot, { ...cs, changes }) ?? { changes });
        const candidate = applyChanges(snapshot, { changes });
        await exemptFromRetention(CycleObjects.cycleKey(agent, cycleId, exemptName), reviewerPaths);
        const refused = await refusedPaths(snapshot, candidate);
        if (refused.length > 0)
          throw new InvalidInput(
            `edited change set refused: ${refused.map((r) => `${r.path} ${r.reason}`).join('; ')}`,
          );
        const revised: ChangeSet = { ...cs, changes };
        return storeCandidate(agent, cycleId, `revision-${edit.revision}`, candidate, revised, base.newestSessionAt);
      },
    ),

    promote: activity(async (agent: AgentConfig, snapshotId: string, changeSetKey: string): Promise<PromoteResult> => {
      const cs = await loadChangeSet(changeSetKey);
      const snapshot = await snapshots.restore(agent, snapshotId);
      const store = live(agent);
      const plan = planPromotion(snapshot, await store.read(), cs.changes);
      // the change set lives beside the cycle's other objects: the agent's own writes are its to answer for
      await exemptFromRetention(
        `${changeSetKey.slice(0, changeSetKey.lastIndexOf('/'))}/${exemptName}`,
        plan.agentWrites,
      );
      if (!plan.alreadyApplied) await store.apply(plan.remaining);
      return { expectedSha256: plan.target.hash(), rebased: plan.rebased, agentWrites: plan.agentWrites };
    }),

    /** Did every change land as written? (The agent's own writes elsewhere do not count against it.) */
    verifyLive: activity(
      async (
        agent: AgentConfig,
        snapshotId: string,
        changeSetKey: string,
      ): Promise<{ matches: boolean; mismatched: string[]; sha256: string }> => {
        const cs = await loadChangeSet(changeSetKey);
        const target = applyChanges(await snapshots.restore(agent, snapshotId), cs);
        const now = await live(agent).read();
        const mismatched = cs.changes
          .flatMap((c) => [c.path, ...(c.new_path ? [c.new_path] : [])])
          .filter((p) => now.get(p) !== target.get(p));
        return { matches: mismatched.length === 0, mismatched, sha256: now.hash() };
      },
    ),

    /**
     * Undoes a promotion path by path: each touched path goes back to its snapshot content, unless the
     * agent has written it since (then the agent's write stays, and is reported).
     */
    rollback: activity(
      async (
        agent: AgentConfig,
        snapshotId: string,
        changeSetKey: string,
      ): Promise<{ restored: string[]; keptAgentWrites: string[] }> => {
        const cs = await loadChangeSet(changeSetKey);
        const snapshot = await snapshots.restore(agent, snapshotId);
        const target = applyChanges(snapshot, cs);
        const store = live(agent);
        const now = await store.read();
        const inverse: Change[] = [];
        const kept: string[] = [];
        for (const p of new Set(cs.changes.flatMap((c) => [c.path, ...(c.new_path ? [c.new_path] : [])]))) {
          const ours = target.get(p);
          const original = snapshot.get(p);
          const current = now.get(p);
          if (current === original) continue; // already restored (a retried rollback)
          if (current !== ours) {
            kept.push(p);
            continue;
          }
          if (original === undefined)
            inverse.push({
              op: 'delete',
              path: p,
              before_sha256: now.fileHash(p)!,
              reason: 'reorganize',
              detail: 'rollback',
              evidence: [],
            });
          else if (current === undefined)
            inverse.push({
              op: 'create',
              path: p,
              after: original,
              reason: 'reorganize',
              detail: 'rollback',
              evidence: [],
            });
          else
            inverse.push({
              op: 'update',
              path: p,
              before_sha256: now.fileHash(p)!,
              after: original,
              reason: 'reorganize',
              detail: 'rollback',
              evidence: [],
            });
        }
        if (inverse.length > 0) await store.apply(inverse);
        return { restored: inverse.map((c) => c.path), keptAgentWrites: kept };
      },
    ),

    /** Pages on-call (or notifies owners) once per cycle and kind: a retry never sends twice. */
    alert: activity(
      async (
        target: WebhookConfig | undefined,
        agent: AgentScope,
        cycleId: string,
        kind: 'page' | 'notify',
        alert: Alert,
      ): Promise<{ sent: boolean }> => {
        if (!target) return { sent: false };
        const marker = CycleObjects.cycleKey(agent, cycleId, `${kind}.sent`);
        if (await objects.exists(marker)) return { sent: false };
        await sendWebhook(target, alert, Context.current().cancellationSignal);
        await objects.markOnce(marker);
        return { sent: true };
      },
    ),

    /**
     * Appends a record and returns its sha256, the next record's `prev`. A caller that does not yet keep the
     * chain's head passes no `prev`: it is then read from the log (the newest record before this one).
     */
    recordAudit: activity(async (record: AuditRecord): Promise<{ key: string; sha256: string }> => {
      const prev =
        record.prev !== undefined
          ? record.prev
          : await audit.head({ fleet: record.fleet ?? '', id: record.agent_id }, audit.key(record));
      const { key, sha256 } = await audit.append({ ...record, prev });
      return { key, sha256 };
    }),
  };
}
