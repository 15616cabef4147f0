import { describe, expect, it } from 'vitest';
import { editedAway, judgeLines, lineDelta, ownerLines, type KeptLine } from '../../../src/dream/lineMemory.js';
import type { Change } from '../../../src/memory/changeSet.js';
import { MemoryStore } from '../../../src/memory/store.js';

const store = (files: Record<string, string>) => MemoryStore.from(new Map(Object.entries(files)));
const project = '# payments-api\n\n- CI pipeline duration on main: about 12 minutes\n- Deploy days: Wednesdays only\n';
const update = (after: string): Change => ({
  op: 'update',
  path: '/project.md',
  before_sha256: 'a'.repeat(64),
  after,
  reason: 'superseded',
  detail: 'superseded',
  evidence: [{ session_id: 'old' }],
});
const ended = new Map([
  ['old', Date.parse('2026-11-30T10:00:00Z')],
  ['new', Date.parse('2026-12-02T10:00:00Z')],
]);

describe('what a change adds and takes out, line by line', () => {
  it('compares normalized lines, so markup and spacing do not count as a change', () => {
    expect(lineDelta('- **Deploy**  days: Wed\n', '- Deploy days: Wed\n- New line here\n')).toEqual({
      added: ['new line here'],
      removed: [],
    });
  });
});

describe('a reviewer’s edit of a proposal', () => {
  it('remembers the lines the reviewer took out of what the dream added, and kept of what it removed', () => {
    const proposed = update(
      '# payments-api\n\n- CI pipeline duration on main: about 8 minutes\n- Deploy days: Mondays\n',
    );
    const approved = update(
      '# payments-api\n\n- CI pipeline duration on main: about 12 minutes\n- Deploy days: Mondays\n',
    );
    expect(editedAway(store({ '/project.md': project }), [proposed], [approved])).toEqual([
      { path: '/project.md', line: 'ci pipeline duration on main: about 8 minutes', act: 'add' },
      { path: '/project.md', line: 'ci pipeline duration on main: about 12 minutes', act: 'remove' },
    ]);
  });

  it('remembers nothing of a proposal approved as it was, or left out whole (known by its fingerprint)', () => {
    const proposed = update(project.replace('12', '8'));
    expect(editedAway(store({ '/project.md': project }), [proposed], [proposed])).toEqual([]);
    expect(editedAway(store({ '/project.md': project }), [proposed], [])).toEqual([]);
  });
});

describe('the owner’s hand edits', () => {
  it('are the lines in the store now that the last promotion did not write', () => {
    const promoted = store({ '/project.md': project.replace('12', '8'), '/archive/project.md': 'old\n' });
    const now = store({
      '/project.md': project.replace('12', '10'),
      '/archive/project.md': 'old\nnewer archive line\n',
      '/new.md': '# New\n\n- A fact the owner wrote\n',
    });
    expect(ownerLines(promoted, now)).toEqual([
      { path: '/new.md', line: 'a fact the owner wrote' },
      { path: '/project.md', line: 'ci pipeline duration on main: about 10 minutes' },
    ]);
  });
});

describe('judging a change over kept lines', () => {
  const owner: KeptLine = {
    path: '/project.md',
    line: 'ci pipeline duration on main: about 12 minutes',
    act: 'remove',
    by: 'owner',
    who: 'the owner',
    at: '2026-12-01T10:00:00.000Z',
    changeSetId: 'c'.repeat(64),
  };
  const rewrite = project.replace('12', '8');

  it('holds back a rewrite of the owner’s line while no session since says otherwise', () => {
    const j = judgeLines('/project.md', project, rewrite, [owner], [{ session_id: 'old' }], ended);
    expect(j).toEqual({
      kind: 'held',
      why: '"ci pipeline duration on main: about 12 minutes" was written by hand since the last promotion (change set cccccccccccc); no session since says otherwise',
    });
  });

  it('lets a newer session rewrite it, saying it overrides an owner edit', () => {
    const j = judgeLines('/project.md', project, rewrite, [owner], [{ session_id: 'new' }], ended);
    expect(j).toMatchObject({
      kind: 'override',
      override: { kind: 'owner-edit', changeSetId: owner.changeSetId, reviewer: 'the owner', sessions: ['new'] },
    });
    expect(j?.kind === 'override' && j.note).toContain('overrides an owner edit');
  });

  it('holds back a line a reviewer took out, and lets other changes of the file through', () => {
    const took: KeptLine = { ...owner, act: 'add', by: 'reviewer', who: 'alice', line: 'deploy days: mondays' };
    const j = judgeLines('/project.md', project, `${project}- Deploy days: Mondays\n`, [took], [], ended);
    expect(j).toMatchObject({ kind: 'held' });
    expect(j?.kind === 'held' && j.why).toContain('was taken out by alice on 2026-12-01');
    expect(judgeLines('/project.md', project, `${project}- Other\n- Another line\n`, [took], [], ended)).toBe(
      undefined,
    );
    expect(judgeLines('/other.md', project, rewrite, [owner], [], ended)).toBe(undefined);
  });
});
