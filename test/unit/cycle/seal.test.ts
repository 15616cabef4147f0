import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { seal, unseal } from '../../../src/cycle/seal.js';

const key = randomBytes(32);
const run = { fleet: 'acme', agent: 'support', run: 'run-1' };

describe('seals: proofs only workers make and check', () => {
  const proof = seal(key, 'dream', run, { changeSetId: 'a'.repeat(64), candidateId: 'c1', changes: 2 });

  it('a proof checks for its kind and run, and gives its body back without the seal', () => {
    expect(unseal(key, 'dream', run, proof)).toEqual({ changeSetId: 'a'.repeat(64), candidateId: 'c1', changes: 2 });
    // key order does not matter: the body is canonical JSON
    expect(
      unseal(key, 'dream', run, { changes: 2, candidateId: 'c1', changeSetId: 'a'.repeat(64), seal: proof.seal }),
    ).toBeDefined();
  });

  it.each([
    ['another run', 'dream', { ...run, run: 'run-2' }, proof],
    ['another agent', 'dream', { ...run, agent: 'coding' }, proof],
    ['another kind', 'eval', run, proof],
    ['a changed body', 'dream', run, { ...proof, changes: 3 }],
    ['an added field', 'dream', run, { ...proof, extra: true }],
    ['a made-up seal', 'dream', run, { ...proof, seal: 'A'.repeat(43) }],
    ['no seal', 'dream', run, { changeSetId: 'a'.repeat(64), candidateId: 'c1', changes: 2 }],
    ['nothing', 'dream', run, undefined],
  ])('does not check with %s', (_what, kind, binding, p) => {
    expect(unseal(key, kind, binding, p as typeof proof)).toBeUndefined();
  });

  it('another key (another deployment) does not check', () => {
    expect(unseal(randomBytes(32), 'dream', run, proof)).toBeUndefined();
  });
});
