import { open, readdir, realpath, stat } from 'node:fs/promises';
import { basename, join, resolve, sep } from 'node:path';
import { resolveClaudeCode, type Env } from './paths.js';
import { InvalidInput, errorMessage } from '../util/errors.js';
import { digestEvents, type EventAt, type SessionDigest } from '../sessions/digest.js';
import { readLines } from '../util/readLines.js';
import { parseJsonLine } from '../sessions/jsonl.js';
import {
  defaultSessionLimit,
  finishSelection,
  type SelectOptions,
  type SessionSelection,
} from '../sessions/selection.js';

/**
 * Claude Code transcripts as SPEC §2 events. The format is Claude Code's own and undocumented; what is read:
 *
 * | record                                                | becomes                                                   |
 * | ----------------------------------------------------- | --------------------------------------------------------- |
 * | `user`, text content                                  | `user.message` (in a sidechain: the parent agent's prompt, `agent.message`) |
 * | `user`, `tool_result` blocks                          | `agent.tool_result`, one per block                        |
 * | `assistant`, `text` / `tool_use` blocks               | `agent.message` / `agent.tool_use`; records sharing `message.id` are one message |
 * | `user` marked `isMeta` / `isCompactSummary`, command wrappers | passed over: not the user's words                 |
 * | `summary`, `system`, `progress`, `file-history-snapshot`, `queue-operation`, unknown types | passed over |
 *
 * Tool names become the Managed Agents toolset's (`Bash` → `bash`, `Read` → `read`, `WebFetch` → `web_fetch`,
 * …) and a path inside the memory directory becomes `/mnt/memory/claude-code/<path>`, so `Write`, `Edit` and
 * `MultiEdit` on memory files are memory writes and a `Read` of one is a read of the store, exactly as the
 * same calls from a Managed Agents session (the provenance screening relies on). A record without a valid
 * `timestamp`, a line that is not JSON, or a `user` / `assistant` record without a message is invalid input.
 */
export const memoryMount = '/mnt/memory/claude-code';

const toolNames: Record<string, string> = {
  Bash: 'bash',
  Read: 'read',
  Write: 'write',
  Edit: 'edit',
  MultiEdit: 'edit',
  Glob: 'glob',
  Grep: 'grep',
  WebFetch: 'web_fetch',
  WebSearch: 'web_search',
};
const pathKeys = ['file_path', 'path', 'notebook_path'];
const notUserWords = /^\s*(<(command-|local-command-|bash-|user-memory-input)|\[Request interrupted by user)/;
const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Maps absolute paths inside the memory directory (as given, and as the file system resolves it) to mount paths. */
export function memoryMapper(memoryDirs: string[]): (path: unknown) => unknown {
  const roots = [...new Set(memoryDirs.map((d) => resolve(d)))];
  return (path) => {
    if (typeof path !== 'string' || roots.length === 0) return path;
    for (const root of roots) {
      if (path === root) return memoryMount;
      if (path.startsWith(root + sep))
        return `${memoryMount}/${path
          .slice(root.length + 1)
          .split(sep)
          .join('/')}`;
    }
    return path;
  };
}

interface ReaderState {
  lastAt: number;
  /** tool_use ids already emitted (a message re-recorded while streaming repeats its blocks) */
  toolUses: Set<string>;
  /** text blocks already emitted, by message id */
  texts: Set<string>;
  results: Set<string>;
  /** a MultiEdit becomes one edit per change; its result settles all of them */
  split: Map<string, string[]>;
}

/** One Claude Code transcript as SPEC §2 events, read as a stream. */
export async function* transcriptEvents(
  file: string,
  opts: { toMemory?: (path: unknown) => unknown; sidechain?: boolean } = {},
): AsyncGenerator<{ line: number; event: Json }> {
  const toMemory = opts.toMemory ?? ((p: unknown) => p);
  const st: ReaderState = {
    lastAt: -Infinity,
    toolUses: new Set(),
    texts: new Set(),
    results: new Set(),
    split: new Map(),
  };
  // a line that does not parse is an error, unless it is the last and the file does not end yet: Claude Code
  // appends a record a line at a time, and a session still running is read up to its last whole record
  let cut: InvalidInput | undefined;
  for await (const { line, text } of readLines(file)) {
    if (cut) throw cut;
    if (text.trim() === '') continue;
    let rec: unknown;
    try {
      rec = parseJsonLine(text, `${file}:${line}`);
    } catch (err) {
      if (!(err instanceof InvalidInput)) throw err;
      cut = err;
      continue;
    }
    if (!isObject(rec)) throw new InvalidInput(`${file}:${line}: not a JSON object`);
    if (typeof rec.type !== 'string') throw new InvalidInput(`${file}:${line}: a record without a "type"`);
    if (rec.type !== 'user' && rec.type !== 'assistant') continue; // summary, system, progress, snapshots, unknown
    const ts = rec.timestamp;
    if (typeof ts !== 'string' || !iso.test(ts) || Number.isNaN(Date.parse(ts)))
      throw new InvalidInput(`${file}:${line}: a "${rec.type}" record without a valid "timestamp"`);
    if (!isObject(rec.message)) throw new InvalidInput(`${file}:${line}: a "${rec.type}" record without a "message"`);
    // records are appended as they happen; one stamped a moment before its predecessor is taken at that time
    st.lastAt = Math.max(st.lastAt, Date.parse(ts));
    const at = new Date(st.lastAt).toISOString();
    const uuid = typeof rec.uuid === 'string' && rec.uuid ? rec.uuid : `line-${line}`;
    const sidechain = opts.sidechain === true || rec.isSidechain === true;
    const events =
      rec.type === 'user'
        ? userEvents(rec, rec.message, uuid, at, sidechain, st)
        : assistantEvents(rec.message, uuid, at, st, toMemory);
    for (const event of events) yield { line, event };
  }
  if (cut && (await endsWithNewline(file))) throw cut;
}

async function endsWithNewline(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const { size } = await fh.stat();
    if (size === 0) return true;
    const last = Buffer.alloc(1);
    await fh.read(last, 0, 1, size - 1);
    return last[0] === 0x0a;
  } finally {
    await fh.close();
  }
}

