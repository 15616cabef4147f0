import { describe, expect, it } from 'vitest';
import { appliedChanges } from '../../../src/memory/changeSet.js';
import { heuristicDream } from '../../support/dream.js';
import { SessionBuilder } from '../../support/sessions.js';

/** Updates the store holds in other shapes than the session wrote them: placed by structure and evidence. */
const dream = (store: Record<string, string>, sessions: SessionBuilder[] = []) =>
  heuristicDream('agent-s', store, sessions);
const day = (d: number) => Date.parse('2026-11-01T09:00:00Z') + d * 86_400_000;
/** A session that adds `line` to the end of the file at `path` (which the store also holds). */
const adds = (id: string, path: string, before: string, line: string) =>
  new SessionBuilder(id, day(1)).memory('str_replace', path, { old_str: before, new_str: `${before}\n${line}` });

describe('an update of a value the store keeps in several places', () => {
  it('suggests the new value in every copy of the old one, together', async () => {
    const store = {
      '/brief.md': '# Brief\n\n- Backend: Node 18 + Fastify\n',
      '/patterns.md': '# Patterns\n\n- **Backend:** Node.js 18 with Fastify, serves the API\n',
      '/tech.md': '# Tech\n\n- **Backend:** Node.js 18, Fastify, BullMQ\n- **Queue:** Redis 7\n',
      '/active.md': '# Active\n\n## Recent\n- Backend em Node.js 20 LTS no Railway (2026-11-02)\n',
    };
    const s = adds('sess_1', '/active.md', '## Recent', '- Backend em Node.js 20 LTS no Railway (2026-11-02)');
    const { store: out, changeSet, accepted } = await dream(store, [s]);
    expect(appliedChanges(changeSet.changes).filter((c) => c.path !== '/active.md')).toEqual([]);
    expect(out.get('/tech.md')).toContain('Node.js 18');
    const suggested = changeSet.changes.filter((c) => c.tier === 'suggested' && !c.path.startsWith('/archive/'));
    expect(suggested.map((c) => c.path).sort()).toEqual(['/brief.md', '/patterns.md', '/tech.md']);
    expect(new Set(suggested.map((c) => c.suggestion)).size).toBe(1);
    const after = accepted();
    expect(after.get('/tech.md')).toContain('- **Backend:** Node.js 20, Fastify, BullMQ');
    expect(after.get('/brief.md')).toContain('- Backend: Node 20 + Fastify');
    expect(after.get('/archive/tech.md')).toContain('Node.js 18, Fastify');
  });

  it('suggests an update that shares one rare word when the values stand in alike surroundings', async () => {
    const store = {
      '/steering/tech.md': '# Tech\n\n- **Python 3.7+**: Programming language\n- **PostgreSQL**: database\n',
      '/steering/structure.md': '# Structure\n\n## Runtime\n- Runtime: Python 3.11 (the image was rebuilt)\n',
    };
    const s = adds('sess_1', '/steering/structure.md', '## Runtime', '- Runtime: Python 3.11 (the image was rebuilt)');
    const { store: out, changeSet, accepted } = await dream(store, [s]);
    expect(out.get('/steering/tech.md')).toContain('Python 3.7+');
    expect(changeSet.changes.find((c) => c.path === '/steering/tech.md')).toMatchObject({ tier: 'suggested' });
    expect(accepted().get('/steering/tech.md')).toContain('- **Python 3.11+**: Programming language');
  });

  it('reports a contradiction when the new value could update several lines with other values', async () => {
    const store = {
      '/ops.md':
        '# Ops\n\n- Worker queue timeout: 30s for jobs\n- Worker retry timeout: 45s for jobs\n- Worker poll timeout: 60s for jobs\n',
      '/log.md': '# Log\n\n## Changes\n- Worker timeout raised to 90s for jobs\n',
    };
    const s = adds('sess_1', '/log.md', '## Changes', '- Worker timeout raised to 90s for jobs');
    const { changeSet } = await dream(store, [s]);
    expect(changeSet.changes.filter((c) => c.path === '/ops.md')).toEqual([]);
    const finding = changeSet.findings.find((f) => f.kind === 'contradiction');
    expect(finding?.detail).toMatch(/"90s".*sess_1.*left for a reviewer|sess_1.*"90s".*left for a reviewer/);
    expect(finding?.at.map((a) => a.path)).toEqual(['/log.md', '/ops.md', '/ops.md', '/ops.md']);
  });
});

