import { describe, expect, it } from 'vitest';
import { BlobCache, clearBlobCaches, sha256Hex } from '../../../src/util/blobCache.js';

describe('BlobCache', () => {
  it('computes once per blob, and again for bytes that differ by one character', () => {
    const cache = new BlobCache<{ upper: string }>('test', 1024);
    let runs = 0;
    const upper = (c: string) => ({ upper: (runs++, c.toUpperCase()) });
    expect(cache.get('abc', upper).upper).toBe('ABC');
    expect(cache.get('abc', upper).upper).toBe('ABC');
    expect(runs).toBe(1);
    expect(cache.get('abd', upper).upper).toBe('ABD'); // a changed blob is never served from the cache
    expect(runs).toBe(2);
    expect([cache.hits, cache.misses]).toEqual([1, 2]);
  });

  it('keeps within its byte budget (weighted), least recently used dropped first; a blob larger is not kept', () => {
    const cache = new BlobCache<{ n: number }>('test', 100, 2);
    const blob = (i: number) => `${i}`.padEnd(20, '.'); // 40 a blob, weighted
    for (let i = 0; i < 3; i++) cache.get(blob(i), () => ({ n: i }));
    expect(cache.bytes).toBeLessThanOrEqual(100);
    expect(cache.entries).toBe(2);
    const misses = cache.misses;
    cache.get(blob(0), () => ({ n: -1 })); // dropped: computed again
    expect(cache.misses - misses).toBe(1);
    cache.get('x'.repeat(60), () => ({ n: 9 }));
    expect(cache.get('x'.repeat(60), () => ({ n: 10 })).n).toBe(10);
  });

  it('awaits a computation once, and forgets everything on clearBlobCaches (a cold worker)', async () => {
    const cache = new BlobCache<{ v: string }>('test', 1024);
    let runs = 0;
    const slow = async (c: string) => ({ v: (runs++, c) });
    await cache.getAsync('a', slow);
    await cache.getAsync('a', slow);
    expect(runs).toBe(1);
    clearBlobCaches();
    expect(cache.entries).toBe(0);
    await cache.getAsync('a', slow);
    expect(runs).toBe(2);
  });

  it('keys by the sha256 of the content', () => {
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});
