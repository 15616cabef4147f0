import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exampleAgent } from './cycleHarness.js';

/**
 * A small store whose dream proposes exactly four changes: a superseded line and its archive (applied), and
 * two duplicates the store held before any session (suggestions 1 and 2).
 */
export const store = {
  '/infra.md':
    '# Staging\n\n- staging db: db-1.internal\n- deploys go through the staging pipeline first\n- staging db: db-2.internal\n',
  '/people.md': '# People\n\n- Dana owns billing\n- Priya owns the deploy pipeline\n- Dana owns billing\n',
  '/tools.md':
    '# Tools\n\n- use pnpm, not npm, in the web repo\n- run the linter before each push\n- use pnpm, not npm, in the web repo\n',
};
const suite = `cases:
  - id: staging-db
    question: Which database host does staging use?
    expect: { all: ["db-2.internal"], none: ["db-1.internal"] }
`;

/** One session: the user names the new host, and the agent writes it to memory. */
const session = [
  {
    type: 'user.message',
    id: 'evt_1',
    processed_at: '2026-11-02T10:00:00Z',
    content: [{ type: 'text', text: 'Staging moved to db-2.internal today; db-1 is gone.' }],
  },
  {
    type: 'agent.tool_use',
    id: 'evt_2',
    processed_at: '2026-11-02T10:00:05Z',
    name: 'memory',
    input: {
      command: 'str_replace',
      path: '/memories/infra.md',
      old_str: '- deploys go through the staging pipeline first',
      new_str: '- deploys go through the staging pipeline first\n- staging db: db-2.internal',
    },
  },
  {
    type: 'agent.tool_result',
    id: 'evt_3',
    processed_at: '2026-11-02T10:00:06Z',
    tool_use_id: 'evt_2',
    content: [{ type: 'text', text: 'ok' }],
  },
];

/** An agent in review mode over that store, with the one session behind the superseded line. */
export async function deskAgent() {
  const agent = await exampleAgent('support-agent', { mode: 'review', reviewers: ['alice'], minNewSessions: 0 }, suite);
  await rm(agent.store, { recursive: true });
  await rm(join(agent.sessions, agent.id), { recursive: true });
  await mkdir(agent.store, { recursive: true });
  await mkdir(join(agent.sessions, agent.id), { recursive: true });
  for (const [path, text] of Object.entries(store)) await writeFile(join(agent.store, path), text);
  await writeFile(
    join(agent.sessions, agent.id, 'sess_desk_1.jsonl'),
    session.map((e) => JSON.stringify(e)).join('\n') + '\n',
  );
  return agent;
}
