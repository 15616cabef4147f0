import { describe, expect, it } from 'vitest';
import { safeName, safeText } from '../../../src/util/display.js';

describe('safe display', () => {
  it('escapes what could rewrite a terminal line, and nothing else', () => {
    const forged = 'mallory\r\u001b[2Kapproved by bob\nnext\u202eline\u0007';
    expect(safeText(forged)).toBe('mallory\\r\\e[2Kapproved by bob\\nnext\\u202eline\\x07');
    expect(safeText('plain text, tabs\tand ünïcödé → fine')).toBe('plain text, tabs\tand ünïcödé → fine');
    expect(safeText('a\tb', { tabs: true })).toBe('a\\tb');
    expect(safeName('x'.repeat(500), 10)).toBe(`${'x'.repeat(10)}…`);
    expect(safeText(undefined)).toBe('');
  });
});
