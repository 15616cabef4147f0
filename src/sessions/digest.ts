import { basename } from 'node:path';
import { InvalidInput } from '../util/errors.js';
import { contentText, eventProblem, type SessionEvent } from './events.js';
import { readLines } from './jsonl.js';
import { detectInjection, hasHiddenCharacters, mergeCounts, redactSecrets, type Finding } from './screen.js';

/** A memory line written during a session, and when (SPEC §2). */
export interface MemoryWrite {
  eventId: string;
  at: number;
  path: string;
  lines: string[];
}

export interface ToolCall {
  eventId: string;
  at: number;
  name: string;
  /** A redacted one-line summary of the input (a command, a query, a path). */
  input: string;
  error?: string;
}

export interface UserStatement {
  eventId: string;
  at: number;
  text: string;
}

/**
 * What dreaming needs from one session, extracted in one streaming pass: redacted, bounded in size,
 * never the raw transcript.
 */
export interface SessionDigest {
  sessionId: string;
  file: string;
  startedAt: number;
  endedAt: number;
  events: number;
  eventIds: string[];
  userStatements: UserStatement[];
  memoryWrites: MemoryWrite[];
  /** Memory files the agent read (a memory-tool `view` of a file, a file-tool `read`), and when. */
  memoryReads: { eventId: string; at: number; path: string }[];
  toolCalls: ToolCall[];
  /** The first instruction-like text found in untrusted content: the session is quarantined. */
  injection?: Finding & { eventId: string };
  /** Secrets redacted from what this digest holds, by kind. */
  secrets: Record<string, number>;
}

const maxText = 2_000;
const clip = (s: string, n = maxText) => (s.length > n ? `${s.slice(0, n)}…` : s);

/** Maps a memory-tool or file-tool path to a store path, or undefined when it is not a memory. */
export function memoryPath(toolName: string, raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  if (toolName === 'memory') {
    const m = /^\/memories(\/.+)$/.exec(raw);
    return m ? m[1] : undefined;
  }
  const m = /^\/mnt\/memory\/[^/]+(\/.+)$/.exec(raw);
  return m ? m[1] : undefined;
}

interface PendingWrite {
  path: string;
  lines: string[];
}

/** The memory writes a tool call makes, before its result says whether it happened. */
/** The memory file a tool call reads, if any: a memory-tool `view` of a file, or a file-tool `read` of one. */
function memoryReadOf(e: SessionEvent): string | undefined {
  const input = (e.input ?? {}) as Record<string, unknown>;
  if (e.name === 'memory') return input.command === 'view' ? memoryPath('memory', input.path) : undefined;
  return e.name === 'read' ? memoryPath('read', input.file_path) : undefined;
}

function memoryWritesOf(e: SessionEvent): PendingWrite[] {
  const input = (e.input ?? {}) as Record<string, unknown>;
  const linesOf = (v: unknown) => (typeof v === 'string' ? v.split('\n') : []);
  // an edit writes only the lines its replacement adds: the ones it repeats from the old text were there before
  const added = (oldText: unknown, newText: unknown) => {
    const before = new Set(linesOf(oldText));
    return linesOf(newText).filter((l) => !before.has(l));
  };
  if (e.name === 'memory') {
    const cmd = input.command;
    const path = memoryPath('memory', cmd === 'rename' ? input.new_path : input.path);
    if (!path) return [];
    if (cmd === 'create') return [{ path, lines: linesOf(input.file_text) }];
    if (cmd === 'str_replace') return [{ path, lines: added(input.old_str, input.new_str) }];
    if (cmd === 'insert') return [{ path, lines: linesOf(input.insert_text) }];
    return [];
  }
  if (e.name === 'write') {
    const path = memoryPath('write', input.file_path);
    return path ? [{ path, lines: linesOf(input.content) }] : [];
  }
  if (e.name === 'edit') {
    const path = memoryPath('edit', input.file_path);
    return path ? [{ path, lines: added(input.old_string, input.new_string) }] : [];
  }
  return [];
}

function summarizeInput(input: unknown): string {
  if (!input || typeof input !== 'object') return '';
  const i = input as Record<string, unknown>;
  for (const k of ['command', 'cmd', 'query', 'url', 'file_path', 'path', 'pattern'])
    if (typeof i[k] === 'string') return clip(i[k] as string, 300);
  return clip(JSON.stringify(input), 300);
}

const isToolUse = (t: string) => t === 'agent.tool_use' || t === 'agent.custom_tool_use' || t === 'agent.mcp_tool_use';
const isToolResult = (t: string) => t.endsWith('tool_result');

/** One event of a session in the SPEC §2 shape, with the line of its source file it came from. */
export interface EventAt {
  line: number;
  event: unknown;
}

/**
 * The events of a session file in SPEC §2's local form, one JSON object a line, read as a stream; a line
 * that is not JSON is invalid input naming the file and line.
 */
export async function* readEvents(file: string): AsyncGenerator<EventAt> {
  for await (const { line, text } of readLines(file)) {
    if (text.trim() === '') continue;
    try {
      yield { line, event: JSON.parse(text) as unknown };
    } catch (err) {
      throw new InvalidInput(`${file}:${line}: not JSON (${(err as Error).message.slice(0, 80)})`);
    }
  }
}

