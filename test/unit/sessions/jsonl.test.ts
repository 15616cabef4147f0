import { describe, expect, it } from 'vitest';
import { jsonDepth, parseJsonLine } from '../../../src/sessions/jsonl.js';

describe('session lines', () => {
  it('measures nesting in one pass, skipping strings', () => {
    expect(jsonDepth('{"a":[1,{"b":"[[[[{{{{"}]}')).toBe(3);
    expect(jsonDepth('"\\"[[["')).toBe(0);
    expect(jsonDepth(`${'['.repeat(5000)}${']'.repeat(5000)}`, 100)).toBe(101);
  });

  it('refuses a line nested 5,000 levels deep, and never echoes the text of a broken line', () => {
    expect(() => parseJsonLine(`${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`, 's.jsonl:3')).toThrow(
      /s\.jsonl:3: nested deeper than 100 levels/,
    );
    const secret = 'ghp_0123456789abcdefghijklmnopqrstuvwxyz';
    expect(() => parseJsonLine(`{"a": ${secret}}`, 's.jsonl:1')).toThrow(/^s\.jsonl:1: not JSON/);
    try {
      parseJsonLine(`{"a": ${secret}}`, 's.jsonl:1');
    } catch (err) {
      expect((err as Error).message).not.toContain('ghp_');
    }
  });
});
