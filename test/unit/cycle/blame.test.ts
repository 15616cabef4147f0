import { describe, expect, it } from 'vitest';
import { blame, blameHistory, isRedactionOf, type LoggedRecord } from '../../../src/cycle/blame.js';
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

describe('blame', () => {
  it('names the cycle, sessions and approver of each line; older lines are "before dreamgate"; later edits are the agent’s', () => {
    const lines = blame('# Infra\n- host: db-2\n- cache: redis-3\n- added by hand\n', [
      {
        cycleId: 'c1',
        at: '2026-11-01',
        approvedBy: 'alice',
        before: '# Infra\n- host: db-1\n',
        after: '# Infra\n- host: db-2\n',
        evidence: [{ session_id: 's9' }],
        reason: 'superseded',
      },
      {
        cycleId: 'c2',
        at: '2026-11-02',
        before: '# Infra\n- host: db-2\n',
        after: '# Infra\n- host: db-2\n- cache: redis-3\n',
        evidence: [{ session_id: 's12' }, { session_id: 's13' }],
        reason: 'insight',
      },
    ]);
    expect(lines.map((l) => [l.line, l.origin, l.cycleId, l.approvedBy, l.sessions])).toEqual([
      ['# Infra', 'before-dreamgate', undefined, undefined, []],
      ['- host: db-2', 'dream', 'c1', 'alice', ['s9']],
      ['- cache: redis-3', 'dream', 'c2', undefined, ['s12', 's13']],
      ['- added by hand', 'agent', undefined, undefined, []],
    ]);
  });

  it('keeps a redacted line its author’s, naming the cycle that redacted it; a moved line is not the change’s sessions’', () => {
    const key = 'sk_live_51HxQ2eK9mZ7vT4rW8yB3nC6dF1gJ0aLpQ';
    const lines = blame(
      '# Ops\n- Stripe key: [REDACTED:stripe-key] (rotate monthly)\n- Deploy: Fridays\n- old host: db-1\n',
      [
        {
          cycleId: 'c1',
          at: '2026-11-01',
          before: '# Ops\n',
          after: `# Ops\n- Stripe key: ${key} (rotate monthly)\n- Deploy: Tuesdays\n`,
          evidence: [{ session_id: 's4' }],
          reason: 'insight',
        },
        {
          // one change that redacts the key, supersedes a line (s9 wrote the newer one) and moves a line in
          cycleId: 'c2',
          at: '2026-11-02',
          before: `# Ops\n- Stripe key: ${key} (rotate monthly)\n- Deploy: Tuesdays\n`,
          after: '# Ops\n- Stripe key: [REDACTED:stripe-key] (rotate monthly)\n- Deploy: Fridays\n- old host: db-1\n',
          evidence: [{ session_id: 's9' }],
          reason: 'superseded',
          movedIn: [{ line: 4, from: '/infra.md:7' }],
        },
      ],
    );
    expect(lines.map((l) => [l.line.slice(0, 14), l.cycleId, l.sessions, l.redactedBy, l.movedFrom])).toEqual([
      ['# Ops', undefined, [], undefined, undefined],
      ['- Stripe key: ', 'c1', ['s4'], 'c2', undefined], // s4 brought it; c2 only redacted it (not s9)
      ['- Deploy: Frid', 'c2', ['s9'], undefined, undefined],
      ['- old host: db', 'c2', [], undefined, '/infra.md:7'],
    ]);
  });

  it('tells a redaction from an edit', () => {
    expect(isRedactionOf('token: abc123 here', 'token: [REDACTED:api-key] here')).toBe(true);
    expect(isRedactionOf('token: abc123 there', 'token: [REDACTED:api-key] here')).toBe(false);
    expect(isRedactionOf('token: [REDACTED:api-key]', 'token: [REDACTED:api-key]')).toBe(false);
    expect(isRedactionOf('a.b', 'a.b')).toBe(false);
  });
});
