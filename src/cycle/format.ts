import type { CycleState } from './types.js';

type Scores = Pick<CycleState, 'baseline' | 'post' | 'delta'>;
type Spend = Pick<CycleState, 'usage' | 'attempts'>;

/** `0.812 → 0.934 (Δ +0.122)`: the baseline, and the post score with its delta once there is one. */
export function scoreText(s: Scores, postLabel = ''): string {
  if (s.baseline === undefined) return '';
  const post =
    s.post !== undefined
      ? ` → ${postLabel}${s.post.toFixed(3)} (Δ ${s.delta! >= 0 ? '+' : ''}${s.delta!.toFixed(3)})`
      : '';
  return `baseline ${s.baseline.toFixed(3)}${post}`;
}

/** `3 request(s), 9000 tokens, $0.0120 over 2 attempts`: the model's spend, or '' when no model ran. */
export function spendText(s: Spend): string {
  if (!s.usage) return '';
  const over = s.attempts ? ` over ${s.attempts} attempts` : '';
  return `${s.usage.requests} request(s), ${s.usage.tokens} tokens, $${s.usage.costUsd.toFixed(4)}${over}`;
}

/** A cycle's scores and spend on one line, as `run`, `review` and `show` print them. */
export function formatScores(s: Scores & Spend): string {
  if (s.baseline === undefined) return '';
  const spend = spendText(s);
  return `${scoreText(s)}${spend ? `; model: ${spend}` : ''}`;
}
