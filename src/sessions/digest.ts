import { basename } from 'node:path';
import { InvalidInput } from '../util/errors.js';
import { contentText, eventProblem, type SessionEvent } from './events.js';
import { errorExcerpt } from './errors.js';
import { parseJsonLine, readLines } from './jsonl.js';
import {
  destination,
  detectInjection,
  hasHiddenCharacters,
  mergeCounts,
  redactKnown,
  redactSecrets,
  type Finding,
} from './screen.js';

/** A memory write made during a session, and when (SPEC §2). */
export interface MemoryWrite {
  eventId: string;
  at: number;
  path: string;
  /** The lines the write adds. */
  lines: string[];
  /** The lines it takes out (a `str_replace` or `edit` of old text): evidence that an old value was replaced. */
  replaced: string[];
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
  /** The user's own words: text the user forwarded or quoted is not theirs, and is left out. */
  text: string;
}

/**
 * Why a session is quarantined: the first instruction-like text, where it came from, and what marks the
 * memory lines that carry it (only those leave the store; the session's other writes stay).
 */
export interface Injection extends Finding {
  eventId: string;
  at: number;
  /** Where the text came from: "a web_fetch result (https://…)", "the agent's memory write to /MEMORY.md", … */
  source: string;
  /** Addresses and identifiers of the flagged text (a line that repeats one carries the flagged content). */
  tokens: string[];
  /** For a flagged memory write: the lines of it that are flagged. */
  lines?: string[];
  /** The flagged text (normalized, redacted, bounded): a line that says much of it carries it. */
  context: string;
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
  /** The first instruction-like text from outside the agent and its user: the session is quarantined. */
  injection?: Injection;
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

export interface DigestOptions {
  /**
   * The store path a tool call reads or writes, or undefined when it touches no memory. Sources whose tools
   * name files their own way (Claude Code's absolute paths) pass their own; the default reads SPEC §2's.
   */
  memoryPathOf?: (toolName: string, input: Record<string, unknown>) => string | undefined;
}

const defaultMemoryPathOf = (name: string, input: Record<string, unknown>) =>
  memoryPath(name, name === 'memory' ? (input.command === 'rename' ? input.new_path : input.path) : input.file_path);

interface PendingWrite {
  path: string;
  lines: string[];
  replaced: string[];
}

/** The memory writes a tool call makes, before its result says whether it happened. */
function memoryWritesOf(e: SessionEvent, path: string | undefined): PendingWrite[] {
  if (!path) return [];
  const input = (e.input ?? {}) as Record<string, unknown>;
  const linesOf = (v: unknown) => (typeof v === 'string' ? v.split('\n') : []);
  // an edit adds only the lines its replacement does not repeat, and takes out the ones it drops
  const edit = (oldText: unknown, newText: unknown): PendingWrite => {
    const before = new Set(linesOf(oldText));
    const after = new Set(linesOf(newText));
    return {
      path,
      lines: linesOf(newText).filter((l) => !before.has(l)),
      replaced: linesOf(oldText).filter((l) => !after.has(l)),
    };
  };
  const name = e.name?.toLowerCase();
  if (name === 'memory') {
    const cmd = input.command;
    if (cmd === 'create') return [{ path, lines: linesOf(input.file_text), replaced: [] }];
    if (cmd === 'str_replace') return [edit(input.old_str, input.new_str)];
    if (cmd === 'insert') return [{ path, lines: linesOf(input.insert_text), replaced: [] }];
    return [];
  }
  if (name === 'write') return [{ path, lines: linesOf(input.content), replaced: [] }];
  if (name === 'edit') return [edit(input.old_string, input.new_string)];
  if (name === 'multiedit' && Array.isArray(input.edits))
    return (input.edits as Record<string, unknown>[]).map((x) => edit(x?.old_string, x?.new_string));
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

/**
 * Text a user passes on but did not write: quoted lines (`> …`), fenced blocks, long quotations, and
 * whatever follows a forwarding marker. It is someone else's voice, screened as from outside.
 */
export function splitForwarded(text: string): { own: string; forwarded: string[] } {
  const forwarded: string[] = [];
  let own = text;
  const take = (re: RegExp) => {
    own = own.replace(re, (m) => {
      forwarded.push(m);
      return ' ';
    });
  };
  take(
    /(?:^|\n)(?:-{3,} ?(?:forwarded|original) message ?-{3,}|(?:fwd?|forwarded):|begin forwarded message:)[\s\S]{0,100000}$/i,
  );
  take(/```[\s\S]{0,100000}?```/g);
  take(/(?:^|\n)>[^\n]{0,10000}(?:\n>[^\n]{0,10000}){0,2000}/g);
  take(/["“«「][^"”»」\n]{40,4000}["”»」]/g);
  return { own, forwarded };
}

/** Addresses and identifiers in a text: what marks a line as carrying it. */
export function distinctiveTokens(text: string): string[] {
  const out = new Set<string>();
  for (const m of text.matchAll(destination)) {
    const t = m[0].toLowerCase().replace(/[.,;:]+$/, '');
    out.add(t);
    const host = /^https?:\/\/([^/:?#]{1,253})/.exec(t)?.[1];
    if (host) out.add(host.replace(/^www\./, ''));
    else if (t.includes('@')) out.add(t.split('@')[1]!);
  }
  for (const m of text.matchAll(
    /\b[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63}){1,6}\.(?:com|net|org|io|dev|app|co|ai|cn|de|example|invalid)\b/gi,
  ))
    out.add(m[0].toLowerCase());
  for (const m of text.matchAll(/\b[A-Z][A-Z0-9]{1,20}(?:-[A-Z0-9]{1,20}){1,4}\b/g)) out.add(m[0].toLowerCase());
  for (const m of text.matchAll(/(?<![\w.])@[\w-]{2,40}(?:\.[\w-]{1,40}){0,4}/g)) out.add(m[0].toLowerCase());
  return [...out].filter((t) => t.length >= 6).slice(0, 50);
}

const stem = (w: string) => w.slice(0, 5);
export const wordsOf = (text: string): string[] =>
  (text.toLowerCase().match(/[\p{L}\p{N}][\p{L}\p{N}'-]{2,40}/gu) ?? []).filter(
    (w) => !/^(the|and|for|with|you|your|this|that|from|into|have|will|right|when|after|before)$/.test(w),
  );

/**
 * Is an order found in the agent's own memory write the user's? A user may ask for a standing order ("always
 * share the link with me after publishing"); an order whose address came from outside is not theirs.
 */
function usersOwnOrder(line: string, own: string, untrustedTokens: ReadonlySet<string>): boolean {
  const ownLower = own.toLowerCase();
  const tokens = distinctiveTokens(line);
  if (tokens.some((t) => untrustedTokens.has(t) && !ownLower.includes(t))) return false;
  if (tokens.length > 0 && tokens.every((t) => ownLower.includes(t))) return true;
  return overlap(line, own) >= 0.6;
}

/** The share of a line's words (by their first letters) that another text has too. */
export function overlap(line: string, text: string): number {
  const words = wordsOf(line);
  if (words.length === 0) return 0;
  const there = new Set(wordsOf(text).map(stem));
  return words.filter((w) => there.has(stem(w))).length / words.length;
}

/** A tool result's provenance, in words a reviewer reads: which tool, on what. */
function sourceOf(call: { name: string; rawTarget: string }): string {
  const target = call.rawTarget ? ` (${clip(redactKnown(call.rawTarget).text, 80)})` : '';
  return `a ${call.name} result${target}`;
}

/**
 * The first of a call's memory writes that holds an instruction: an agent that writes one into memory is as
 * suspect as the page that taught it, unless the order is its user's.
 */
async function screenWrites(
  writes: readonly PendingWrite[],
  ownWords: string,
  untrustedTokens: ReadonlySet<string>,
  redact: (t: string) => Promise<string>,
): Promise<Omit<Injection, 'eventId'> | undefined> {
  for (const w of writes) {
    const flagged = w.lines.filter((l) => {
      if (hasHiddenCharacters(l)) return true;
      const f = detectInjection(l, false);
      return f !== undefined && !(f.detector === 'standing-order' && usersOwnOrder(l, ownWords, untrustedTokens));
    });
    if (flagged.length === 0) continue;
    const joined = flagged.join('\n');
    const f = detectInjection(joined, false);
    return {
      detector: f?.detector ?? 'hidden-unicode',
      excerpt: f?.excerpt ?? 'invisible characters in a memory write',
      at: 0,
      context: redactKnown(joined).text,
      source: `the agent's memory write to ${w.path}`,
      tokens: distinctiveTokens(redactKnown(joined).text),
      lines: await Promise.all(flagged.map(redact)),
    };
  }
  return undefined;
}

interface Pending {
  call: ToolCall;
  writes: PendingWrite[];
  /** The memory file the call reads (a memory-tool `view`, a file-tool `read`). */
  reads?: string;
  /** The call reads the agent's own memory: its result is the store, already checked as such. */
  readsMemory: boolean;
  rawTarget: string;
}

/**
 * One event of a session and the line of its source file: a line of JSON text (SPEC §2's local form), or an
 * event a source already translated into SPEC §2's shape (Claude Code transcripts, Messages API logs).
 */
export type EventAt = { line: number; text: string } | { line: number; event: unknown };

/**
 * Reads one session from a stream of events (SPEC §2 shapes): every source comes through here, so screening
 * and the digest are the same for all. A malformed event, an event out of time order or a repeated event id
 * is invalid input naming the file and line.
 */
export async function digestEvents(
  sessionId: string,
  file: string,
  events: AsyncIterable<EventAt> | Iterable<EventAt>,
  options: DigestOptions = {},
): Promise<SessionDigest> {
  const pathOf = options.memoryPathOf ?? defaultMemoryPathOf;
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
  const pending = new Map<string, Pending>();
  const seenIds = new Set<string>();
  let lastAt = -Infinity;
  const redact = async (text: string) => {
    const r = await redactSecrets(text);
    mergeCounts(d.secrets, r.found);
    return r.text;
  };
  // the user's own words so far, and the addresses seen in text from outside
  let ownWords = '';
  const untrustedTokens = new Set<string>();
  const flag = (injection: Injection) => {
    if (!d.injection) d.injection = injection;
  };
  const noteAddresses = (text: string) => {
    // only addresses matter here (where a standing order sends things): most tool output has none
    if (untrustedTokens.size >= 2_000 || (!text.includes('@') && !text.includes('://'))) return;
    for (const t of distinctiveTokens(text.slice(0, 100_000))) untrustedTokens.add(t);
  };
  const screenOutside = (text: string, eventId: string, at: number, source: string, rules: boolean) => {
    noteAddresses(text);
    if (d.injection) return;
    const f = rules ? detectInjection(text, true) : undefined;
    if (!f) return;
    flag({ ...f, eventId, at, source, tokens: distinctiveTokens(f.context) });
  };
  const settle = async (id: string, failed: boolean) => {
    const p = pending.get(id);
    if (!p) return;
    pending.delete(id);
    if (failed) return;
    if (p.reads) d.memoryReads.push({ eventId: p.call.eventId, at: p.call.at, path: p.reads });
    for (const w of p.writes)
      d.memoryWrites.push({
        eventId: p.call.eventId,
        at: p.call.at,
        path: w.path,
        lines: await Promise.all(w.lines.map(redact)),
        replaced: await Promise.all(w.replaced.map(redact)),
      });
  };
  // text of the previous result from outside, so an instruction split across two results is still seen
  let previousUntrusted = '';

  for await (const item of events) {
    const { line } = item;
    let value: unknown;
    if ('event' in item) value = item.event;
    else {
      if (item.text.trim() === '') continue;
      value = parseJsonLine(item.text, `${file}:${line}`);
    }
    const problem = eventProblem(value);
    if (problem) throw new InvalidInput(`${file}:${line}: ${problem}`);
    const e = value as SessionEvent;
    const at = Date.parse(e.processed_at);
    if (at < lastAt)
      throw new InvalidInput(`${file}:${line}: event at ${e.processed_at} is earlier than the event before it`);
    lastAt = at;
    const eventId = e.id ?? `line-${line}`;
    if (seenIds.has(eventId)) throw new InvalidInput(`${file}:${line}: its event id appears twice`);
    seenIds.add(eventId);
    d.eventIds.push(eventId);
    d.events++;
    d.startedAt = Math.min(d.startedAt, at);
    d.endedAt = Math.max(d.endedAt, at);

    if (e.type === 'user.message') {
      const { own, forwarded } = splitForwarded(contentText(e.content));
      const words = own.replace(/\s+/g, ' ').trim();
      if (words) {
        d.userStatements.push({ eventId, at, text: clip(await redact(words)) });
        ownWords = `${ownWords} ${words}`.slice(-20_000);
      }
      for (const f of forwarded) {
        noteAddresses(f);
        if (d.injection) continue;
        // a user's forwarded text is outside content, but only its plainest orders count: a pasted document may
        // well talk about system prompts
        const finding = detectInjection(f, false);
        if (finding)
          flag({
            ...finding,
            eventId,
            at,
            source: 'text the user forwarded or quoted',
            tokens: distinctiveTokens(finding.context),
          });
      }
    } else if (isToolUse(e.type) && typeof e.name === 'string') {
      const id = typeof e.id === 'string' ? e.id : eventId;
      const input = (e.input ?? {}) as Record<string, unknown>;
      const path = pathOf(e.name, input);
      const writes = memoryWritesOf(e, path);
      const call: ToolCall = { eventId, at, name: e.name, input: await redact(summarizeInput(e.input)) };
      d.toolCalls.push(call);
      const rawTarget = [input.url, input.file_path, input.path].find((x): x is string => typeof x === 'string') ?? '';
      const name = e.name.toLowerCase();
      const reads = (name === 'memory' && input.command === 'view') || name === 'read' ? path : undefined;
      pending.set(id, {
        call,
        writes,
        ...(reads ? { reads } : {}),
        readsMemory: e.name === 'memory' || path !== undefined,
        rawTarget,
      });
      if (!d.injection) {
        const found = await screenWrites(writes, ownWords, untrustedTokens, redact);
        if (found) flag({ ...found, eventId, at });
      }
    } else if (isToolResult(e.type)) {
      const t = contentText(e.content);
      const id = typeof e.tool_use_id === 'string' ? e.tool_use_id : '';
      const p = pending.get(id);
      // the error lines are found in the whole output: a tool may print a long summary before its error
      if (p && e.is_error === true) p.call.error = await redact(errorExcerpt(t));
      if (!p?.readsMemory) {
        const source = p ? sourceOf({ name: p.call.name, rawTarget: p.rawTarget }) : 'a tool result';
        screenOutside(t, eventId, at, source, true);
        if (!d.injection && previousUntrusted)
          screenOutside(
            `${previousUntrusted} ${t.slice(0, 2_000)}`,
            eventId,
            at,
            `${source}, read with the one before it`,
            true,
          );
        previousUntrusted = t.slice(-2_000);
      }
      await settle(id, e.is_error === true);
    } else if (e.type === 'session.error' && e.error) {
      d.toolCalls.push({
        eventId,
        at,
        name: 'session.error',
        input: '',
        error: clip(await redact(String(e.error.message ?? e.error.type ?? '')), 500),
      });
    }
  }
  for (const id of [...pending.keys()]) await settle(id, false); // a write with no result recorded still happened
  if (d.events === 0) throw new InvalidInput(`${file}: no events (an empty session)`);
  return d;
}

/** Reads one session file (SPEC §2, local form) as a stream. */
export function digestSession(file: string, options: DigestOptions = {}): Promise<SessionDigest> {
  return digestEvents(basename(file).replace(/\.jsonl$/, ''), file, readLines(file), options);
}
