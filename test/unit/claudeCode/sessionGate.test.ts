import { utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sessionGate } from '../../../src/claudeCode/sessionGate.js';
import { claudeProject } from '../../support/claudeCode.js';

const hour = 3_600_000;

describe('when a session ends, is a dream due? (counted as Auto Dream counts)', () => {
  it('after a day since the last consolidation, with enough sessions since, the ending one and subagents not counted', async () => {
    const home = await claudeProject(); // four sessions (one with a subagent), never consolidated
    const now = Date.now();
    const g = { memoryDir: home.memoryDir, transcriptDirs: [home.folder], minHours: 24, now };
    expect(await sessionGate({ ...g, minSessions: 4 })).toMatchObject({ due: true, sessions: 4 });
    // the session ending now is not yet one to learn from
    expect(await sessionGate({ ...g, minSessions: 4, currentSession: home.sessions[3] })).toMatchObject({
      due: false,
      sessions: 3,
      why: '3 session(s) so far; 4 needed',
    });

    // consolidated two hours ago: not within a day, however many sessions
    const lock = join(home.memoryDir, '.consolidate-lock');
    await writeFile(lock, '');
    await utimes(lock, new Date(now - 2 * hour), new Date(now - 2 * hour));
    expect(await sessionGate({ ...g, minSessions: 1 })).toMatchObject({ due: false });
    expect((await sessionGate({ ...g, minSessions: 1 })).why).toMatch(/^last consolidated 2\.0 h ago/);

    // consolidated two days ago, after two of the sessions: only the two written since count
    await utimes(lock, new Date(now - 48 * hour), new Date(now - 48 * hour));
    const [a, b] = home.sessions.map((s) => join(home.folder, `${s}.jsonl`));
    for (const f of [a!, b!]) await utimes(f, new Date(now - 72 * hour), new Date(now - 72 * hour));
    const subagent = join(home.folder, home.sessions[1]!, 'subagents', 'agent-a5c9e21.jsonl');
    await utimes(subagent, new Date(now - hour), new Date(now - hour)); // a subagent is no session of its own
    expect(await sessionGate({ ...g, minSessions: 2 })).toMatchObject({ due: true, sessions: 2 });
    expect(await sessionGate({ ...g, minSessions: 3 })).toMatchObject({
      due: false,
      why: '2 session(s) since the last consolidation; 3 needed',
    });
  });
});
