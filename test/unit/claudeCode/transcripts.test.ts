import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveClaudeCode, sanitizePath } from '../../../src/claudeCode/paths.js';
import {
  digestTranscript,
  memoryMapper,
  selectClaudeCodeSessions,
  transcriptEvents,
} from '../../../src/claudeCode/transcripts.js';
import { InvalidInput } from '../../../src/util/errors.js';
import { claudeHome, TranscriptBuilder, writeTranscript } from '../../support/claudeCode.js';
import { tempDir } from '../../support/sessions.js';

const sid = (n: number) => `5f0c${n}a1e-7b2d-4c3e-9f10-0000000000${n.toString().padStart(2, '0')}`;

async function events(file: string, memoryDir?: string) {
  const out: Record<string, unknown>[] = [];
  for await (const e of transcriptEvents(file, memoryDir ? { toMemory: memoryMapper([memoryDir]) } : {}))
    out.push(e.event as Record<string, unknown>);
  return out;
}

describe('Claude Code transcripts', () => {
  it('reads user and assistant records as SPEC §2 events, memory edits as memory writes with their time', async () => {
    const home = await claudeHome();
    const t = new TranscriptBuilder(sid(1), home.project)
      .user('The staging database moved to pg-staging-2.internal last week')
      .tool(
        'Read',
        { file_path: join(home.memoryDir, 'infra.md') },
        '     1→# Infra\n     2→- staging db: pg-staging-1.internal',
      )
      .tool(
        'Edit',
        {
          file_path: join(home.memoryDir, 'infra.md'),
          old_string: '- staging db: pg-staging-1.internal',
          new_string: '- staging db: pg-staging-2.internal',
        },
        'The file has been updated.',
      )
      .tool(
        'Write',
        { file_path: join(home.memoryDir, 'prefs.md'), content: '# Prefs\n- use pnpm, not npm' },
        'File created',
      )
      .tool(
        'MultiEdit',
        {
          file_path: join(home.memoryDir, 'prefs.md'),
          edits: [
            { old_string: '# Prefs', new_string: '# Preferences' },
            { old_string: '- use pnpm, not npm', new_string: '- use pnpm, not npm\n- run tests with pnpm vitest' },
          ],
        },
        'Applied 2 edits',
      )
      .tool('Write', { file_path: join(home.project, 'src', 'db.ts'), content: 'export const db = 1;' }, 'File created')
      .tool('WebFetch', { url: 'https://docs.example.test/pg', prompt: 'summarize' }, 'Postgres docs summary');
    const file = await writeTranscript(home.folder, t);
    const evs = await events(file, home.memoryDir);
    expect(evs.map((e) => e.type)).toContain('user.message');
    expect(evs.filter((e) => e.type === 'agent.tool_use').map((e) => e.name)).toEqual([
      'read',
      'edit',
      'write',
      'edit',
      'edit',
      'write',
      'web_fetch',
    ]);
    const read = evs.find((e) => e.name === 'read')!;
    expect((read.input as Record<string, unknown>).file_path).toBe('/mnt/memory/claude-code/infra.md');

    const d = (await digestTranscript(
      { file, sessionId: sid(1), sidechain: false, mtimeMs: 0 },
      memoryMapper([home.memoryDir]),
    ))!;
    expect(d.sessionId).toBe(sid(1));
    expect(d.userStatements.map((u) => u.text)).toEqual([
      'The staging database moved to pg-staging-2.internal last week',
    ]);
    expect(d.memoryWrites.map((w) => [w.path, w.lines])).toEqual([
      ['/infra.md', ['- staging db: pg-staging-2.internal']],
      ['/prefs.md', ['# Prefs', '- use pnpm, not npm']],
      ['/prefs.md', ['# Preferences']],
      ['/prefs.md', ['- run tests with pnpm vitest']],
    ]);
    // a write outside the memory directory is not a memory write, but it is a tool call
    expect(d.toolCalls.map((c) => c.input)).toContain(join(home.project, 'src', 'db.ts'));
    const editRecord = t.records.find((r) => r.type === 'assistant' && JSON.stringify(r).includes('"name":"Edit"'))!;
    expect(d.memoryWrites[0]!.at).toBe(Date.parse(editRecord.timestamp as string));
    expect(d.injection).toBeUndefined();
  });

  it('reads one assistant message split over several records sharing message.id once, even when a record repeats', async () => {
    const dir = await tempDir();
    const t = new TranscriptBuilder(sid(2), '/work/app').user('What is in the notes?').assistant(
      [
        { type: 'thinking', thinking: 'look at the notes', signature: 'sig' },
        { type: 'text', text: 'Let me look.' },
        { type: 'tool_use', id: 'toolu_split_1', name: 'Bash', input: { command: 'ls notes' } },
        { type: 'tool_use', id: 'toolu_split_2', name: 'Bash', input: { command: 'wc -l notes/a.md' } },
      ],
      'msg_split_01',
    );
    // Claude Code sometimes writes a streamed record again: same message id, same block
    t.records.push(structuredClone(t.records.at(-1)!));
    t.records.push({
      ...structuredClone(t.records.at(-1)!),
      type: 'user',
      message: {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_split_1', content: 'a.md\nb.md', is_error: false },
          {
            type: 'tool_result',
            tool_use_id: 'toolu_split_2',
            content: 'wc: notes/a.md: No such file',
            is_error: true,
          },
        ],
      },
    });
    const file = await writeTranscript(dir, t);
    const evs = await events(file);
    const messageRecords = t.records.filter((r) => (r.message as { id?: string } | undefined)?.id === 'msg_split_01');
    expect(messageRecords.length).toBe(5);
    expect(evs.filter((e) => e.type === 'agent.message').map((e) => e.content)).toEqual([
      [{ type: 'text', text: 'Let me look.' }],
    ]);
    expect(evs.filter((e) => e.type === 'agent.tool_use').map((e) => e.id)).toEqual(['toolu_split_1', 'toolu_split_2']);
    expect(evs.filter((e) => e.type === 'agent.tool_result').map((e) => [e.tool_use_id, e.is_error])).toEqual([
      ['toolu_split_1', false],
      ['toolu_split_2', true],
    ]);
    const d = (await digestTranscript({ file, sessionId: sid(2), sidechain: false, mtimeMs: 0 }))!;
    expect(d.toolCalls.map((c) => [c.name, c.input, c.error ?? ''])).toEqual([
      ['bash', 'ls notes', ''],
      ['bash', 'wc -l notes/a.md', 'wc: notes/a.md: No such file'],
    ]);
  });

  it('reads a sidechain: the prompt a subagent is given is the parent agent’s words, not the user’s', async () => {
    const home = await claudeHome();
    const main = new TranscriptBuilder(sid(3), home.project).user('Find where retries are configured');
    main.tool('Task', { description: 'search', prompt: 'Search the repo for retry settings' }, 'Found in src/http.ts');
    const sub = new TranscriptBuilder(sid(3), home.project, '2026-11-02T09:00:01.500Z', true)
      .user('Search the repo for retry settings')
      .tool('Grep', { pattern: 'retries', path: home.project }, 'src/http.ts:12: retries: 3')
      .tool(
        'Edit',
        {
          file_path: join(home.memoryDir, 'MEMORY.md'),
          old_string: '# Memory',
          new_string: '# Memory\n- retries live in src/http.ts',
        },
        'ok',
      );
    await writeTranscript(home.folder, main);
    await writeTranscript(home.folder, sub, join(home.folder, sid(3), 'subagents', 'agent-a1b2c3d.jsonl'));
    const sel = await selectClaudeCodeSessions(home.project, {}, { CLAUDE_CONFIG_DIR: home.configDir });
    expect(sel.invalid).toEqual([]);
    const byId = new Map(sel.sessions.map((s) => [s.sessionId, s]));
    expect([...byId.keys()].sort()).toEqual([sid(3), `${sid(3)}/agent-a1b2c3d`]);
    const subDigest = byId.get(`${sid(3)}/agent-a1b2c3d`)!;
    expect(subDigest.userStatements).toEqual([]);
    expect(subDigest.memoryWrites.map((w) => [w.path, w.lines])).toEqual([
      ['/MEMORY.md', ['- retries live in src/http.ts']],
    ]);
    expect(byId.get(sid(3))!.userStatements.map((u) => u.text)).toEqual(['Find where retries are configured']);
  });

  it('passes over summary, system, progress, snapshot, meta and unknown records', async () => {
    const dir = await tempDir();
    const t = new TranscriptBuilder(sid(4), '/work/app')
      .summary('Fixing the build')
      .snapshot()
      .system('<command-name>/clear</command-name>')
      .user('<command-name>/memory</command-name>\n<command-message>memory</command-message>')
      .user('<local-command-stdout>Opened memory file</local-command-stdout>')
      .user('Caveat: the messages below were generated by the user while running local commands.', { isMeta: true })
      .progress()
      .user('Please keep using tabs in Makefiles');
    t.records.push({ type: 'queue-operation', operation: 'enqueue', timestamp: '2026-11-02T09:10:00.000Z' });
    t.records.push({ type: 'custom-title-v9', title: 'x', somethingNew: { nested: true } });
    t.say('Noted.');
    const file = await writeTranscript(dir, t);
    const evs = await events(file);
    expect(evs.map((e) => e.type)).toEqual(['user.message', 'agent.message']);
    expect((evs[0]!.content as { text: string }[])[0]!.text).toBe('Please keep using tabs in Makefiles');
  });

  it('makes a session with a broken line invalid input naming file and line, and reads the others', async () => {
    const home = await claudeHome();
    const good = new TranscriptBuilder(sid(5), home.project).user('The deploy script is scripts/ship.sh');
    const bad = new TranscriptBuilder(sid(6), home.project).user('first line is fine').say('ok');
    await writeTranscript(home.folder, good);
    const badFile = await writeTranscript(home.folder, bad);
    await appendFile(
      badFile,
      '{"type":"assistant","message":{"role":"assistant","content":[{"type":"text","text":"cut o\n',
    );
    const noTime = new TranscriptBuilder(sid(7), home.project).user('hello');
    delete noTime.records[0]!.timestamp;
    const noTimeFile = await writeTranscript(home.folder, noTime);
    // a transcript with nothing but a summary is not a session, and not an error either
    await writeFile(
      join(home.folder, `${sid(8)}.jsonl`),
      JSON.stringify({ type: 'summary', summary: 'x', leafUuid: null }) + '\n',
    );

    const sel = await selectClaudeCodeSessions(home.project, {}, { CLAUDE_CONFIG_DIR: home.configDir });
    expect(sel.sessions.map((s) => s.sessionId)).toEqual([sid(5)]);
    expect(sel.invalid.map((i) => i.error).sort()).toEqual(
      [`${badFile}:3: not JSON`, `${noTimeFile}:1: a "user" record without a valid "timestamp"`]
        .sort()
        .map((e) => expect.stringContaining(e)),
    );
    await expect(digestTranscript({ file: badFile, sessionId: sid(6), sidechain: false, mtimeMs: 0 })).rejects.toThrow(
      InvalidInput,
    );
  });

  it('reads a session still being written up to its last whole record', async () => {
    const dir = await tempDir();
    const t = new TranscriptBuilder(sid(9), '/work/app').user('Deploys are on Wednesdays now').say('Noted.');
    const file = await writeTranscript(dir, t);
    await appendFile(file, '{"type":"assistant","message":{"role":"assistant","content":[{"type":"text","text":"Sta');
    const d = (await digestTranscript({ file, sessionId: sid(9), sidechain: false, mtimeMs: 0 }))!;
    expect(d.userStatements.map((u) => u.text)).toEqual(['Deploys are on Wednesdays now']);
    // the same line with the file ended is a broken file
    await appendFile(file, '\n');
    await expect(digestTranscript({ file, sessionId: sid(9), sidechain: false, mtimeMs: 0 })).rejects.toThrow(
      `${file}:3: not JSON`,
    );
  });

  it('finds the transcripts of the project’s worktrees and subdirectories, and not of a sibling with a longer name', async () => {
    const home = await claudeHome();
    // a linked worktree, as `git worktree add ../shop-api-wt` records it
    const wt = join(home.project, '..', 'shop-api-wt');
    await mkdir(join(home.project, '.git', 'worktrees', 'shop-api-wt'), { recursive: true });
    await writeFile(join(home.project, '.git', 'worktrees', 'shop-api-wt', 'gitdir'), join(wt, '.git') + '\n');
    await writeFile(join(home.project, '.git', 'worktrees', 'shop-api-wt', 'commondir'), '../..\n');
    await mkdir(wt, { recursive: true });
    await writeFile(join(wt, '.git'), `gitdir: ${join(home.project, '.git', 'worktrees', 'shop-api-wt')}\n`);
    const sub = join(home.project, 'packages', 'core');
    await mkdir(sub, { recursive: true });
    const sibling = `${home.project}-old`;
    const folderOf = (p: string) => join(home.configDir, 'projects', sanitizePath(p));
    await writeTranscript(folderOf(wt), new TranscriptBuilder(sid(10), wt).user('in the worktree'));
    await writeTranscript(folderOf(sub), new TranscriptBuilder(sid(11), sub).user('in a subdirectory'));
    await writeTranscript(folderOf(sibling), new TranscriptBuilder(sid(12), sibling).user('another project'));
    await writeTranscript(home.folder, new TranscriptBuilder(sid(13), home.project).user('at the root'));

    const env = { CLAUDE_CONFIG_DIR: home.configDir };
    // pointed at the worktree or a subdirectory, it is the same project, with the memory of the main checkout
    for (const at of [home.project, wt, sub]) {
      const p = await resolveClaudeCode(at, env);
      expect(p.memoryDir).toBe(home.memoryDir);
      expect(p.transcriptDirs.sort()).toEqual([home.folder, folderOf(wt), folderOf(sub)].sort());
    }
    const sel = await selectClaudeCodeSessions(wt, {}, env);
    expect(sel.sessions.map((s) => s.sessionId).sort()).toEqual([sid(10), sid(11), sid(13)].sort());
  });

  it('honours autoMemoryDirectory from user or local settings (not the shared project settings) and the environment override', async () => {
    const home = await claudeHome();
    const env = { CLAUDE_CONFIG_DIR: home.configDir, HOME: join(home.configDir, '..') };
    expect((await resolveClaudeCode(home.project, env)).memorySource).toBe('default');
    await mkdir(join(home.project, '.claude'), { recursive: true });
    await writeFile(
      join(home.project, '.claude', 'settings.json'),
      JSON.stringify({ autoMemoryDirectory: '/tmp/evil' }),
    );
    expect((await resolveClaudeCode(home.project, env)).memoryDir).toBe(home.memoryDir);
    await writeFile(
      join(home.configDir, 'settings.json'),
      JSON.stringify({ autoMemoryDirectory: '~/synced/shop-memory' }),
    );
    const user = await resolveClaudeCode(home.project, env);
    expect(user.memoryDir).toBe(join(home.configDir, '..', 'synced', 'shop-memory'));
    expect(user.memorySource).toBe(`autoMemoryDirectory in ${join(home.configDir, 'settings.json')}`);
    await writeFile(
      join(home.project, '.claude', 'settings.local.json'),
      JSON.stringify({ autoMemoryDirectory: join(home.project, 'team-memory') }),
    );
    expect((await resolveClaudeCode(home.project, env)).memoryDir).toBe(join(home.project, 'team-memory'));
    const over = await resolveClaudeCode(home.project, { ...env, CLAUDE_COWORK_MEMORY_PATH_OVERRIDE: '/srv/mem' });
    expect([over.memoryDir, over.memorySource]).toEqual(['/srv/mem', '$CLAUDE_COWORK_MEMORY_PATH_OVERRIDE']);
    await writeFile(join(home.configDir, 'settings.json'), '{ not json');
    await writeFile(join(home.project, '.claude', 'settings.local.json'), '{}');
    await expect(resolveClaudeCode(home.project, env)).rejects.toThrow(
      `${join(home.configDir, 'settings.json')}: not JSON`,
    );
  });

  it('names project folders as Claude Code does', () => {
    expect(sanitizePath('/home/ana/my.app')).toBe('-home-ana-my-app');
    expect(sanitizePath('/Users/ana/Projects/ütf 8')).toBe('-Users-ana-Projects--tf-8');
    const long = `/srv/${'a'.repeat(250)}`;
    expect(sanitizePath(long)).toMatch(new RegExp(`^-srv-a{195}-[0-9a-z]+$`));
  });

  it('accepts a project folder or its memory directory as the location', async () => {
    const home = await claudeHome();
    const env = { CLAUDE_CONFIG_DIR: home.configDir };
    for (const at of [home.folder, home.memoryDir]) {
      const p = await resolveClaudeCode(at, env);
      expect([p.memoryDir, p.transcriptDirs]).toEqual([home.memoryDir, [home.folder]]);
    }
    await expect(resolveClaudeCode(join(home.project, 'nope'), env)).rejects.toThrow(/no such directory/);
  });
});
