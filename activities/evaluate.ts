import { Context } from '@temporalio/activity';
import { CycleObjects } from '../src/cycle/objects.js';
import type { CycleRef, EvalSummary } from '../src/cycle/types.js';
import { loadSuite } from '../src/evaluate/suite.js';
import type { MemoryStore } from '../src/memory/store.js';
import { activity, progress } from './activity.js';
import type { Agent, CycleContext } from './context.js';

/** Which store an evaluation scores: a snapshot, a candidate (both by version id), or the live store. */
export type StoreTarget = { series: 'snapshot' | 'candidate'; id: string } | { series: 'live' };

export async function storeOf(w: CycleContext, a: Agent, target: StoreTarget): Promise<MemoryStore> {
  if (target.series === 'live') return w.live(a.config).read();
  return (target.series === 'snapshot' ? w.snapshots : w.candidates).restore(a.scope, target.id);
}

export function evaluateActivities(w: CycleContext) {
  return {
    /** Scores a store against the agent's suite; the report goes to S3, the summary to the workflow. */
    evaluate: activity(
      async ({ cycle, step, target }: { cycle: CycleRef; step: string; target: StoreTarget }): Promise<EvalSummary> => {
        const a = await w.agent(cycle);
        const store = await storeOf(w, a, target);
        const suite = a.config.suite ? await loadSuite(a.config.suite) : { file: '(no suite)', cases: [] };
        progress(`evaluating ${step}`);
        const result = await w.scorerFor(a.config).evaluate(store, suite, Context.current().cancellationSignal);
        const { key } = await w.objects.putJson(CycleObjects.cycleKey(a.scope, cycle.cycleId, `eval-${step}.json`), {
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
  };
}