function userEvents(rec: Json, message: Json, uuid: string, at: string, sidechain: boolean, st: ReaderState): Json[] {
  if (rec.isMeta === true || rec.isCompactSummary === true || rec.isVisibleInTranscriptOnly === true) return [];
  const content = message.content;
  const blocks: unknown[] =
    typeof content === 'string' ? [{ type: 'text', text: content }] : Array.isArray(content) ? content : [];
  const out: Json[] = [];
  const text = blocks
    .filter((b): b is Json => isObject(b) && b.type === 'text' && typeof b.text === 'string')
    .map((b) => b.text as string)
    .filter((t) => t.trim() !== '' && !notUserWords.test(t))
    .join('\n');
  if (text)
    out.push({
      type: sidechain ? 'agent.message' : 'user.message',
      id: uuid,
      processed_at: at,
      content: [{ type: 'text', text }],
    });
  let n = 0;
  for (const b of blocks) {
    if (!isObject(b) || b.type !== 'tool_result' || typeof b.tool_use_id !== 'string') continue;
    if (st.results.has(b.tool_use_id)) continue;
    st.results.add(b.tool_use_id);
    for (const id of st.split.get(b.tool_use_id) ?? [b.tool_use_id])
      out.push({
        type: 'agent.tool_result',
        id: `${uuid}#${++n}`,
        processed_at: at,
        tool_use_id: id,
        content: typeof b.content === 'string' || Array.isArray(b.content) ? b.content : [],
        is_error: b.is_error === true,
      });
  }
  return out;
}

function assistantEvents(
  message: Json,
  uuid: string,
  at: string,
  st: ReaderState,
  toMemory: (path: unknown) => unknown,
): Json[] {
  const messageId = typeof message.id === 'string' && message.id ? message.id : uuid;
  const blocks = Array.isArray(message.content) ? message.content : [];
  const out: Json[] = [];
  let n = 0;
  for (const b of blocks) {
    if (!isObject(b)) continue;
    if (b.type === 'text' && typeof b.text === 'string' && b.text.trim() !== '') {
      const key = `${messageId}\0${b.text}`;
      if (st.texts.has(key)) continue;
      st.texts.add(key);
      out.push({
        type: 'agent.message',
        id: `${uuid}#${++n}`,
        processed_at: at,
        content: [{ type: 'text', text: b.text }],
      });
    } else if (
      (b.type === 'tool_use' || b.type === 'server_tool_use') &&
      typeof b.id === 'string' &&
      typeof b.name === 'string'
    ) {
      if (st.toolUses.has(b.id)) continue;
      st.toolUses.add(b.id);
      out.push(...toolUses(b.id, b.name, isObject(b.input) ? b.input : {}, at, st, toMemory));
    }
  }
  return out;
}

