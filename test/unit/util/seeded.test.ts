import { describe, expect, it } from 'vitest';
import { rng } from '../../../src/util/seeded.js';

describe('rng', () => {
  it('gives the same sequence for the same seed, another for another seed, always in [0, 1)', () => {
    const take = (seed: number) => {
      const next = rng(seed);
      return Array.from({ length: 1_000 }, () => next());
    };
    const a = take(42);
    expect(take(42)).toEqual(a);
    expect(take(43)).not.toEqual(a);
    expect(a.every((x) => x >= 0 && x < 1)).toBe(true);
    // spread over the interval, not stuck in one part of it
    expect(new Set(a.map((x) => Math.floor(x * 10))).size).toBe(10);
  });
});
