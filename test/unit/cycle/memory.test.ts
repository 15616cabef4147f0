import { describe, expect, it } from 'vitest';
import { openMemory, sealMemory } from '../../../src/cycle/memory.js';

const key = Buffer.alloc(32, 7);
const scope = { fleet: 'acme', id: 'coding' };
const id = 'a'.repeat(64);
const memory = { changeSet: id, prints: { '/lessons.md': 'f'.repeat(64) } };

describe('decision memory beside a change set', () => {
  it('opens as written when this worker sealed it for this agent and change set', () => {
    expect(openMemory(key, scope, id, JSON.parse(JSON.stringify(sealMemory(key, scope, memory))))).toEqual(memory);
  });

  it('is ignored when forged, altered, unsealed, sealed by another key, or moved to another agent or change set', () => {
    const sealed = sealMemory(key, scope, memory);
    expect(openMemory(key, scope, id, memory)).toBeUndefined();
    expect(openMemory(key, scope, id, { ...sealed, prints: {} })).toBeUndefined();
    expect(openMemory(key, scope, id, { ...sealed, seal: 'x'.repeat(43) })).toBeUndefined();
    expect(openMemory(key, scope, id, sealMemory(Buffer.alloc(32, 8), scope, memory))).toBeUndefined();
    expect(openMemory(key, { ...scope, id: 'other' }, id, sealed)).toBeUndefined();
    const other = 'b'.repeat(64);
    expect(openMemory(key, scope, other, sealMemory(key, scope, { ...memory, changeSet: other }))).toBeDefined();
    expect(openMemory(key, scope, other, sealed)).toBeUndefined();
    expect(openMemory(key, scope, id, 'not an object')).toBeUndefined();
  });
});
