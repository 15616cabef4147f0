/**
 * mulberry32: a small seeded PRNG, so a generator given the same seed writes the same data every run (the
 * synthetic benchmark worlds and examples/generate.js, which loads the built copy of this file).
 */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
