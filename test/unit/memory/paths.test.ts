import { describe, expect, it } from 'vitest';
import { pathProblem } from '../../../src/memory/paths.js';

describe('memory paths', () => {
  it('refuses a segment longer than 255 bytes at validation, not at promotion', () => {
    expect(pathProblem(`/${'a'.repeat(255)}.md`)).toMatch(/segment longer than 255 bytes/);
    expect(pathProblem(`/${'a'.repeat(252)}.md`)).toBeUndefined();
    // bytes, not characters: 86 three-byte characters are 258 bytes
    expect(pathProblem(`/${'€'.repeat(86)}`)).toMatch(/segment longer than 255 bytes/);
  });
});
