import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { LineCounter, parseDocument, isMap, isSeq, type Node } from 'yaml';
import { InvalidInput } from '../util/errors.js';
import { digestEvents } from './digest.js';
import { readLines } from '../util/readLines.js';
import { parseJsonLine } from './jsonl.js';
import { readSessionFiles, type SelectOptions, type SessionSelection } from './selection.js';

/**
 * Conversation logs of an application on the Messages API memory tool, `messages:<dir>`: one file per
 * conversation, `<conversation>.json` holding `{"messages": [...]}` (the request's shape; other keys are
 * passed over) or the array itself, or `<conversation>.jsonl` with one message a line. Each message is
 * `{role, content}` as the API takes it; `content` a string or blocks:
 *
 * | block                                            | becomes                                               |
 * | ------------------------------------------------ | ----------------------------------------------------- |
 * | `text` in a user message / an assistant message  | `user.message` / `agent.message`                      |
 * | `tool_use` (the `memory` tool's `memory_20250818` commands, or any client tool), `server_tool_use`, `mcp_tool_use` | `agent.tool_use` |
 * | `tool_result`, `web_fetch_tool_result`, `web_search_tool_result`, `*_tool_result` | `agent.tool_result` (tool and input known from its `tool_use`) |
 * | `thinking`, `image`, `document` and unknown blocks | passed over                                         |
 *
 * Times: a message's `timestamp` or `created_at` (RFC 3339, or milliseconds since the epoch) where present;
 * a message without one takes the time of the message before it. A file with no times at all is read in its
 * order, its last message at the file's modification time and each earlier one a millisecond before the next.
 */
const maxJsonBytes = 64 * 1024 * 1024;
const rfc3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

interface Located {
  line: number;
  message: unknown;
}

/** The messages of one file, each with the line it starts on. */
async function readMessages(file: string): Promise<Located[]> {
  if (file.endsWith('.jsonl')) {
    const out: Located[] = [];
    for await (const { line, text } of readLines(file)) {
      if (text.trim() === '') continue;
      out.push({ line, message: parseJsonLine(text, `${file}:${line}`) });
    }
    return out;
  }
  const size = (await stat(file)).size;
  if (size > maxJsonBytes)
    throw new InvalidInput(`${file}: ${size} bytes, more than ${maxJsonBytes} (write it as JSONL, one message a line)`);
  const text = await readFile(file, 'utf8');
  parseJsonLine(text, file); // strict JSON first (YAML would accept more), nested no deeper than a session may be
  // parsed again as YAML (a superset of JSON) only to know the line each message starts on
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false });
  const root = doc.contents;
  const seq = isSeq(root) ? root : isMap(root) ? root.get('messages', true) : undefined;
  if (!isSeq(seq))
    throw new InvalidInput(`${file}: expected {"messages": [...]} or an array of messages (Messages API shape)`);
  return seq.items.map((item) => ({
    line: lines.linePos((item as Node).range?.[0] ?? 0).line,
    message: (item as Node).toJSON() as unknown,
  }));
}

function timeOf(m: Json, file: string, line: number): number | undefined {
  const v = m.timestamp ?? m.created_at;
  if (v === undefined || v === null) return undefined;
  const t = typeof v === 'number' ? v : typeof v === 'string' && rfc3339.test(v) ? Date.parse(v) : NaN;
  if (!Number.isFinite(t))
    throw new InvalidInput(
      `${file}:${line}: timestamp ${JSON.stringify(v).slice(0, 60)} is neither RFC 3339 nor milliseconds since the epoch`,
    );
  return t;
}

/** Every string a reader of a server tool's result would see: texts, titles, text documents. */
function blockText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map(blockText).filter(Boolean).join('\n');
  if (!isObject(v)) return '';
  const parts: string[] = [];
  if (typeof v.title === 'string') parts.push(v.title);
  if (typeof v.text === 'string') parts.push(v.text);
  if (isObject(v.source) && v.source.type === 'text' && typeof v.source.data === 'string') parts.push(v.source.data);
  if (v.content !== undefined) parts.push(blockText(v.content));
  return parts.filter(Boolean).join('\n');
}

const isToolUse = (t: unknown) => t === 'tool_use' || t === 'server_tool_use' || t === 'mcp_tool_use';
const isToolResult = (t: unknown) => typeof t === 'string' && t.endsWith('tool_result');

