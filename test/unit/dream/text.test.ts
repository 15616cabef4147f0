import { describe, expect, it } from 'vitest';
import {
  candidatePairs,
  isFactLine,
  isNearDuplicate,
  jaccard,
  minhash,
  nearDuplicateThreshold,
  normalizeLine,
  parseKeyedFact,
  shingles,
} from '../../../src/dream/text.js';

// Said twice in other words: should merge.
export const paraphrases: Array<[string, string]> = [
  ['- Run the integration tests with `npm run test:int`.', '- run integration tests with npm run test:int'],
  ['- Customer Acme prefers email over phone calls', '- Acme customer prefers email over phone calls.'],
  ['- Always rebase on main before opening a PR', '- always rebase onto main before opening a PR'],
  ['- The CI pipeline takes about 12 minutes on main', '- CI pipeline takes about 12 minutes on main'],
  [
    '- Contracts from Globex need legal sign-off before signature',
    '- Contracts from Globex need a legal sign-off before signature',
  ],
  ['- Use pnpm, not npm, in the web/ package', '- In the web/ package use pnpm, not npm'],
];

// Look alike but say different things: must not merge.
export const nearMisses: Array<[string, string]> = [
  ['- Run tests with --workers 4', '- Run tests with --workers 8'],
  ['- Staging uses db-1.internal', '- Staging uses db-2.internal'],
  ['- Customer Acme prefers email over phone calls', '- Customer Initech prefers phone calls over email'],
  ['- Deploys happen on Tuesdays', '- Deploys never happen on Fridays'],
  ['- Ticket SUP-1182 is waiting on the customer', '- Ticket SUP-1193 is waiting on the customer'],
  ['- The API rate limit is 100 requests per minute', '- The API timeout is 30 seconds'],
  ['- Lint with eslint before committing', '- Format with prettier before committing'],
];

describe('near-duplicate similarity', () => {
  it.each(paraphrases)('merges %s ≈ %s', (a, b) => {
    expect(isNearDuplicate(a, b)).toBe(true);
  });
  it.each(nearMisses)('keeps %s ≠ %s', (a, b) => {
    expect(isNearDuplicate(a, b)).toBe(false);
  });
  it('has a threshold that separates the two sets on shingles alone where salient tokens agree', () => {
    const para = paraphrases.map(([a, b]) => jaccard(shingles(a), shingles(b)));
    expect(Math.min(...para)).toBeGreaterThanOrEqual(nearDuplicateThreshold);
    const missesSameTokens = [nearMisses[2]!, nearMisses[3]!, nearMisses[5]!, nearMisses[6]!].map(([a, b]) =>
      jaccard(shingles(a), shingles(b)),
    );
    expect(Math.max(...missesSameTokens)).toBeLessThan(nearDuplicateThreshold);
  });
  it('finds paraphrases as MinHash candidates among unrelated lines', () => {
    const lines = [
      ...paraphrases.flat(),
      ...Array.from({ length: 50 }, (_, i) => `- unrelated note number ${i} about topic ${i * 7}`),
    ];
    const pairs = candidatePairs(lines.map((l) => minhash(shingles(l))));
    const found = new Set(pairs.map(([a, b]) => `${a},${b}`));
    for (let i = 0; i < paraphrases.length; i++) expect(found.has(`${2 * i},${2 * i + 1}`)).toBe(true);
  });
});

describe('keyed facts', () => {
  it('reads "subject: value", "The subject is value" and "subject uses value" as one fact', () => {
    expect(parseKeyedFact('- Staging database host: db-2.internal')).toEqual({
      subject: 'staging database host',
      value: 'db-2.internal',
    });
    expect(parseKeyedFact('The staging database host is db-2.internal.')).toEqual({
      subject: 'staging database host',
      value: 'db-2.internal',
    });
    expect(parseKeyedFact('- **Staging database host** uses `db-2.internal`')).toEqual({
      subject: 'staging database host',
      value: 'db-2.internal',
    });
  });
  it('does not read notes, URLs or prose as keyed facts', () => {
    expect(parseKeyedFact('- Note: the build is flaky')).toBeUndefined();
    expect(parseKeyedFact('- https://example.com/docs')).toBeUndefined();
    expect(parseKeyedFact('- When the build fails on CI, check the cache first. It is usually stale')).toBeUndefined();
  });
  it('tells fact lines from structure', () => {
    expect(isFactLine('# Infra')).toBe(false);
    expect(isFactLine('')).toBe(false);
    expect(isFactLine('---')).toBe(false);
    expect(isFactLine('|---|---|')).toBe(false);
    expect(isFactLine('- db: db-2')).toBe(true);
    expect(normalizeLine('  - **Use** `pnpm`.  ')).toBe('use pnpm');
  });
});
