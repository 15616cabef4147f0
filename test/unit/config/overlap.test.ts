import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { overlap, overlapProblems, type Named, type OverlapProblem, type Place } from '../../../src/config/overlap.js';
import { formatPath } from '../../../src/util/yamlFile.js';

/** The check as it was, every store against every place: what the index must find, in the same order. */
function pairwise(stores: Named[], others: Named[]): OverlapProblem[] {
  const out: OverlapProblem[] = [];
  stores.forEach((s, i) => {
    for (const t of stores.slice(i + 1)) {
      const how = overlap(t.place, s.place);
      if (how)
        out.push({
          at: t.at,
          message: `${t.label} ${how} ${s.label} (${formatPath(s.at)}): a dream or a reviewer of one could rewrite the other; give each store a place of its own`,
        });
    }
    for (const o of others) {
      const how = overlap(s.place, o.place);
      if (how && how !== 'lies inside')
        out.push({
          at: s.at,
          message: `${s.label} ${how} ${o.label} (${formatPath(o.at)}): a dream could rewrite it; keep it outside every store`,
        });
      else if (how && o.place.kind === 'dir')
        out.push({
          at: s.at,
          message: `${s.label} lies inside ${o.label} (${formatPath(o.at)}): a dream could rewrite it; keep them apart`,
        });
    }
  });
  return out;
}

const segment = fc.constantFrom('a', 'b', 'ab', '..a', 'c');
const place: fc.Arbitrary<Place> = fc.oneof(
  fc.array(segment, { maxLength: 4 }).map((p) => ({ kind: 'dir' as const, path: `/${p.join('/')}` })),
  fc.array(segment, { minLength: 1, maxLength: 4 }).map((p) => ({ kind: 'file' as const, path: `/${p.join('/')}` })),
  fc
    .tuple(fc.constantFrom('b1', 'b2'), fc.array(segment, { maxLength: 3 }))
    .map(([bucket, p]) => ({ kind: 's3' as const, bucket, prefix: p.map((x) => `${x}/`).join('') })),
  fc.constantFrom('m1', 'm2').map((id) => ({ kind: 'managed' as const, id })),
);
const named = (places: Place[], key: string): Named[] =>
  places.map((p, i) => ({ at: ['agents', i, key], label: `${key} ${JSON.stringify(p)}`, place: p }));

describe('overlapping places in a fleet', () => {
  it('are found by the index exactly as a pairwise check finds them, in the same order', () => {
    fc.assert(
      fc.property(fc.array(place, { maxLength: 12 }), fc.array(place, { maxLength: 8 }), (s, o) => {
        const stores = named(
          s.filter((p) => p.kind !== 'file'),
          'store',
        );
        const others = named(o, 'sessions');
        expect(overlapProblems(stores, others, { buckets: [], dirs: [] })).toEqual(pairwise(stores, others));
      }),
      { numRuns: 500 },
    );
  });

  it('of a fleet of 10,000 agents sharing a sessions folder are none (a pairwise check: 50 million comparisons)', () => {
    const stores = named(
      Array.from({ length: 10_000 }, (_, i) => ({ kind: 'dir' as const, path: `/fleet/stores/a${i}` })),
      'store',
    );
    const others = named([{ kind: 'dir', path: '/fleet/sessions' }], 'sessions');
    expect(overlapProblems(stores, others, { buckets: [], dirs: [] })).toEqual([]);
    // one store placed over the others is found against each of them
    const over = named([{ kind: 'dir', path: '/fleet/stores' }], 'store');
    expect(overlapProblems([...stores, ...over], others, { buckets: [], dirs: [] })).toHaveLength(10_000);
  });
});
