import { describe, expect, it } from 'vitest';
import { parseAccept } from '../../../app/commands/approve.js';

describe('approve --accept', () => {
  it('takes the numbers `review` prints, spaced or with commas, or every suggestion', () => {
    expect(parseAccept(['2', '3'])).toEqual([2, 3]);
    expect(parseAccept(['2,3', '5'])).toEqual([2, 3, 5]);
    expect(parseAccept(['all'])).toBe('all');
    expect(parseAccept(['suggested'])).toBe('all'); // as `dream --accept suggested` says it
  });

  it('refuses anything else, naming the flag and the value', () => {
    for (const bad of [['0'], ['-1'], ['two'], ['1.5'], ['2', 'all'], ['']])
      expect(() => parseAccept(bad), bad.join(' ')).toThrow(
        /^--accept \S*: expected the numbers `dreamgate review` prints/,
      );
  });
});
