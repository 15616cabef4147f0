import { describe, expect, it } from 'vitest';
import { danglingComma, unitAround } from '../../../src/dream/units.js';

describe('the unit a line belongs to', () => {
  const records = ['{', '  "a": "x {not a brace}",', '  "b": 1', '},', '{', '  "a": "y"', '}'];
  it('is the JSON object a member line is in, braces inside strings skipped', () => {
    expect(unitAround(records, 1)).toEqual([0, 3]);
    expect(unitAround(records, 5)).toEqual([4, 6]);
  });
  it('is the record: the nearest object opening on a line of its own, not a whole file around it', () => {
    const nested = ['{', '  "outer": {', '    "inner": "z"', '  }', '}'];
    expect(unitAround(nested, 2)).toEqual([0, 4]);
    const file = [
      '{',
      '  "records": [',
      '    {',
      '      "a": "x"',
      '    },',
      '    {',
      '      "a": "y"',
      '    }',
      '  ]',
      '}',
    ];
    expect(unitAround(file, 6)).toEqual([5, 7]);
  });
  it('is the line itself for a JSON-lines record, a list item, a table row, or a broken object', () => {
    expect(unitAround(['{"a": 1}', '{"a": 2}'], 1)).toEqual([1, 1]);
    expect(unitAround(['# Notes', '- one', '- two'], 1)).toEqual([1, 1]);
    expect(unitAround(['| a | b |', '| --- | --- |', '| 1 | 2 |'], 2)).toEqual([2, 2]);
    expect(unitAround(['{', '  "a": "x",', '  "b": oops', '}'], 1)).toEqual([1, 1]);
  });
  it('is a front-matter entry with its continuation lines, and only inside the front matter', () => {
    const doc = ['---', 'name: x', 'tags:', '  - one', '  - two', 'type: y', '---', 'tags:', '  - body'];
    expect(unitAround(doc, 4)).toEqual([2, 4]);
    expect(unitAround(doc, 1)).toEqual([1, 1]);
    expect(unitAround(doc, 8)).toEqual([8, 8]);
  });
});

describe('a comma left before a closing bracket', () => {
  it('is the one before the last record taken out, and none when a record follows', () => {
    const arr = ['[', '  {', '    "a": 1', '  },', '  {', '    "a": 2', '  }', ']'];
    expect(danglingComma(arr, 4, 6)).toBe(3);
    expect(danglingComma(arr, 1, 3)).toBeUndefined();
  });
});
