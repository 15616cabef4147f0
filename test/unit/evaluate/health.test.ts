import { describe, expect, it } from 'vitest';
import { storeHealth } from '../../../src/evaluate/health.js';
import { MemoryStore } from '../../../src/memory/store.js';

describe('storeHealth', () => {
  it('counts duplicates across files and contradictions, from fact lines read once per blob', () => {
    const a = '# A\n- Billing owner: team-a\n- The API rate limit is 100\n';
    const store = MemoryStore.from({ '/a.md': a, '/b.md': a, '/archive/c.md': '- Billing owner: x\n' });
    const h = storeHealth(store);
    expect([h.files, h.factLines, h.duplicateRatio, h.contradictions]).toEqual([3, 4, 0.5, 0]);
    // the same blobs again give the same figures; a changed blob is read anew
    expect(storeHealth(store)).toEqual(h);
    const changed = storeHealth(MemoryStore.from({ '/a.md': a, '/b.md': a.replace('team-a', 'team-b') }));
    expect([changed.factLines, changed.duplicateRatio, changed.contradictions]).toEqual([4, 0.25, 1]);
  });
});
