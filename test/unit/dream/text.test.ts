import { describe, expect, it } from 'vitest';
import { factKey, isFactLine, normalizeLine, parseKeyedFact, sameFact } from '../../../src/dream/text.js';

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

describe('the same fact in other words', () => {
  it.each(paraphrases)('%s = %s', (a, b) => {
    expect(sameFact(a, b)).toBe(true);
  });
  it.each(nearMisses)('%s ≠ %s', (a, b) => {
    expect(sameFact(a, b)).toBe(false);
  });
  it.each([
    // siblings that share most of their words state different facts
    ["- Lodging costs adjusted by location's cost of living", "- Meal costs adjusted by location's cost of living"],
    ['- `blocks.attach(agent, block)` adds a block', '- `blocks.detach(agent, block)` adds a block'],
    ['- Use pnpm, not npm, in web/', '- Use npm, not pnpm, in web/'],
    ['- [ ] Install gh', '- [x] Install gh'],
  ])('keeps siblings apart: %s ≠ %s', (a, b) => {
    expect(sameFact(a, b)).toBe(false);
  });
  it('reads text without spaces (Chinese, Japanese) as one token, punctuation aside', () => {
    expect(factKey('- 構建狀態：成功。')).toBe(factKey('構建狀態: 成功'));
    expect(sameFact('- 構建狀態：成功', '- 構建狀態：失敗')).toBe(false);
  });
  it('keeps the mark between two digits in text without spaces: another number is another fact', () => {
    expect(factKey('- サービス21-3のキャッシュを削除する。')).not.toBe(
      factKey('- サービス21.3のキャッシュを削除する。'),
    );
    expect(factKey('- サービス21-3のキャッシュを削除する。')).toBe(factKey('サービス 21-3 の キャッシュを削除する'));
  });
});

describe('keyed facts', () => {
  it('reads "subject: value", "The subject is value" and "subject uses value" as one fact', () => {
    const fact = { subject: 'staging database host', value: 'db-2.internal', raw: 'db-2.internal' };
    expect(parseKeyedFact('- Staging database host: db-2.internal')).toEqual({ ...fact, form: 'label' });
    expect(parseKeyedFact('The staging database host is db-2.internal.')).toEqual({ ...fact, form: 'sentence' });
    expect(parseKeyedFact('- **Staging database host** uses `db-2.internal`')).toEqual({ ...fact, form: 'sentence' });
    expect(parseKeyedFact('- **Staging database host:** db-2.internal')).toEqual({ ...fact, form: 'label' });
    expect(parseKeyedFact('- **構建狀態**：成功')).toEqual({
      subject: '構建狀態',
      value: '成功',
      raw: '成功',
      form: 'label',
    });
  });
  it('does not read URLs, prose, dates, versions, ids or edges as subjects', () => {
    expect(parseKeyedFact('- https://example.com/docs')).toBeUndefined();
    expect(parseKeyedFact('- When the build fails on CI, check the cache first. It is usually stale')).toBeUndefined();
    expect(parseKeyedFact('- The main goal is to build a calculator for travel stipends')).toBeUndefined();
    expect(parseKeyedFact('- 2026-03-06: installed the router')).toBeUndefined();
    expect(parseKeyedFact('- v1.2.0: first release')).toBeUndefined();
    expect(parseKeyedFact('- sess_0042: read only')).toBeUndefined();
    expect(parseKeyedFact('SWAP --> MONGO: writes')).toBeUndefined();
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
