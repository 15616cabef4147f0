import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadFleetConfig } from '../../src/config/fleet.js';
import { blame, isRedactionOf } from '../../src/cycle/blame.js';
import { planPromotion } from '../../src/cycle/promote.js';
import { ClaudeCodeStore } from '../../src/memory/claudeCode.js';
import { LiveStoreChanged } from '../../src/memory/apply.js';
import { diffStores } from '../../src/memory/diff.js';
import { MemoryStore } from '../../src/memory/store.js';
import { webhookBody } from '../../src/notify/webhook.js';
import { InvalidInput } from '../../src/util/errors.js';
import { tempDir } from '../support/sessions.js';

async function fleetFile(yaml: string): Promise<string> {
  const file = join(await tempDir(), 'dreamgate.yml');
  await writeFile(file, yaml);
  return file;
}

const minimal = `fleet: acme
defaults:
  reviewers: [alice]
agents:
  - id: coder
    store: ./coder/memory
    sessions: ./sessions
    suite: ./coder/suite.yml
`;

describe('fleet config', () => {
  it('fills defaults and resolves paths against the file', async () => {
    const file = await fleetFile(minimal);
    const fleet = await loadFleetConfig(file);
    expect(fleet.agents[0]).toMatchObject({
      id: 'coder',
      mode: 'review',
      threshold: 0.02,
      minNewSessions: 3,
      reviewTimeoutMs: 86_400_000,
      reviewers: ['alice'],
      dreamer: 'heuristic',
    });
    expect(fleet.agents[0]!.store).toBe(join(file, '..', 'coder', 'memory'));
    expect(fleet.concurrency).toBe(4);
  });

  it.each([
    [
      'a wrong mode, naming its line',
      minimal.replace('    suite: ./coder/suite.yml', '    suite: ./coder/suite.yml\n    mode: yolo'),
      /dreamgate\.yml:9: agents\[0\]\.mode: /,
    ],
    [
      'an unknown key, naming its line',
      minimal.replace('fleet: acme', 'fleet: acme\nconcurency: 2'),
      /dreamgate\.yml:2: \(top level\)?.*Unrecognized key: "concurency"/,
    ],
    [
      'a bad duration',
      minimal.replace('defaults:', 'defaults:\n  reviewTimeout: soon'),
      /defaults\.reviewTimeout: expected a duration/,
    ],
    [
      'a review agent with no reviewer',
      minimal.replace('  reviewers: [alice]\n', ''),
      /mode "review" needs at least one reviewer/,
    ],
    [
      'a bad time zone',
      minimal.replace('defaults:', 'schedule:\n  time: "02:30"\n  timezone: Mars/Olympus\ndefaults:'),
      /schedule\.timezone: expected an IANA time zone/,
    ],
    ['a duplicate agent', minimal + minimal.split('agents:\n')[1], /"coder" is used twice/],
  ])('refuses %s', async (_name, yaml, message) => {
    const err = await loadFleetConfig(await fleetFile(yaml)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInput);
    expect((err as Error).message).toMatch(message);
  });

  it('turns a team store into an automatic team-lessons agent over every agent store', async () => {
    const fleet = await loadFleetConfig(await fleetFile(minimal.replace('agents:', 'teamStore: ./team\nagents:')));
    expect(fleet.team).toMatchObject({
      fleet: 'acme',
      id: '@team',
      mode: 'automatic',
      dreamer: 'team-lessons',
      minNewSessions: 0,
      sources: [{ id: 'coder', store: fleet.agents[0]!.store }],
    });
  });
});

