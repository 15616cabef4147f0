import { describe, expect, it } from 'vitest';
import { planPromotion } from '../../../src/cycle/promote.js';
import { ClaudeCodeStore } from '../../../src/claudeCode/store.js';
import { LiveStoreChanged } from '../../../src/memory/apply.js';
import { diffStores } from '../../../src/memory/diff.js';
import { MemoryStore } from '../../../src/memory/store.js';

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
