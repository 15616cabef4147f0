import { describe, expect, it } from 'vitest';
import { HeuristicDreamer } from '../../../src/dream/heuristic.js';
import { generatedPlace } from '../../../src/dream/lessonPlace.js';
import { runDream } from '../../../src/dream/run.js';
import { MemoryStore } from '../../../src/memory/store.js';
import { selectSessions } from '../../../src/sources/sessions.js';
import { SessionBuilder, writeSessions } from '../../support/sessions.js';

const topic = (name: string, type: string, body: string) =>
  `---\nname: ${name}\ndescription: ${name} in one line\ntype: ${type}\n---\n\n${body}\n`;
/** A Claude Code auto-memory folder: topic files with front matter, and an index linking each. */
const autoMemory = {
  '/memory/MEMORY.md':
    '# Memory Index\n\n- [Git preference](feedback_git.md) — the user commits by hand\n- [Project state](project_state.md) — where the work stands\n- [Syntax check](feedback_check.md) — run the check after edits\n',
  '/memory/feedback_git.md': topic('Git preference', 'feedback', 'Never offer to commit.'),
  '/memory/project_state.md': topic('Project state', 'project', 'The map tooltip is done.'),
  '/memory/feedback_check.md': topic('Syntax check', 'feedback', 'Run `npm run check` after edits.'),
};
const title = 'Recurring mistakes';
const description = 'Errors seen in several sessions, and what worked after them.';

describe('a generated file goes where the agent reads it', () => {
  it('follows an indexed folder: its front matter fields, and a line in the index in the index’s shape', () => {
    const at = generatedPlace(
      new Map(Object.entries(autoMemory)),
      'recurring-mistakes.md',
      '/lessons/recurring-mistakes.md',
      title,
      description,
    );
    expect(at.path).toBe('/memory/recurring-mistakes.md');
    expect(at.header).toBe(
      `---\nname: "${title}"\ndescription: "${description}"\ntype: feedback\n---\n\n# ${title}\n\n${description}\n`,
    );
    expect(at.index).toEqual({
      path: '/memory/MEMORY.md',
      line: `- [${title}](recurring-mistakes.md) — ${description}`,
    });
  });

  it('keeps the default place in a store with no index, and an existing file where it is', () => {
    const plain = new Map([
      ['/notes.md', '- one\n'],
      ['/infra.md', '- two\n'],
    ]);
    expect(
      generatedPlace(plain, 'recurring-mistakes.md', '/lessons/recurring-mistakes.md', title, description),
    ).toEqual({
      path: '/lessons/recurring-mistakes.md',
      header: `# ${title}\n\n${description}\n`,
    });
    const linked = new Map(Object.entries(autoMemory));
    linked.set('/lessons/recurring-mistakes.md', `# ${title}\n`);
    const at = generatedPlace(linked, 'recurring-mistakes.md', '/lessons/recurring-mistakes.md', title, description);
    expect(at.path).toBe('/lessons/recurring-mistakes.md');
  });

  it('writes a recurring error’s lesson into the indexed folder and links it from the index', async () => {
    const sessions = [0, 1, 2].map((i) =>
      new SessionBuilder(`sess_${i}`, Date.parse('2026-11-01T09:00:00Z') + i * 86_400_000)
        .user('Check the app')
        .tool(
          'bash',
          { command: 'node --check app.js' },
          `SyntaxError: Identifier 'overlay' has already been declared`,
          true,
        )
        .tool('edit', { command: 'remove the second overlay declaration' }, 'ok')
        .tool('bash', { command: 'node --check app.js' }, 'ok'),
    );
    const root = await writeSessions('agent-p', sessions);
    const { store, changeSet } = await runDream(new HeuristicDreamer(), {
      agentId: 'agent-p',
      snapshotId: null,
      store: MemoryStore.from(autoMemory),
      sessions: await selectSessions(root, 'agent-p'),
    });
    const lessons = store.get('/memory/recurring-mistakes.md')!;
    expect(lessons).toMatch(/^---\nname: "Recurring mistakes"\n/);
    expect(lessons).toMatch(/Identifier 'overlay' has already been declared/);
    expect(store.get('/lessons/recurring-mistakes.md')).toBeUndefined();
    expect(store.get('/memory/MEMORY.md')).toBe(
      `${autoMemory['/memory/MEMORY.md']}- [${title}](recurring-mistakes.md) — ${description}\n`,
    );
    expect(changeSet.changes.find((c) => c.path === '/memory/MEMORY.md')).toMatchObject({ tier: 'applied' });
  });
});