/** Reads one session file (SPEC §2, local form) as a stream. */
export async function digestSession(file: string): Promise<SessionDigest> {
  return digestEvents(readEvents(file), { sessionId: basename(file).replace(/\.jsonl$/, ''), file });
}

/**
 * Digests one session from its events in order: every source (local JSONL, Managed Agents, Claude Code
 * transcripts, Messages API logs) is translated into SPEC §2 events and comes through here, so screening
 * and the digest are the same for all. An event that is not SPEC §2's shape, one out of time order or a
 * repeated event id is invalid input naming the file and line.
 */
export async function digestEvents(
  events: AsyncIterable<EventAt> | Iterable<EventAt>,
  origin: { sessionId: string; file: string },
): Promise<SessionDigest> {
  const { sessionId, file } = origin;
  const d: SessionDigest = {
    sessionId,
    file,
    startedAt: Infinity,
    endedAt: -Infinity,
    events: 0,
    eventIds: [],
    userStatements: [],
    memoryWrites: [],
    memoryReads: [],
    toolCalls: [],
    secrets: {},
  };
  const pending = new Map<string, { call: ToolCall; writes: PendingWrite[]; reads?: string }>();
  const seenIds = new Set<string>();
  let lastAt = -Infinity;
  const redact = (text: string) => {
    const r = redactSecrets(text);
    mergeCounts(d.secrets, r.found);
    return r.text;
  };
  const settle = (id: string, failed: boolean) => {
    const p = pending.get(id);
    if (!p) return;
    pending.delete(id);
    if (!failed && p.reads) d.memoryReads.push({ eventId: p.call.eventId, at: p.call.at, path: p.reads });
    if (!failed)
      for (const w of p.writes)
        d.memoryWrites.push({ eventId: p.call.eventId, at: p.call.at, path: w.path, lines: w.lines.map(redact) });
  };
  // untrusted text of the previous result, so an instruction split across two results is still seen
  let previousUntrusted = '';

  for await (const { line, event: value } of events) {
    const problem = eventProblem(value);
    if (problem) throw new InvalidInput(`${file}:${line}: ${problem}`);
    const e = value as SessionEvent;
    const at = Date.parse(e.processed_at);
    if (at < lastAt)
      throw new InvalidInput(`${file}:${line}: event at ${e.processed_at} is earlier than the event before it`);
    lastAt = at;
    const eventId = e.id ?? `line-${line}`;
    if (seenIds.has(eventId))
      throw new InvalidInput(`${file}:${line}: event id ${JSON.stringify(eventId)} appears twice`);
    seenIds.add(eventId);
    d.eventIds.push(eventId);
    d.events++;
    d.startedAt = Math.min(d.startedAt, at);
    d.endedAt = Math.max(d.endedAt, at);

    if (e.type === 'user.message') {
      const t = contentText(e.content).trim();
      if (t) d.userStatements.push({ eventId, at, text: clip(redact(t)) });
    } else if (isToolUse(e.type) && typeof e.name === 'string') {
      const id = typeof e.id === 'string' ? e.id : eventId;
      const writes = memoryWritesOf(e);
      const call: ToolCall = { eventId, at, name: e.name, input: redact(summarizeInput(e.input)) };
      d.toolCalls.push(call);
      const reads = memoryReadOf(e);
      pending.set(id, { call, writes, ...(reads ? { reads } : {}) });
      // an agent that writes an instruction into memory is as suspect as the page that taught it
      const written = writes.flatMap((w) => w.lines).join('\n');
      const finding =
        !d.injection && written
          ? (detectInjection(written, false) ??
            (hasHiddenCharacters(written)
              ? { detector: 'hidden-unicode', excerpt: 'invisible characters in a memory write' }
              : undefined))
          : undefined;
      if (finding) d.injection = { ...finding, eventId };
    } else if (isToolResult(e.type)) {
      const t = contentText(e.content);
      const id = typeof e.tool_use_id === 'string' ? e.tool_use_id : '';
      const p = pending.get(id);
      if (p && e.is_error === true) p.call.error = clip(redact(t.trim()), 500);
      settle(id, e.is_error === true);
      if (!d.injection) {
        const finding =
          detectInjection(t, true) ??
          (previousUntrusted ? detectInjection(`${previousUntrusted} ${t.slice(0, 2_000)}`, true) : undefined);
        if (finding) d.injection = { ...finding, eventId };
      }
      previousUntrusted = t.slice(-2_000);
    } else if (e.type === 'session.error' && e.error) {
      d.toolCalls.push({
        eventId,
        at,
        name: 'session.error',
        input: '',
        error: clip(redact(String(e.error.message ?? e.error.type ?? '')), 500),
      });
    }
  }
  for (const id of [...pending.keys()]) settle(id, false); // a write with no result recorded still happened
  if (d.events === 0) throw new InvalidInput(`${file}: no events (an empty session)`);
  return d;
}
