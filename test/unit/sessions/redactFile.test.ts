import { describe, expect, it } from 'vitest';
import { redactFile } from '../../../src/sessions/redactFile.js';
import { redactSecrets } from '../../../src/sessions/secrets.js';

describe('redactFile', () => {
  it('redacts as redactSecrets does, and hands the values to every caller, cached or not', async () => {
    const text = `# Keys\n- deploy token: ghp_${'a1B2c3D4e5F6g7H8i9J0'.repeat(2)}\n- plain fact\n`;
    const direct = new Set<string>();
    const expected = await redactSecrets(text, direct);
    const first = new Set<string>();
    const second = new Set<string>();
    expect(await redactFile(text, first)).toEqual(expected);
    const again = await redactFile(text, second);
    expect(again).toEqual(expected);
    expect([...second]).toEqual([...direct]);
    expect(direct.size).toBeGreaterThan(0);
    again.found.extra = 1; // a caller's change stays its own
    expect((await redactFile(text)).found).toEqual(expected.found);
    // a changed blob is never served from the cache
    expect((await redactFile(text.replace('plain fact', 'other fact'))).text).toContain('other fact');
  });
});
