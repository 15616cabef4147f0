import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sanitizePath } from '../../src/claudeCode/paths.js';
import { tempDir } from './sessions.js';

/**
 * Builds a Claude Code transcript the way Claude Code writes one (records `user`, `assistant`, `summary`,
 * `system`, `progress`, `file-history-snapshot`; an assistant message streamed as one record per content
 * block sharing `message.id`; tool results as `user` records). Invented content only, no real user data.
 */
export class TranscriptBuilder {
  records: Record<string, unknown>[] = [];
  private t: number;
  private n = 0;
  private parent: string | null = null;
  constructor(
    readonly sessionId: string,
    readonly cwd: string,
    start: string | number = '2026-11-02T09:00:00.000Z',
    readonly sidechain = false,
  ) {
    this.t = typeof start === 'number' ? start : Date.parse(start);
  }

  private uuid(): string {
    const n = ++this.n;
    return `${this.sessionId.slice(0, 8)}-0000-4000-8000-${n.toString().padStart(12, '0')}`;
  }

  private base(type: string): Record<string, unknown> {
    this.t += 1_000;
    const uuid = this.uuid();
    const r = {
      parentUuid: this.parent,
      isSidechain: this.sidechain,
      userType: 'external',
      cwd: this.cwd,
      sessionId: this.sessionId,
      version: '2.1.80',
      gitBranch: 'main',
      type,
      uuid,
      timestamp: new Date(this.t).toISOString(),
    };
    this.parent = uuid;
    return r;
  }

  summary(text: string): this {
    this.records.push({ type: 'summary', summary: text, leafUuid: this.parent });
    return this;
  }

  snapshot(): this {
    this.records.push({
      type: 'file-history-snapshot',
      messageId: this.parent ?? 'none',
      isSnapshotUpdate: false,
      snapshot: { messageId: this.parent ?? 'none', timestamp: new Date(this.t).toISOString(), trackedFileBackups: {} },
    });
    return this;
  }

  progress(): this {
    this.records.push({ ...this.base('progress'), data: { type: 'hook_progress', hookEvent: 'PostToolUse' } });
    return this;
  }

  system(content: string, subtype = 'local_command'): this {
    this.records.push({ ...this.base('system'), subtype, content, level: 'info', isMeta: false });
    return this;
  }

  user(text: string, extra: Record<string, unknown> = {}): this {
    this.records.push({ ...this.base('user'), message: { role: 'user', content: text }, ...extra });
    return this;
  }

  /** An assistant message; with several blocks, one record per block, all sharing `message.id`. */
  assistant(blocks: Record<string, unknown>[], messageId = `msg_${this.sessionId.slice(0, 6)}_${this.n + 1}`): this {
    for (const block of blocks)
      this.records.push({
        ...this.base('assistant'),
        requestId: `req_${messageId}`,
        message: {
          model: 'claude-sonnet-5-5',
          id: messageId,
          type: 'message',
          role: 'assistant',
          content: [block],
          stop_reason: null,
          usage: { input_tokens: 10, output_tokens: 5 },
        },
      });
    return this;
  }

  say(text: string): this {
    return this.assistant([{ type: 'text', text }]);
  }

  /** A tool call (with a line of text before it, in the same message) and its result. */
  tool(name: string, input: Record<string, unknown>, result: string, isError = false): this {
    const id = `toolu_${this.sessionId.slice(0, 6)}_${this.n + 1}`;
    this.assistant([
      { type: 'text', text: `Using ${name}.` },
      { type: 'tool_use', id, name, input },
    ]);
    this.records.push({
      ...this.base('user'),
      message: {
        role: 'user',
        content: [{ type: 'tool_result', tool_use_id: id, content: result, is_error: isError }],
      },
      toolUseResult: isError ? `Error: ${result}` : { stdout: result, stderr: '', interrupted: false, isImage: false },
    });
    return this;
  }

  lastTime(): number {
    return this.t;
  }

  jsonl(): string {
    return this.records.map((r) => JSON.stringify(r)).join('\n') + '\n';
  }
}

export interface ClaudeHome {
  /** $CLAUDE_CONFIG_DIR */
  configDir: string;
  project: string;
  folder: string;
  memoryDir: string;
}

/**
 * A generated Claude Code home: a project (a git repository), its folder under `<config>/projects/` and its
 * auto-memory directory with an index and topic files.
 */
export async function claudeHome(memory: Record<string, string> = {}): Promise<ClaudeHome> {
  const root = await tempDir('dg-claude-home-');
  const configDir = join(root, 'dot-claude');
  const project = join(root, 'work', 'shop-api');
  await mkdir(join(project, '.git'), { recursive: true });
  await writeFile(join(project, '.git', 'HEAD'), 'ref: refs/heads/main\n');
  const folder = join(configDir, 'projects', sanitizePath(project));
  const memoryDir = join(folder, 'memory');
  await mkdir(memoryDir, { recursive: true });
  for (const [path, content] of Object.entries(memory)) {
    await mkdir(join(memoryDir, path, '..'), { recursive: true });
    await writeFile(join(memoryDir, path), content);
  }
  return { configDir, project, folder, memoryDir };
}

