import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sanitizePath } from '../../src/memory/claudeCodePaths.js';
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