describe('promotion with rebase', () => {
  const snapshot = MemoryStore.from({ '/a.md': '- a\n', '/b.md': '- b\n' });
  const candidate = MemoryStore.from({ '/a.md': '- A\n', '/b.md': '- b\n' });
  const changes = diffStores(snapshot, candidate);

  it('keeps the agent’s disjoint writes', () => {
    const live = MemoryStore.from({ '/a.md': '- a\n', '/b.md': '- b, edited by the agent\n', '/c.md': '- new\n' });
    const plan = planPromotion(snapshot, live, changes);
    expect(plan).toMatchObject({ rebased: true, agentWrites: ['/b.md', '/c.md'], alreadyApplied: false });
    expect(plan.target.toObject()).toEqual({
      '/a.md': '- A\n',
      '/b.md': '- b, edited by the agent\n',
      '/c.md': '- new\n',
    });
  });
  it('is a conflict when the agent wrote a path the change set touches', () => {
    expect(() => planPromotion(snapshot, MemoryStore.from({ '/a.md': '- a2\n', '/b.md': '- b\n' }), changes)).toThrow(
      LiveStoreChanged,
    );
  });
  it('recognizes a promotion that already went through (a retried activity)', () => {
    expect(planPromotion(snapshot, candidate, changes).alreadyApplied).toBe(true);
  });
  it('resumes a promotion interrupted half-way: what it wrote is its own, not a conflict', () => {
    const s = MemoryStore.from({ '/a.md': '- a\n', '/b.md': '- b\n', '/c.md': '- c\n' });
    const c = MemoryStore.from({ '/a.md': '- A\n', '/b.md': '- B\n', '/d.md': '- d\n' });
    const all = diffStores(s, c);
    // the first attempt wrote /a.md and /d.md, then the worker died
    const half = MemoryStore.from({ '/a.md': '- A\n', '/b.md': '- b\n', '/c.md': '- c\n', '/d.md': '- d\n' });
    const plan = planPromotion(s, half, all);
    expect(plan.remaining.map((x) => x.path)).toEqual(['/b.md', '/c.md']);
    expect(plan.agentWrites).toEqual([]);
    expect(plan.target.toObject()).toEqual(c.toObject());
  });
});

describe('promotion merges the agent’s writes since the snapshot', () => {
  const index = '# Memory\n- [Deploy](deploy.md) — how releases go out\n';
  const deploy = '# Deploy\n- step one\n- step two\n- step three\n';
  const snapshot = MemoryStore.from({ '/MEMORY.md': index, '/deploy.md': deploy });
  const lesson = '---\nname: Flaky tests\ndescription: rerun once, then file it\n---\n\nrerun once\n';
  const candidate = MemoryStore.from({
    '/MEMORY.md': `${index}- [Flaky tests](lesson.md) — rerun once, then file it\n`,
    '/deploy.md': deploy.replace('- step one', '- step one (canary first)'),
    '/lesson.md': lesson,
  });
  const kind = new ClaudeCodeStore('/nonexistent/project');

  it('lands disjoint edits of one file, keeps a new topic file, and recomputes the index: each topic once', () => {
    const live = MemoryStore.from({
      '/MEMORY.md': `${index}- [Staging](staging.md) — hosts\n`,
      '/deploy.md': `${deploy}- step four\n`,
      '/staging.md': '# Staging\n- db-2\n',
    });
    const plan = planPromotion(snapshot, live, diffStores(snapshot, candidate), kind);
    expect(plan.merged.sort()).toEqual(['/MEMORY.md', '/deploy.md']);
    expect(plan.target.get('/deploy.md')).toBe(
      '# Deploy\n- step one (canary first)\n- step two\n- step three\n- step four\n',
    );
    expect(plan.target.get('/staging.md')).toBe('# Staging\n- db-2\n');
    const links = [...plan.target.get('/MEMORY.md')!.matchAll(/\]\(([^)]+)\)/g)].map((m) => m[1]);
    expect(links).toEqual(['deploy.md', 'staging.md', 'lesson.md']);
  });

  it('is a conflict only when both edited the same lines, naming them', () => {
    const live = MemoryStore.from({ '/MEMORY.md': index, '/deploy.md': deploy.replace('- step one', '- step 1') });
    expect(() => planPromotion(snapshot, live, diffStores(snapshot, candidate), kind)).toThrow(
      'the live store changed since the snapshot at "/deploy.md" (line 2)',
    );
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

describe('paging payloads', () => {
  const alert = {
    dedupKey: 'dreamgate/c1/page',
    summary: 'rolled back',
    severity: 'error' as const,
    source: 'dreamgate/a',
    details: { post: 0.4 },
  };
  it('speaks PagerDuty Events v2 with a dedup key per cycle', () => {
    expect(webhookBody({ url: 'http://x', format: 'pagerduty', routingKey: 'rk' }, alert)).toEqual({
      routing_key: 'rk',
      event_action: 'trigger',
      dedup_key: 'dreamgate/c1/page',
      payload: {
        summary: 'rolled back',
        source: 'dreamgate/a',
        severity: 'error',
        component: 'dreamgate',
        custom_details: { post: 0.4 },
      },
      links: [],
    });
  });
  it('or generic JSON', () => {
    expect(webhookBody({ url: 'http://x', format: 'json' }, alert)).toMatchObject({
      type: 'dreamgate.alert',
      dedup_key: 'dreamgate/c1/page',
      details: { post: 0.4 },
    });
  });
});
