import { isArchivePath } from '../memory/paths.js';
import type { MemoryStore } from '../memory/store.js';
import { isFactLine, normalizeLine, parseKeyedFact } from '../dream/text.js';
import { BlobCache } from '../util/blobCache.js';

export interface StoreHealth {
  files: number;
  bytes: number;
  /** ~4 bytes a token: an estimate for budgets, not a tokenizer. */
  estimatedTokens: number;
  factLines: number;
  /** Fraction of fact lines that repeat another (same normalized text), outside /archive/. */
  duplicateRatio: number;
  /** Subjects stated with more than one value, outside /archive/. */
  contradictions: number;
}

/** A file's fact lines, normalized, and the subjects they state with their values. */
interface FileFacts {
  normalized: string[];
  keyed: [subject: string, value: string][];
}

/** Every evaluation of a cycle (baseline, post, verify) reads mostly the same blobs: their fact lines, once. */
const factLines = new BlobCache<FileFacts>('fact lines', 16 * 2 ** 20, 2);

function fileFacts(content: string): FileFacts {
  const out: FileFacts = { normalized: [], keyed: [] };
  for (const line of content.split('\n')) {
    if (!isFactLine(line)) continue;
    out.normalized.push(normalizeLine(line));
    const f = parseKeyedFact(line);
    if (f && f.subject.includes(' ')) out.keyed.push([f.subject, f.value]);
  }
  return out;
}

export function storeHealth(store: MemoryStore): StoreHealth {
  const seen = new Set<string>();
  const values = new Map<string, Set<string>>();
  let facts = 0;
  let dups = 0;
  for (const [path, content] of store.files) {
    if (isArchivePath(path)) continue;
    const file = factLines.get(content, fileFacts);
    facts += file.normalized.length;
    for (const n of file.normalized) {
      if (seen.has(n)) dups++;
      seen.add(n);
    }
    for (const [subject, value] of file.keyed) values.set(subject, (values.get(subject) ?? new Set()).add(value));
  }
  const bytes = store.bytes;
  return {
    files: store.size,
    bytes,
    estimatedTokens: Math.ceil(bytes / 4),
    factLines: facts,
    duplicateRatio: facts === 0 ? 0 : dups / facts,
    contradictions: [...values.values()].filter((v) => v.size > 1).length,
  };
}