export async function writeTranscript(folder: string, t: TranscriptBuilder, file?: string): Promise<string> {
  const path = file ?? join(folder, `${t.sessionId}.jsonl`);
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, t.jsonl());
  return path;
}

const memoryFile = (name: string, description: string, type: string, body: string) =>
  `---\nname: ${name}\ndescription: ${description}\ntype: ${type}\n---\n\n${body}`;

/**
 * A Claude Code project as one finds it after a few weeks: an auto-memory directory (index, topic files with
 * front matter, Why / How to apply lines) and transcripts that edit it — a newer staging host written by an
 * `Edit`, the same failing command in three sessions, a subagent, a session in a git worktree.
 */
export async function claudeProject(): Promise<ClaudeHome & { sessions: string[] }> {
  const home = await claudeHome({
    'MEMORY.md': [
      '# Memory',
      '',
      '- [Deploy process](deploy.md) — how releases go out',
      '- [Staging](staging.md) — staging hosts and ports',
      '- [Testing policy](feedback_testing.md) — integration tests hit a real database',
      '',
    ].join('\n'),
    'deploy.md': memoryFile(
      'Deploy process',
      'how releases go out',
      'project',
      'Releases go out on Wednesdays.\n\n**Why:** the Thursday freeze\n**How to apply:** never merge release branches on Thursday\n',
    ),
    'staging.md': memoryFile(
      'Staging',
      'staging hosts and ports',
      'reference',
      '# Staging\n\n- Staging database host: db-1.internal\n- Staging database host: db-2.internal\n- Redis cache: redis-staging-2.internal:6379\n',
    ),
    'feedback_testing.md': memoryFile(
      'Testing policy',
      'integration tests hit a real database',
      'feedback',
      'Never mock the database in integration tests.\n\n**Why:** mocked tests passed while a migration broke production\n**How to apply:** use the docker-free PGlite fixture in test/db\n',
    ),
  });
  const ids = ['a', 'b', 'c', 'd'].map((x) => `7e1f0${x}2c-4b5d-4e6f-8a9b-${x.repeat(12)}`);
  const start = (i: number) => Date.parse('2026-11-10T09:00:00Z') + i * 3_600_000;
  const staging = join(home.memoryDir, 'staging.md');

  const first = new TranscriptBuilder(ids[0]!, home.project, start(0))
    .summary('Staging database moved')
    .snapshot()
    .user('The staging database moved to db-2.internal last night.')
    .tool('Read', { file_path: staging }, '     1→---\n     …\n     8→- Staging database host: db-1.internal')
    .tool(
      'Edit',
      {
        file_path: staging,
        old_string: '- Staging database host: db-1.internal\n',
        new_string: '- Staging database host: db-1.internal\n- Staging database host: db-2.internal\n',
      },
      'The file has been updated.',
    )
    .say('Noted the new staging host.');
  await writeTranscript(home.folder, first);

  // the same mistake in three sessions: a lesson
  for (let i = 1; i <= 3; i++) {
    const t = new TranscriptBuilder(ids[i]!, home.project, start(i))
      .user('Run the unit tests please.')
      .tool('Bash', { command: 'npm run test:unit' }, 'npm ERR! Missing script: "test:unit"', true)
      .tool('Bash', { command: 'npm test' }, 'Test Files  12 passed (12)')
      .progress()
      .say('All tests pass.');
    await writeTranscript(home.folder, t);
  }
  // a subagent of the second session
  const sub = new TranscriptBuilder(ids[1]!, home.project, start(1) + 1_500, true)
    .user('Find where the test scripts are defined')
    .tool('Grep', { pattern: '"test', path: home.project }, 'package.json:7: "test": "vitest run"');
  await writeTranscript(home.folder, sub, join(home.folder, ids[1]!, 'subagents', 'agent-a5c9e21.jsonl'));
  return { ...home, sessions: ids };
}

/** A memory directory as files: every file, the topic files, the files the index links (as often as linked). */
export async function memoryTree(memoryDir: string) {
  const files = (await readdir(memoryDir, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile() && !e.name.startsWith('.'))
    .map((e) => `/${join(e.parentPath, e.name).slice(memoryDir.length + 1)}`)
    .sort();
  const index = await readFile(join(memoryDir, 'MEMORY.md'), 'utf8');
  const links = [...index.matchAll(/\]\(([^)#\s]+\.md)\)/g)].map((m) => `/${decodeURIComponent(m[1]!)}`).sort();
  const topics = files.filter((f) => f !== '/MEMORY.md' && !f.startsWith('/archive/'));
  return { files, links, topics, index };
}
