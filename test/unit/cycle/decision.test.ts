import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  edits,
  limits,
  parseDecision,
  revises,
  signedText,
  unknownSuggestions,
  type SignedContext,
} from '../../../src/cycle/decision.js';
import { parseCycleInput } from '../../../src/cycle/input.js';
import { isCycleObject } from '../../../src/names/keys.js';

const id = 'ab'.repeat(32);

describe('a decision payload', () => {
  it('accepts what the command line sends', () => {
    const d = {
      reviewer: 'alice@example.com',
      changeSetId: id,
      cycle: '01a21572-2819-7da0-ac48-d8e3425cb085',
      at: '2026-11-26T01:02:03.456Z',
      comment: 'checked the Acme plan',
      onlyPaths: ['/customers/acme.md'],
      editedKey: 'fleets/acme/agents/support/cycles/01a2/edits-1.json',
      editedSha256: 'cd'.repeat(32),
      restoredSessions: ['sess_sup_021'],
      signature: '-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n-----END SSH SIGNATURE-----\n',
    };
    expect(parseDecision('approve', d)).toEqual({ ok: true, decision: d });
    expect(parseDecision('reject', { reviewer: 'bob', changeSetId: id.slice(0, 8), reason: 'no' })).toMatchObject({
      ok: true,
    });
  });

  it.each([
    ['null', null, 'a decision is an object, not null'],
    ['a string', 'approve!', 'a decision is an object, not string'],
    ['a list', [], 'a decision is an object, not an array'],
    ['no reviewer', { changeSetId: id }, 'reviewer is required'],
    [
      'a reviewer of a megabyte',
      { reviewer: 'x'.repeat(1_500_000), changeSetId: id },
      'reviewer is 1500000 characters; at most 64',
    ],
    [
      'a reviewer with a newline',
      { reviewer: 'bob\napproved by alice', changeSetId: id },
      'reviewer is not well formed',
    ],
    ['a number for a reviewer', { reviewer: 7, changeSetId: id }, 'reviewer must be a string, not number'],
    ['a short id', { reviewer: 'a', changeSetId: 'abc' }, 'changeSetId is not well formed'],
    [
      'an unknown field',
      { reviewer: 'a', changeSetId: id, approveEverything: true },
      'unknown field "approveEverything"',
    ],
    [
      'a key without its hash',
      { reviewer: 'a', changeSetId: id, editedKey: 'k' },
      'editedKey and editedSha256 go together',
    ],
    [
      'too many paths',
      { reviewer: 'a', changeSetId: id, onlyPaths: Array(limits.paths + 1).fill('/a') },
      `onlyPaths has ${limits.paths + 1} entries; 1 to ${limits.paths}`,
    ],
    ['a relative path', { reviewer: 'a', changeSetId: id, onlyPaths: ['a.md'] }, 'onlyPaths[0] is not well formed'],
    [
      'a reason on an approval',
      { reviewer: 'a', changeSetId: id, reason: 'x' },
      'reason is for a rejection; an approval has a comment',
    ],
  ])('refuses %s, naming the field and never echoing it', (_name, raw, why) => {
    expect(parseDecision('approve', raw)).toEqual({ ok: false, why });
  });

  it('a rejection needs a reason, and cannot narrow or edit', () => {
    expect(parseDecision('reject', { reviewer: 'a', changeSetId: id })).toEqual({
      ok: false,
      why: 'reason is required',
    });
    expect(parseDecision('reject', { reviewer: 'a', changeSetId: id, reason: 'r', onlyPaths: ['/a'] })).toEqual({
      ok: false,
      why: 'a rejection cannot narrow, edit, restore or accept suggestions',
    });
  });

  it('never throws and never echoes what it is given, whatever that is', () => {
    const marker = 'ZQX'.repeat(30);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.anything(),
          fc.record(
            { reviewer: fc.oneof(fc.string(), fc.constant(marker)), changeSetId: fc.anything() },
            { requiredKeys: [] },
          ),
          fc.dictionary(fc.oneof(fc.string(), fc.constant(marker)), fc.anything()),
        ),
        fc.constantFrom('approve' as const, 'reject' as const),
        (raw, verdict) => {
          const r = parseDecision(verdict, raw);
          if (!r.ok) {
            expect(r.why).not.toContain(marker);
            expect(r.why.length).toBeLessThan(120);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('revises when it narrows, edits, restores or accepts suggestions; only the first three are edits', () => {
    expect(revises({ reviewer: 'a', changeSetId: id })).toBe(false);
    expect(revises({ reviewer: 'a', changeSetId: id, restoredSessions: ['s'] })).toBe(true);
    expect(revises({ reviewer: 'a', changeSetId: id, acceptedSuggestions: [2] })).toBe(true);
    expect(edits({ reviewer: 'a', changeSetId: id, acceptedSuggestions: [2] })).toBe(false);
    expect(edits({ reviewer: 'a', changeSetId: id, onlyPaths: ['/a.md'] })).toBe(true);
  });

  it('carries accepted suggestions as ascending numbers from 1, once each; never in a rejection', () => {
    const d = { reviewer: 'alice', changeSetId: id };
    expect(parseDecision('approve', { ...d, acceptedSuggestions: [1, 3] })).toEqual({
      ok: true,
      decision: { ...d, acceptedSuggestions: [1, 3] },
    });
    for (const [bad, why] of [
      [[], 'acceptedSuggestions has 0 entries; 1 to 1000'],
      [[0], 'acceptedSuggestions[0] is not a suggestion number'],
      [[2, 2], 'acceptedSuggestions[1] is not a suggestion number'],
      [[3, 1], 'acceptedSuggestions[1] is not a suggestion number'],
      [[1.5], 'acceptedSuggestions[0] is not a suggestion number'],
      [['1'], 'acceptedSuggestions[0] is not a suggestion number'],
      ['all', 'acceptedSuggestions must be a list of suggestion numbers'],
      [Array.from({ length: 1_001 }, (_, i) => i + 1), 'acceptedSuggestions has 1001 entries; 1 to 1000'],
    ] as const) {
      const r = parseDecision('approve', { ...d, acceptedSuggestions: bad });
      expect(r.ok, JSON.stringify(bad)).toBe(false);
      expect((r as { why: string }).why).toContain(why);
    }
    expect(parseDecision('reject', { ...d, reason: 'no', acceptedSuggestions: [1] })).toEqual({
      ok: false,
      why: 'a rejection cannot narrow, edit, restore or accept suggestions',
    });
  });

  it('names the suggestions a change set does not hold, and the flag that named them', () => {
    expect(unknownSuggestions({ acceptedSuggestions: [1, 2] }, 2)).toBeUndefined();
    expect(unknownSuggestions({}, 0)).toBeUndefined();
    expect(unknownSuggestions({ acceptedSuggestions: [2, 5, 7] }, 2)).toBe(
      'acceptedSuggestions (--accept) 5 7: no such suggestion in this change set (suggestions: 1 to 2)',
    );
    expect(unknownSuggestions({ acceptedSuggestions: [1] }, 0)).toContain('(it has none)');
  });
});

describe('the text a reviewer signs', () => {
  const ctx: SignedContext = { fleet: 'acme', agent: 'support', cycle: 'run-1', changeSetId: id, verdict: 'approve' };
  const d = { reviewer: 'alice', changeSetId: id.slice(0, 12), at: '2026-11-26T01:02:03Z', comment: 'ok' };

  it('is one stable JSON line with sorted keys, covering the cycle from the workflow, not the message', () => {
    const text = signedText(ctx, d);
    expect(text).toBe(
      `{"agent":"support","at":"2026-11-26T01:02:03Z","changeSetId":"${id}","comment":"ok","cycle":"run-1","editedSha256":null,"fleet":"acme","onlyPaths":null,"reason":null,"restoredSessions":null,"reviewer":"alice","v":1,"verdict":"approve"}`,
    );
    expect(signedText(ctx, { ...d, cycle: 'somewhere-else' })).toBe(text);
  });

  it.each([
    ['another cycle', { cycle: 'run-2' }],
    ['another fleet', { fleet: 'globex' }],
    ['another change set', { changeSetId: 'ef'.repeat(32) }],
    ['a rejection', { verdict: 'reject' as const }],
  ])('differs for %s', (_name, other) => {
    expect(signedText({ ...ctx, ...other }, d)).not.toBe(signedText(ctx, d));
  });

  it('covers narrowing, edits by hash, restored sessions and the time', () => {
    const base = signedText(ctx, d);
    for (const extra of [
      { onlyPaths: ['/a'] },
      { editedSha256: 'cd'.repeat(32) },
      { restoredSessions: ['s1'] },
      { acceptedSuggestions: [1] },
      { at: '2026-11-27T00:00:00Z' },
    ])
      expect(signedText(ctx, { ...d, ...extra })).not.toBe(base);
    // which suggestions, not only whether: a signature for suggestion 1 does not accept suggestion 2
    expect(signedText(ctx, { ...d, acceptedSuggestions: [1] })).not.toBe(
      signedText(ctx, { ...d, acceptedSuggestions: [2] }),
    );
  });
});

describe('a cycle’s input', () => {
  it('is names and a hash; the retired v1 shape (the whole agent) is refused', () => {
    expect(
      parseCycleInput({ fleet: 'acme', agent: 'support', configHash: 'a'.repeat(64), trigger: 'manual' }),
    ).toMatchObject({ ok: true });
    expect(parseCycleInput({ fleet: 'acme', agent: '@team', trigger: 'fleet run' })).toMatchObject({ ok: true });
    expect(parseCycleInput({ fleet: 'acme', agent: 'support', trigger: 'manual', now: true })).toEqual({
      ok: true,
      input: { fleet: 'acme', agent: 'support', trigger: 'manual', now: true },
    });
    expect(parseCycleInput({ agent: { id: 'support', evaluator: ['sh', '-c', 'id'] }, trigger: 't' })).toEqual({
      ok: false,
      why: 'fleet is not a fleet name',
    });
  });
  it.each([
    [{ fleet: 'a/b', agent: 'x', trigger: 't' }, 'fleet is not a fleet name'],
    [{ fleet: 'acme', agent: '../x', trigger: 't' }, 'agent is not an agent id'],
    [{ fleet: 'acme', agent: 'x', configHash: 'zz', trigger: 't' }, 'configHash is not a sha256'],
    [{ fleet: 'acme', agent: 'x', trigger: 't', evaluator: ['sh'] }, 'unknown field "evaluator"'],
    [{ fleet: 'acme', agent: 'x', trigger: 't', now: 'yes' }, 'now must be true or false'],
    [null, 'expected an object'],
  ])('refuses %j', (raw, why) => {
    expect(parseCycleInput(raw)).toEqual({ ok: false, why });
  });
});

describe('a cycle’s objects', () => {
  const scope = { fleet: 'acme', id: 'support' };
  it('an edit must be one of this cycle’s objects: not another agent’s, another cycle’s, or a way out', () => {
    expect(isCycleObject(scope, 'run-1', 'fleets/acme/agents/support/cycles/run-1/edits-ab.json')).toBe(true);
    for (const key of [
      'fleets/acme/agents/other/cycles/run-1/edits-ab.json',
      'fleets/acme/agents/support/cycles/run-2/edits-ab.json',
      'fleets/acme/agents/support/cycles/run-1/../run-2/edits.json',
      'fleets/acme/agents/support/cycles/run-1/',
    ])
      expect(isCycleObject(scope, 'run-1', key), key).toBe(false);
  });
});
