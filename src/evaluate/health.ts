import { isArchivePath } from '../memory/paths.js';
import type { MemoryStore } from '../memory/store.js';
import { isFactLine, normalizeLine, parseKeyedFact } from '../dream/text.js';

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

export function storeHealth(store: MemoryStore): StoreHealth {
  const seen = new Set<string>();
  const values = new Map<string, Set<string>>();
  let facts = 0;
  let dups = 0;
  for (const [path, content] of store.files) {
    if (isArchivePath(path)) continue;
    for (const line of content.split('\n')) {
      if (!isFactLine(line)) continue;
      facts++;
      const n = normalizeLine(line);
      if (seen.has(n)) dups++;
      seen.add(n);
      const f = parseKeyedFact(line);
      if (f && f.subject.includes(' ')) values.set(f.subject, (values.get(f.subject) ?? new Set()).add(f.value));
    }
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
