import { Context } from '@temporalio/activity';
import { LRUCache } from 'lru-cache';
import { proofKinds } from '../src/cycle/authority.js';
import { derivedExemptKey, derivedSuiteKey, evalReportKey } from '../src/names/keys.js';
import { seal } from '../src/cycle/seal.js';
import type { CycleRef, EvalSummary, StoreTarget } from '../src/cycle/types.js';
import { deriveCases, withDerived, type DerivedCase } from '../src/evaluate/derive.js';
import { loadSuite, type Suite } from '../src/evaluate/suite.js';
import type { MemoryStore } from '../src/memory/store.js';
import { clearedWithBlobCaches } from '../src/util/blobCache.js';
import { activity, progress } from './activity.js';
import type { Agent, Authorized, CycleContext } from './context.js';

export type { StoreTarget } from '../src/cycle/types.js';

const isTarget = (t: unknown): t is StoreTarget =>
  typeof t === 'object' &&
  t !== null &&
  ((t as StoreTarget).series === 'live' ||
    (((t as StoreTarget).series === 'snapshot' || (t as StoreTarget).series === 'candidate') &&
      typeof (t as { id?: unknown }).id === 'string' &&
      /^[A-Za-z0-9._-]{1,128}$/.test((t as { id: string }).id)));

export async function storeOf(w: CycleContext, a: Agent, target: StoreTarget): Promise<MemoryStore> {
  if (target.series === 'live') return w.live(a.config).read();
  return (target.series === 'snapshot' ? w.snapshots : w.candidates).restore(a.scope, target.id);
}

/** The cases derived from the baseline store and the sessions, kept beside the cycle's other objects. */
export const derivedKey = (a: Agent, cycleId: string) => derivedSuiteKey(a.scope, cycleId);
/** Paths whose facts the dream no longer answers for: a reviewer's edits, the agent's writes since the snapshot. */
export const exemptKey = (a: Agent, cycleId: string) => derivedExemptKey(a.scope, cycleId);

/** Adds paths to the cycle's list of paths exempt from the derived retention cases. */
export async function exemptFromRetention(w: CycleContext, a: Agent, cycleId: string, paths: readonly string[]) {
  if (paths.length === 0) return;
  const key = exemptKey(a, cycleId);
  const before = (await w.objects.getJson<string[]>(key)) ?? [];
  await w.objects.putJson(key, [...new Set([...before, ...paths])].sort());
}

/**
 * The suite of a cycle: the hand-written one beside the cases derived from the baseline store and the
 * sessions. They are derived once, at the baseline eval, and kept in S3, so every later eval of the cycle
 * (post, revised, verify) asks the same questions.
 */
export async function suiteFor(
  w: CycleContext,
  a: Agent,
  cycleId: string,
  target: StoreTarget,
  store: MemoryStore,
): Promise<Suite> {
  const agent = a.config;
  const written = agent.suite ? await loadSuite(agent.suite) : undefined;
  if (agent.deriveSuite === false) return written ?? { file: '(no suite)', cases: [] };
  const key = derivedKey(a, cycleId);
  const [found, exempt] = await Promise.all([
    derivedCases(w, key),
    w.objects.getJson<string[]>(exemptKey(a, cycleId)).then((x) => x ?? []),
  ]);
  let derived = found;
  if (!derived) {
    if (target.series !== 'snapshot') throw new Error(`derived suite ${key} is missing: the baseline eval makes it`);
    const sessions =
      agent.dreamer === 'team-lessons' ? [] : (await w.sessionsOf(agent, { limit: agent.maxSessions })).sessions;
    const cases = await deriveCases(store, sessions);
    const { etag } = await w.objects.putJsonTagged(key, cases);
    if (etag) derivedSuites.set(key, { etag, cases, suites: new Map() });
    derived = { cases, ...(etag ? { etag } : {}) };
  }
  // the suite made of these very cases, exemptions and written suite before: reused, as it is only read
  const known = derived.etag === undefined ? undefined : derivedSuites.get(key);
  const made = `${JSON.stringify(exempt)}\0${JSON.stringify(written ?? null)}`;
  const same = known && known.etag === derived.etag ? known : undefined;
  const hit = same?.suites.get(made);
  if (hit) return hit;
  const suite = withDerived(written, derived.cases, exempt);
  same?.suites.set(made, suite);
  return suite;
}

/**
 * Derived suites this worker wrote or read, by key, with the ETag of the object as S3 gave it (and the suites
 * made of them): a later eval of the cycle asks S3 whether the object is still that one (a conditional GET,
 * no body when it is) instead of downloading and parsing it again. A derived suite of a large store is
 * megabytes (every fact is a retention item).
 */
const derivedSuites = new LRUCache<string, { etag: string; cases: DerivedCase[]; suites: Map<string, Suite> }>({
  max: 8,
});
clearedWithBlobCaches(derivedSuites);

/** The cycle's derived cases: from memory when S3 still holds the object they were read from or written as. */
async function derivedCases(
  w: CycleContext,
  key: string,
): Promise<{ cases: DerivedCase[]; etag?: string } | undefined> {
  const known = derivedSuites.get(key);
  const got = await w.objects.getJsonUnless<DerivedCase[]>(key, known?.etag);
  if (got === 'unchanged') return { cases: known!.cases, etag: known!.etag };
  if (!got) return undefined;
  if (got.etag) derivedSuites.set(key, { etag: got.etag, cases: got.value, suites: new Map() });
  return { cases: got.value, ...(got.etag ? { etag: got.etag } : {}) };
}

/**
 * Scores a store this activity already holds against the agent's suite: the report goes to S3, the summary
 * (sealed: what this run's evaluation of this store scored) to the workflow.
 */
export async function scoreStore(
  w: CycleContext,
  a: Authorized,
  step: string,
  target: StoreTarget,
  store: MemoryStore,
): Promise<EvalSummary> {
  const suite = await suiteFor(w, a, a.run, target, store);
  progress(`evaluating ${step}`);
  const result = await w.scorerFor(a.config).evaluate(store, suite, Context.current().cancellationSignal);
  const { key } = await w.objects.putJson(evalReportKey(a.scope, a.run, step), {
    target,
    storeSha256: store.hash(),
    ...result,
  });
  return seal(w.key.seal, proofKinds.eval, a.binding, {
    step,
    target,
    score: result.score,
    passed: result.cases.filter((c) => c.passed).length,
    cases: result.cases.length,
    reportKey: key,
    failing: result.cases.filter((c) => !c.passed).map((c) => c.id),
    duplicateRatio: result.health.duplicateRatio,
    contradictions: result.health.contradictions,
    ...(result.usage ? { costUsd: result.usage.cost_usd } : {}),
  });
}

export function evaluateActivities(w: CycleContext) {
  return {
    /** Scores a store against the agent's suite; the report goes to S3, the summary to the workflow. */
    evaluate: activity(
      async ({ cycle, step, target }: { cycle: CycleRef; step: string; target: StoreTarget }): Promise<EvalSummary> => {
        const a = await w.authorize(cycle);
        if (typeof step !== 'string' || !/^[a-z][a-z0-9-]{0,31}$/.test(step))
          return w.refuse(a.scope, 'step is not a step name');
        if (!isTarget(target)) return w.refuse(a.scope, 'target is not a snapshot, a candidate or the live store');
        return scoreStore(w, a, step, target, await storeOf(w, a, target));
      },
    ),
  };
}
