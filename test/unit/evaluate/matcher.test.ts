import { describe, expect, it } from 'vitest';
import { tokenMatcher } from '../../../src/evaluate/matcher.js';
import type { DerivedItem } from '../../../src/evaluate/tokens.js';
import { clearBlobCaches } from '../../../src/util/blobCache.js';

const item: DerivedItem = {
  values: ['5432'],
  words: ['postgres'],
  need: 1,
  from: '/db.md:3',
  text: 'Postgres listens on 5432',
};
const text = (line: string) => `## /db.md\n# DB\n${line}\n`;

describe('tokenMatcher', () => {
  it('finds the fact on a line that holds its values and words, and not where a value is only part of a number', () => {
    const m = tokenMatcher(item);
    expect(m.test(text('- postgres now listens on 5432 (since May)'))).toBe(true);
    expect(m.test(text('- postgres listens on 54321'))).toBe(false);
    expect(m.test(text('- mysql listens on 5432'))).toBe(false);
  });

  it('is compiled once per item: every evaluation of a cycle asks the same cases (read back from S3 as JSON)', () => {
    const first = tokenMatcher(item);
    expect(tokenMatcher(JSON.parse(JSON.stringify(item)) as DerivedItem)).toBe(first);
    // another item is another matcher, with its own answer
    const other = tokenMatcher({ ...item, values: ['6543'], text: 'Postgres listens on 6543' });
    expect(other).not.toBe(first);
    expect(other.test(text('- postgres listens on 5432'))).toBe(false);
    // a cold worker (clearBlobCaches) compiles it again, to the same answers
    clearBlobCaches();
    const again = tokenMatcher(item);
    expect(again).not.toBe(first);
    expect(again.test(text('- postgres listens on 5432'))).toBe(true);
  });
});

describe('tokenMatcher on values that are not numbers', () => {
  it('finds a value with pattern characters as written, where compiling it as a pattern threw', () => {
    const m = tokenMatcher({ values: ['c++17', 'a+b/c=='], words: [], need: 0, from: '/x.md:1', text: 'x' });
    expect(m.test(text('- build with c++17 and key a+b/c=='))).toBe(true);
    expect(m.test(text('- build with c++20 and key a+b/c=='))).toBe(false);
  });
});