function toolUses(
  id: string,
  name: string,
  input: Json,
  at: string,
  st: ReaderState,
  toMemory: (path: unknown) => unknown,
): Json[] {
  const mapped: Json = { ...input };
  for (const k of pathKeys) if (k in mapped) mapped[k] = toMemory(mapped[k]);
  const tool = toolNames[name] ?? name;
  if (name === 'MultiEdit' && Array.isArray(input.edits)) {
    const edits = input.edits.filter(isObject);
    const ids = edits.map((_, i) => (i === 0 ? id : `${id}#${i + 1}`));
    st.split.set(id, ids);
    return edits.map((e, i) => ({
      type: 'agent.tool_use',
      id: ids[i],
      processed_at: at,
      name: tool,
      input: {
        file_path: mapped.file_path,
        old_string: e.old_string,
        new_string: e.new_string,
        replace_all: e.replace_all === true,
      },
    }));
  }
  return [{ type: 'agent.tool_use', id, processed_at: at, name: tool, input: mapped }];
}

/** A transcript's session id: its file name; a subagent's is `<session id>/agent-<id>`. */
function sessionIdOf(file: string, parent?: string): string {
  const name = basename(file).replace(/\.jsonl$/, '');
  return parent ? `${parent}/${name}` : name;
}

export interface Transcript {
  file: string;
  sessionId: string;
  sidechain: boolean;
  mtimeMs: number;
}

/** The transcripts of one project folder: sessions, and subagents under `<session id>/subagents/`. */
export async function listTranscripts(folder: string): Promise<Transcript[]> {
  const out: Transcript[] = [];
  const entries = await readdir(folder, { withFileTypes: true }).catch(() => []);
  const add = async (file: string, sessionId: string, sidechain: boolean) => {
    const s = await stat(file).catch(() => undefined);
    if (s?.isFile()) out.push({ file, sessionId, sidechain, mtimeMs: s.mtimeMs });
  };
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const full = join(folder, e.name);
    if (e.isFile() && e.name.endsWith('.jsonl')) await add(full, sessionIdOf(full), e.name.startsWith('agent-'));
    else if (e.isDirectory() && e.name !== 'memory') {
      const sub = join(full, 'subagents');
      for (const f of (await readdir(sub).catch(() => [] as string[])).sort())
        if (f.endsWith('.jsonl') && !f.startsWith('.')) await add(join(sub, f), sessionIdOf(f, e.name), true);
    }
  }
  return out.sort((a, b) => (a.file < b.file ? -1 : 1));
}

/** Digests one transcript; undefined when it holds no conversation (only a summary or snapshots). */
export async function digestTranscript(
  t: Transcript,
  toMemory?: (path: unknown) => unknown,
): Promise<SessionDigest | undefined> {
  let events = 0;
  async function* counted(): AsyncGenerator<EventAt> {
    for await (const e of transcriptEvents(t.file, { sidechain: t.sidechain, ...(toMemory ? { toMemory } : {}) })) {
      events++;
      yield e;
    }
  }
  try {
    return await digestEvents(t.sessionId, t.file, counted());
  } catch (err) {
    if (err instanceof InvalidInput && events === 0 && /no events/.test(err.message)) return undefined;
    throw err;
  }
}

/**
 * `claude-code:<project dir>` as a sessions source: the transcripts of the project, its git worktrees and its
 * subdirectories, newest first. A file changed no later than `since` is not read at all; a malformed one is
 * reported and left out, never the run.
 */
export async function selectClaudeCodeSessions(
  given: string,
  opts: SelectOptions = {},
  env: Env = process.env,
): Promise<SessionSelection> {
  const project = await resolveClaudeCode(given, env);
  if (project.transcriptDirs.length === 0 && !project.root)
    throw new InvalidInput(
      `sessions claude-code:${given}: this is an auto-memory directory; point sessions at the project directory`,
    );
  const real = await realpath(project.memoryDir).catch(() => project.memoryDir);
  const toMemory = memoryMapper([project.memoryDir, real]);
  const since = opts.since ?? -Infinity;
  const limit = opts.limit ?? defaultSessionLimit;
  const files = (await Promise.all(project.transcriptDirs.map(listTranscripts)))
    .flat()
    .filter((t) => t.mtimeMs > since) // a transcript's last record is no later than the file's mtime
    .sort((a, b) => b.mtimeMs - a.mtimeMs || (a.file < b.file ? -1 : 1));
  const invalid: SessionSelection['invalid'] = [];
  const digests: SessionDigest[] = [];
  // newest first, a few at a time, until enough sessions are read: a long history is not read in full every night
  for (let i = 0; i < files.length && digests.length < limit; i += 4) {
    opts.signal?.throwIfAborted();
    const batch = await Promise.all(
      files.slice(i, i + 4).map(async (t) => {
        try {
          return await digestTranscript(t, toMemory);
        } catch (err) {
          if (err instanceof InvalidInput) {
            invalid.push({ file: t.file, error: err.message });
            return undefined;
          }
          throw new Error(`${t.file}: ${errorMessage(err)}`, { cause: err });
        }
      }),
    );
    for (const d of batch) if (d) digests.push(d);
  }
  return finishSelection(digests, invalid, opts);
}