/** Each message checked, and its time: its own, else the one before it, else the file's mtime counting back. */
async function messageTimes(file: string, located: Awaited<ReturnType<typeof readMessages>>): Promise<number[]> {
  const times: (number | undefined)[] = located.map(({ line, message }, i) => {
    if (!isObject(message)) throw new InvalidInput(`${file}:${line}: message ${i + 1} is not a JSON object`);
    if (message.role !== 'user' && message.role !== 'assistant')
      throw new InvalidInput(
        `${file}:${line}: message ${i + 1} has role ${JSON.stringify(message.role)} (expected "user" or "assistant")`,
      );
    if (typeof message.content !== 'string' && !Array.isArray(message.content))
      throw new InvalidInput(`${file}:${line}: message ${i + 1} has no "content" (a string or an array of blocks)`);
    return timeOf(message, file, line);
  });
  const untimed = !times.some((t) => t !== undefined);
  if (untimed) {
    const end = (await stat(file)).mtimeMs;
    times.forEach((_, i) => (times[i] = end - (times.length - 1 - i)));
  } else {
    let last = times.find((t) => t !== undefined)!;
    times.forEach((t, i) => (times[i] = last = t ?? last));
  }
  return times as number[];
}

/** One conversation file as SPEC §2 events. */
export async function conversationEvents(file: string): Promise<{ line: number; event: Json }[]> {
  const located = await readMessages(file);
  const times = await messageTimes(file, located);
  const out: { line: number; event: Json }[] = [];
  located.forEach(({ line, message }, i) => {
    const m = message as Json;
    const at = new Date(times[i]!).toISOString();
    const id = `msg-${i + 1}`;
    const blocks: unknown[] =
      typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : (m.content as unknown[]);
    const text = blocks
      .filter((b): b is Json => isObject(b) && b.type === 'text' && typeof b.text === 'string')
      .map((b) => b.text as string)
      .join('\n');
    if (text.trim())
      out.push({
        line,
        event: {
          type: m.role === 'user' ? 'user.message' : 'agent.message',
          id,
          processed_at: at,
          content: [{ type: 'text', text }],
        },
      });
    let n = 0;
    for (const b of blocks) {
      if (!isObject(b)) continue;
      if (isToolUse(b.type)) {
        if (typeof b.id !== 'string' || typeof b.name !== 'string')
          throw new InvalidInput(
            `${file}:${line}: message ${i + 1} has a ${String(b.type)} block without "id" or "name"`,
          );
        out.push({
          line,
          event: {
            type: 'agent.tool_use',
            id: b.id,
            processed_at: at,
            name: b.name,
            input: isObject(b.input) ? b.input : {},
          },
        });
      } else if (isToolResult(b.type)) {
        if (typeof b.tool_use_id !== 'string')
          throw new InvalidInput(
            `${file}:${line}: message ${i + 1} has a ${String(b.type)} block without "tool_use_id"`,
          );
        const failed =
          b.is_error === true ||
          (isObject(b.content) && typeof b.content.type === 'string' && b.content.type.endsWith('_error'));
        out.push({
          line,
          event: {
            type: 'agent.tool_result',
            id: `${id}.result-${++n}`,
            processed_at: at,
            tool_use_id: b.tool_use_id,
            content: b.type === 'tool_result' ? (b.content ?? []) : [{ type: 'text', text: blockText(b.content) }],
            is_error: failed,
          },
        });
      }
    }
  });
  return out;
}

/** `messages:<dir>`: every `*.json` / `*.jsonl` directly in the directory is one conversation of the agent. */
export async function selectMessagesSessions(dir: string, opts: SelectOptions = {}): Promise<SessionSelection> {
  const st = await stat(dir).catch(() => undefined);
  if (!st?.isDirectory()) throw new InvalidInput(`sessions messages:${dir}: not a directory`);
  const files = (await readdir(dir, { withFileTypes: true }))
    .filter((e) => /\.jsonl?$/.test(e.name) && !e.name.startsWith('.'))
    .map((e) => ({ file: join(dir, e.name), regular: e.isFile() }))
    .sort((a, b) => (a.file < b.file ? -1 : 1));
  return readSessionFiles(files, opts, async (file) => {
    if (opts.since !== undefined && (await stat(file)).mtimeMs <= opts.since) return undefined;
    return digestEvents(basename(file).replace(/\.jsonl?$/, ''), file, await conversationEvents(file));
  });
}
