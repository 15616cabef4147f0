import { describe, expect, it } from 'vitest';
import { formatScores, scoreText, spendText } from '../../../src/cycle/format.js';

describe('cycle scores as text', () => {
  const usage = { requests: 3, tokens: 9000, costUsd: 0.012 };

  it('says nothing before the baseline, then the baseline, then the post score with its delta', () => {
    expect(formatScores({})).toBe('');
    expect(formatScores({ baseline: 0.8 })).toBe('baseline 0.800');
    expect(formatScores({ baseline: 0.8, post: 0.934, delta: 0.134 })).toBe('baseline 0.800 → 0.934 (Δ +0.134)');
    expect(scoreText({ baseline: 0.8, post: 0.7, delta: -0.1 }, 'post ')).toBe(
      'baseline 0.800 → post 0.700 (Δ -0.100)',
    );
  });

  it('adds what a model spent, over how many attempts', () => {
    expect(spendText({})).toBe('');
    expect(spendText({ usage })).toBe('3 request(s), 9000 tokens, $0.0120');
    expect(formatScores({ baseline: 0.8, usage, attempts: 2 })).toBe(
      'baseline 0.800; model: 3 request(s), 9000 tokens, $0.0120 over 2 attempts',
    );
  });
});