describe('a placeholder a session fills in', () => {
  it('suggests the value where the store held `TBD`', async () => {
    const store = {
      '/deploy.md': '# Deploy\n\n## Hosting\n- **Domain**: TBD\n- **Region**: fra1\n',
      '/hosting.md': '# Notes\n\n## Hosting\n- **Domain**: app.example-werkbank.de\n',
    };
    const s = adds('sess_1', '/hosting.md', '## Hosting', '- **Domain**: app.example-werkbank.de');
    const { store: out, changeSet, accepted } = await dream(store, [s]);
    expect(out.get('/deploy.md')).toContain('TBD');
    expect(changeSet.changes.find((c) => c.path === '/deploy.md')).toMatchObject({ tier: 'suggested' });
    expect(accepted().get('/deploy.md')).toContain('- **Domain**: app.example-werkbank.de');
  });
});

describe('template labels are no fact keys', () => {
  const record = (topic: string, why: string, how: string) =>
    `---\nname: ${topic}\ntype: feedback\n---\n\n# ${topic}\n\n**Why:** ${why}\n\n**How to apply:** ${how}\n`;
  it('leaves a field every memory file fills in with its own value alone', async () => {
    const cache = record(
      'Cache',
      'The browser keeps the old module.',
      'Every `app.js` changes done, bump the version.',
    );
    const store = {
      '/memory/git.md': record(
        'Git',
        'The user keeps history himself.',
        'Changes done, never ask "commit now?", ask about the tests instead.',
      ),
      '/memory/close.md': record('Close', 'The log is the context.', 'Update the log first, then confirm.'),
      '/memory/check.md': record('Check', 'A syntax error breaks every button.', 'Run the syntax check after edits.'),
      '/memory/state.md': record('State', 'Tomorrow starts from here.', 'Read this first in a session.'),
      '/memory/cache.md': cache,
    };
    const s = new SessionBuilder('sess_1', day(1)).memory('create', '/memory/cache.md', { file_text: cache });
    const { changeSet, accepted } = await dream(store, [s]);
    expect(changeSet.changes.filter((c) => c.path !== '/memory/cache.md')).toEqual([]);
    expect(accepted().get('/memory/git.md')).toBe(store['/memory/git.md']);
  });
});

describe('near-duplicates', () => {
  it('reports a line a session saved again a word apart, and merges nothing', async () => {
    const patterns =
      '# Patterns\n\n## Git\n- Always run **one** `git pull origin dev` when arriving on a new machine\n- Never commit `.env.local`\n- Deploy 3 times a week\n- Run one check, then one test run before a push\n';
    const note =
      '# Notes 2026-11-02\n\n- Always run `git pull origin dev` when arriving on a new machine\n- Deploy 4 times a week\n- Run check, then one test run before a push\n';
    const s = new SessionBuilder('sess_1', day(1)).memory('create', '/notes/2026-11-02.md', { file_text: note });
    const { store, changeSet } = await dream({ '/patterns.md': patterns, '/notes/2026-11-02.md': note }, [s]);
    expect(store.get('/patterns.md')).toBe(patterns);
    expect(store.get('/notes/2026-11-02.md')).toContain('Always run `git pull origin dev`');
    const near = changeSet.findings.filter((f) => f.kind === 'duplicate' && f.detail.startsWith('nearly'));
    // a word apart, and a word said once where the store says it twice; a number apart is no copy
    expect(near).toHaveLength(2);
    expect(near[0]!.detail).toMatch(/sess_1/);
    expect(near.map((f) => f.at.map((a) => `${a.path}:${a.line}`))).toEqual([
      ['/notes/2026-11-02.md:3', '/patterns.md:4'],
      ['/notes/2026-11-02.md:5', '/patterns.md:7'],
    ]);
  });
});
