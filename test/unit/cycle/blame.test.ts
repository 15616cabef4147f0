import { describe, expect, it } from 'vitest';
import { blame, blameHistory, type LoggedRecord } from '../../../src/cycle/blame.js';
import { ChangeSetTampered } from '../../../src/cycle/objects.js';
import type { ChangeSet } from '../../../src/memory/changeSet.js';
import { MemoryStore } from '../../../src/memory/store.js';

const scope = { fleet: 'acme', id: 'agent-a' };
const path = '/notes/infra.md';

/** The records a kept cycle writes, as the audit log holds them. */
function cycle(id: string, changeSet: string, extra: LoggedRecord[] = []): LoggedRecord[] {
  const r = (event: string, data?: Record<string, unknown>, actor?: string): LoggedRecord => ({
    cycle_id: id,
    cycle_started_at: `2026-12-0${id.slice(-1)}T02:00:00Z`,
    event,
    ...(actor ? { actor } : {}),
    ...(data ? { data } : {}),
  });
  return [
    r('snapshot-taken', { snapshot: `snap-${id}` }),
    r('change-set-stored', { changeSet }),
    ...extra,
    r('approved', { changeSet }, 'ana'),
    r('cycle-kept'),
  ];
}

const changeSetOf = (after: string): ChangeSet =>
  ({
    changes: [{ op: 'update', path, after, reason: 'superseded', evidence: [{ session: 's1', line: 3 }] }],
    sessions: { labels: { s1: { name: 'deploy fix' } } },
  }) as unknown as ChangeSet;

describe('blameHistory', () => {
  const stored = new Map<string, ChangeSet>([
    ['a'.repeat(64), changeSetOf('- host: db-2\n')],
    ['b'.repeat(64), changeSetOf('- host: db-3\n')],
  ]);
  const sources = {
    objects: {
      loadChangeSet: async (_: unknown, id: string) => {
        if (id === 'c'.repeat(64)) throw new ChangeSetTampered('hashes to something else');
        if (!stored.has(id)) throw new ChangeSetTampered('missing', true);
        return stored.get(id)!;
      },
    },
    restore: async (snapshot: string) =>
      MemoryStore.from({ [path]: snapshot === 'snap-c1' ? '- host: db-1\n' : '- host: db-2\n' }),
  };

  it('takes each kept cycle that changed the file, in order, with its approver and sessions', async () => {
    const records = [...cycle('c1', 'a'.repeat(64)), ...cycle('c2', 'b'.repeat(64))];
    const h = await blameHistory(scope, path, records, sources);
    expect(h.warnings).toEqual([]);
    expect(h.history.map((c) => [c.cycleId, c.before, c.after, c.approvedBy])).toEqual([
      ['c1', '- host: db-1\n', '- host: db-2\n', 'ana'],
      ['c2', '- host: db-2\n', '- host: db-3\n', 'ana'],
    ]);
    expect(h.labels).toEqual({ s1: { name: 'deploy fix' } });
    expect(blame('- host: db-3\n', h.history)[0]).toMatchObject({ cycleId: 'c2', origin: 'dream' });
  });

  it('skips cycles not kept and files not changed; a missing or swapped change set is a warning', async () => {
    const notKept = cycle('c3', 'a'.repeat(64)).filter((r) => r.event !== 'cycle-kept');
    const records = [...notKept, ...cycle('c4', 'd'.repeat(64)), ...cycle('c5', 'c'.repeat(64))];
    const h = await blameHistory(scope, path, records, sources);
    expect(h.history).toEqual([]);
    expect(h.warnings).toEqual([
      "cycle c4: its change set is missing; its lines are shown as the agent's",
      "cycle c5: its change set does not match the sha256 the audit log recorded; its lines are shown as the agent's",
    ]);
    const other = await blameHistory(scope, '/notes/other.md', cycle('c1', 'a'.repeat(64)), sources);
    expect(other).toEqual({ history: [], labels: {}, warnings: [] });
  });
});
