/**
 * What a worker computes from a file's bytes alone (its parsed document, its redaction, its fact lines), kept
 * once per blob: keyed by the sha256 of the content, so a stage never reuses a value computed from other bytes,
 * and bounded by bytes, least recently used dropped first. A cycle's stages read the same blobs (the baseline
 * eval, the dream, the post eval and verify), and so do night after night and a re-dream of the same snapshot.
 */
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';

/** Every cache made here, so a benchmark can measure a cold worker (`clearBlobCaches`). */
const caches: { clear(): void }[] = [];

export const sha256Hex = (content: string): string => createHash('sha256').update(content).digest('hex');

export class BlobCache<V extends NonNullable<unknown>> {
  private readonly known: LRUCache<string, { value: V }>;
  /** How often a value was found computed (for tests and profiles). */
  hits = 0;
  misses = 0;

  /**
   * @param maxBytes the budget, counted as `weight` × the bytes of the content each value came from
   * @param weight how much larger than its content a value is kept in memory (a parsed document: about 3×)
   */
  constructor(
    readonly name: string,
    readonly maxBytes: number,
    private readonly weight = 1,
  ) {
    this.known = new LRUCache({ maxSize: maxBytes });
    caches.push(this);
  }

  private size(content: string): number {
    return Math.max(1, Math.ceil(content.length * this.weight));
  }

  /** The value computed from `content`, by `compute` only when these bytes were not seen (or were dropped). */
  get(content: string, compute: (content: string) => V, key = sha256Hex(content)): V {
    const hit = this.known.get(key);
    if (hit) {
      this.hits++;
      return hit.value;
    }
    this.misses++;
    const value = compute(content);
    this.known.set(key, { value }, { size: this.size(content) }); // larger than the whole budget: not kept
    return value;
  }

  /** As `get`, for a computation that awaits (secretlint's). */
  async getAsync(content: string, compute: (content: string) => Promise<V>): Promise<V> {
    const key = sha256Hex(content);
    const hit = this.known.get(key);
    if (hit) {
      this.hits++;
      return hit.value;
    }
    this.misses++;
    const value = await compute(content);
    this.known.set(key, { value }, { size: this.size(content) });
    return value;
  }

  get entries(): number {
    return this.known.size;
  }

  get bytes(): number {
    return this.known.calculatedSize;
  }

  clear(): void {
    this.known.clear();
  }
}

/** Has a cache made elsewhere (an LRU of its own) forgotten with the others. */
export function clearedWithBlobCaches(cache: { clear(): void }): void {
  caches.push(cache);
}

/** Forgets every blob cache of the process (benchmarks measure a cold worker, as after a restart). */
export function clearBlobCaches(): void {
  for (const c of caches) c.clear();
}
