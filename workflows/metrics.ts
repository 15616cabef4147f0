import { metricMeter } from '@temporalio/workflow';
import type { Usage } from '../src/anthropic/usage.js';
import type { Outcome, Stage } from '../src/cycle/types.js';

/**
 * dreamgate's own metrics, served beside the SDK's on the worker's Prometheus endpoint (`dreamgate worker
 * --metrics`). Recorded from the workflow through the SDK's replay-safe meter: a replayed history records
 * nothing twice. Counters carry the agent; histograms do not, so a fleet of hundreds of agents stays a few
 * hundred series.
 */
export const metricNames = {
  cycles: 'dreamgate_cycles', // counter (exported as dreamgate_cycles_total) {agent, outcome}
  stageDuration: 'dreamgate_stage_duration_seconds', // histogram {stage}
  dreamDuration: 'dreamgate_dream_duration_seconds', // histogram {dreamer}, one per attempt
  reviewWait: 'dreamgate_review_wait_seconds', // histogram: from entering review to the decision or timeout
  modelTokens: 'dreamgate_model_tokens', // counter {agent, kind: input | output | cache_read | cache_write}
  modelCost: 'dreamgate_model_cost_usd', // histogram {dreamer}, one per attempt: its _sum is the spend
  quarantines: 'dreamgate_quarantined_sessions', // counter {agent}
  pages: 'dreamgate_pages', // counter {agent, kind: page | notify, result: sent | failed}
} as const;

/** Bucket bounds that suit each histogram (seconds, US dollars), for the runtime's exporter. */
export const histogramBuckets: Record<string, number[]> = {
  [metricNames.stageDuration]: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
  [metricNames.dreamDuration]: [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 3600, 14400, 86400],
  [metricNames.reviewWait]: [60, 300, 900, 3600, 4 * 3600, 12 * 3600, 24 * 3600, 72 * 3600, 7 * 86400],
  [metricNames.modelCost]: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
};

/** The metrics of one cycle: the workflow reports stage changes, its end, pages, spend and quarantines. */
export class CycleMetrics {
  private stage?: Stage;
  private since = 0;
  private quarantined = 0;

  constructor(
    private readonly agent: string,
    private readonly dreamer: string,
  ) {}

  /** A stage change: the stage left is timed (re-entering the same stage, as review does, is no change). */
  enter(stage: Stage): void {
    if (stage === this.stage) return;
    const now = Date.now(); // workflow time: deterministic
    if (this.stage) {
      const seconds = (now - this.since) / 1000;
      metricMeter
        .createHistogram(metricNames.stageDuration, 'float', 's', 'time a cycle spends in each stage')
        .record(seconds, { stage: this.stage });
      if (this.stage === 'dream')
        metricMeter
          .createHistogram(metricNames.dreamDuration, 'float', 's', 'time of one dream attempt')
          .record(seconds, { dreamer: this.dreamer });
      if (this.stage === 'review')
        metricMeter
          .createHistogram(metricNames.reviewWait, 'float', 's', 'time a change set waited for a reviewer')
          .record(seconds);
    }
    this.stage = stage;
    this.since = now;
  }

  /** The cycle ended (any outcome, `failed` included). */
  end(outcome: Outcome): void {
    this.enter('done');
    metricMeter
      .createCounter(metricNames.cycles, undefined, 'dream cycles by outcome')
      .add(1, { agent: this.agent, outcome });
  }

  /** What one dream attempt of a model dreamer spent. */
  spend(usage: Usage): void {
    const tokens = metricMeter.createCounter(metricNames.modelTokens, undefined, 'model tokens of dreams');
    for (const [kind, n] of [
      ['input', usage.input_tokens],
      ['output', usage.output_tokens],
      ['cache_read', usage.cache_read_input_tokens],
      ['cache_write', usage.cache_creation_input_tokens],
    ] as const)
      if (n > 0) tokens.add(n, { agent: this.agent, kind });
    metricMeter
      .createHistogram(metricNames.modelCost, 'float', 'USD', 'model cost of one dream attempt')
      .record(usage.cost_usd, { dreamer: this.dreamer });
  }

  /** Sessions left out of the dream; counted once per cycle, however often the cycle dreams. */
  quarantine(sessions: number): void {
    if (sessions <= this.quarantined) return;
    metricMeter
      .createCounter(metricNames.quarantines, undefined, 'sessions quarantined by screening')
      .add(sessions - this.quarantined, { agent: this.agent });
    this.quarantined = sessions;
  }

  /** A page to on-call or a notice to owners, and whether the webhook took it. */
  alert(kind: 'page' | 'notify', sent: boolean): void {
    metricMeter
      .createCounter(metricNames.pages, undefined, 'pages to on-call and notices to owners')
      .add(1, { agent: this.agent, kind, result: sent ? 'sent' : 'failed' });
  }
}
