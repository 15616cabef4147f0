import { describe, expect, it } from 'vitest';
import { Budget, costOf } from '../../../src/anthropic/usage.js';

describe('usage and budget', () => {
  it('prices cache writes at 1.25x, cache reads at 0.1x, and batches at half', () => {
    const u = {
      input_tokens: 1_000_000,
      output_tokens: 0,
      cache_creation_input_tokens: 1_000_000,
      cache_read_input_tokens: 1_000_000,
    };
    expect(costOf('claude-sonnet-5-5', u)).toBeCloseTo(3 + 3.75 + 0.3, 6);
    expect(costOf('claude-sonnet-5-5', u, true)).toBeCloseTo((3 + 3.75 + 0.3) / 2, 6);
    expect(costOf('claude-haiku-4-5', { input_tokens: 0, output_tokens: 1_000_000 })).toBeCloseTo(5, 6);
    // an unknown model is priced as the dearest, so a budget never under-counts
    expect(costOf('some-new-model', { input_tokens: 1_000_000, output_tokens: 0 })).toBeCloseTo(15, 6);
  });

  it('refuses a request that could take the dream over its token or dollar limit', () => {
    const b = new Budget('claude-sonnet-5-5', { maxTokens: 10_000, maxCostUsd: 1 });
    b.ensureRoom('first', 5_000, 4_000);
    b.charge({ input_tokens: 5_000, output_tokens: 1_000 });
    expect(() => b.ensureRoom('second', 3_000, 2_000)).toThrow(
      /11000 tokens, over its budget of 10000 \(used so far: 6000\)/,
    );
    expect(() =>
      new Budget('claude-sonnet-5-5', { maxTokens: 1e9, maxCostUsd: 0.001 }).ensureRoom('x', 1_000, 0),
    ).toThrow(/\$0\.0030, over its budget of \$0\.001/);
  });
});
