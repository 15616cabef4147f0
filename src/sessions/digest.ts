import { basename } from 'node:path';
import { InvalidInput } from '../util/errors.js';
import { contentText, eventProblem, isToolResult, isToolUse, sourceOf, summarizeInput } from './events.js';
import type { SessionEvent } from './events.js';
import { resultErrors } from './errorNames.js';
import { readsWorkspace } from './destinations.js';
import { FlowScreen } from './flow.js';
import { readLines } from '../util/readLines.js';
import { parseJsonLine } from './jsonl.js';
import { normalizeForTrace, type LineOrigin } from './provenance.js';
import {
  handedOverTokens,
  mergeCounts,
  redactCopies,
  redactKnown,
  redactSecrets,
  secretFingerprint,
  type Finding,
} from './screen.js';
import { defaultMemoryPathOf, memoryWritesOf, type PendingWrite } from './writes.js';
import { splitForwarded } from './forwarded.js';

export { memoryPath } from './writes.js';

/** A memory write made during a session, and when (SPEC §2). */
export interface MemoryWrite {
  eventId: string;
  at: number;
  path: string;
  /** The lines the write adds. */
  lines: string[];
  /** Where each added line's text came from (the user, the store, the agent, outside content), line by line. */
  origins: LineOrigin[];
  /** The lines it takes out (a `str_replace` or `edit` of old text): evidence that an old value was replaced. */
  replaced: string[];
}

export interface ToolCall {
  eventId: string;
  at: number;
  name: string;
  /** A redacted one-line summary of the input (a command, a query, a path). */
  input: string;
  /** What a failed call printed: its opening and its error lines, redacted, at most 500 characters. */
  error?: string;
  /** The lines that carry the error, found in the whole output (`errorLines`), redacted. */
  errorLines?: string[];
  /** The names its error speaks of (`resultErrors`), redacted: what ties one error's framings across tools. */
  names?: string[];
  /** The call passed, but its output reports an error at error level (a log it read): `errorLines` are those. */
  reported?: boolean;
}

export interface UserStatement {
  eventId: string;
  at: number;
  /** The user's own words: text the user forwarded or quoted is not theirs, and is left out. */
  text: string;
}

/** A line a session wrote to memory whose text came from outside and that no cycle promotes without a reviewer's yes. */
export interface HeldLine {
  /** The memory write. */
  eventId: string;
  at: number;
  path: string;
  /** The line, redacted. */
  line: string;
  /** When only some of its sentences are held: the line as it stays without them (redacted). */
  kept?: string;
  /** Where its text came from: "a web_fetch result (https://…)". */
  source: string;
  sourceEventId?: string;
  reason: string;
  /** Destinations it introduced: a store that already names them all releases a hold made of them alone. */
  destinations: string[];
  /** Held on other grounds than destinations (structure, phrases). */
  structural: boolean;
  /** The phrase detector that raised the hold to a quarantine. */
  raised?: string;
}

/** Why a session is quarantined: a held line that a phrase signal raised, where it came from, and when. */
export interface Injection extends Finding {
  /** The memory write that carried it. */
  eventId: string;
  at: number;
  source: string;
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
  /** Lines written to memory whose text came from outside with a destination or an order in it. */
  held: HeldLine[];
  /** The first held line raised by a phrase signal: the session is quarantined (only its held lines leave). */
  injection?: Injection;
  /** Fingerprints (sha256) of secrets the user handed over or the session redacted: the store's copies go too. */
  handed: string[];
  /** Secrets redacted from what this digest holds, by kind. */
  secrets: Record<string, number>;
  /** Names printed by calls that passed (`namesIn`): a name they print marks no one error. */
  passingNames?: string[];
}

const maxText = 2_000;
const clip = (s: string, n = maxText) => (s.length > n ? `${s.slice(0, n)}…` : s);

export interface DigestOptions {
  /**
   * The store path a tool call reads or writes, or undefined when it touches no memory. Sources whose tools
   * name files their own way (Claude Code's absolute paths) pass their own; the default reads SPEC §2's.
   */
  memoryPathOf?: (toolName: string, input: Record<string, unknown>) => string | undefined;
}

interface ScreenedWrite extends PendingWrite {
  origins: LineOrigin[];
  holds: { index: number; hold: NonNullable<ReturnType<FlowScreen['screen']>['hold']>; kept?: string }[];
}

interface Pending {
  call: ToolCall;
  writes: ScreenedWrite[];
  /** The memory file the call reads (a memory-tool `view`, a file-tool `read`). */
  reads?: string;
  /** The call reads the agent's own memory: its result is the store. */
  readsMemory: boolean;
  rawTarget: string;
  /** The call read the agent's own workspace (destinations.ts `readsWorkspace`). */
  workspace: boolean;
}

/**
 * One event of a session and the line of its source file: a line of JSON text (SPEC §2's local form), or an
 * event a source already translated into SPEC §2's shape (Claude Code transcripts, Messages API logs).
 */
export type EventAt = { line: number; text: string } | { line: number; event: unknown };

/** Reads one session's events into its digest, screening every memory write by where its text came from. */
class SessionReader {
  readonly d: SessionDigest;
  private readonly flow = new FlowScreen();
  private readonly pending = new Map<string, Pending>();
  private readonly seenIds = new Set<string>();
  /** Secrets the user handed over or the session's texts held: their other copies are redacted too (never kept). */
  private readonly values = new Set<string>();
  /** Lines this session wrote (normalized): a later read of them is not the store speaking. */
  private readonly written = new Set<string>();
  /** Names that calls which passed printed, read from their first 8 MB (bounded work on a huge session). */
  private readonly passing = new Set<string>();
  private passingRead = 0;
  private lastAt = -Infinity;

  constructor(
    sessionId: string,
    readonly file: string,
    private readonly pathOf: NonNullable<DigestOptions['memoryPathOf']>,
  ) {
    this.d = {
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
      held: [],
      handed: [],
      secrets: {},
    };
  }

  async redact(text: string): Promise<string> {
    const values = new Set<string>();
    const r = await redactSecrets(text, values);
    // a secret redacted anywhere in a session is one in the store too: its copies there are redacted by fingerprint
    this.remember(values, 8);
    mergeCounts(this.d.secrets, r.found);
    const h = redactCopies(r.text, this.values);
    mergeCounts(this.d.secrets, h.found);
    return h.text;
  }

  /** Secrets found in this session: redacted in its later texts, and (fingerprinted) in the store. */
  private remember(values: Iterable<string>, minLength: number): void {
    for (const v of values) {
      if (v.length >= minLength && !this.values.has(v)) this.d.handed.push(secretFingerprint(v));
      this.values.add(v);
    }
  }

  /** Validates one event (time order, unique id) and reads it. */
  async read(item: EventAt): Promise<void> {
    let value: unknown;
    if ('event' in item) value = item.event;
    else {
      if (item.text.trim() === '') return;
      value = parseJsonLine(item.text, `${this.file}:${item.line}`);
    }
    const problem = eventProblem(value);
    if (problem) throw new InvalidInput(`${this.file}:${item.line}: ${problem}`);
    const e = value as SessionEvent;
    const at = Date.parse(e.processed_at);
    if (at < this.lastAt)
      throw new InvalidInput(
        `${this.file}:${item.line}: event at ${e.processed_at} is earlier than the event before it`,
      );
    this.lastAt = at;
    const eventId = e.id ?? `line-${item.line}`;
    if (this.seenIds.has(eventId)) throw new InvalidInput(`${this.file}:${item.line}: its event id appears twice`);
    this.seenIds.add(eventId);
    const d = this.d;
    d.eventIds.push(eventId);
    d.events++;
    d.startedAt = Math.min(d.startedAt, at);
    d.endedAt = Math.max(d.endedAt, at);
    if (e.type === 'user.message') await this.user(e, eventId, at);
    else if (e.type === 'agent.message') this.flow.agentMessage(contentText(e.content));
    else if (isToolUse(e.type) && typeof e.name === 'string') await this.toolUse(e, eventId, at);
    else if (isToolResult(e.type)) await this.toolResult(e, eventId);
    else if (e.type === 'session.error' && e.error)
      d.toolCalls.push({
        eventId,
        at,
        name: 'session.error',
        input: '',
        error: clip(await this.redact(String(e.error.message ?? e.error.type ?? '')), 500),
      });
  }

  private async user(e: SessionEvent, eventId: string, at: number): Promise<void> {
    const { own, forwarded } = splitForwarded(contentText(e.content));
    const words = own.replace(/\s+/g, ' ').trim();
    // a secret the user hands over, labelled or not, is one wherever it shows up again
    const handed = new Set(handedOverTokens(words));
    // redacted as written, line by line (a label's value ends its line), then put on one line
    const r = await redactSecrets(own, handed);
    this.remember(handed, 6);
    if (words) {
      mergeCounts(this.d.secrets, r.found);
      const said = redactCopies(r.text, this.values).text.replace(/\s+/g, ' ').trim();
      this.d.userStatements.push({ eventId, at, text: clip(said) });
      this.flow.userWords(words, eventId);
    }
    for (const f of forwarded) this.flow.outsideText(f, eventId, 'text the user forwarded or quoted', true);
  }

  private async toolUse(e: SessionEvent, eventId: string, at: number): Promise<void> {
    const name = e.name!;
    const id = typeof e.id === 'string' ? e.id : eventId;
    const input = (e.input ?? {}) as Record<string, unknown>;
    const path = this.pathOf(name, input);
    const call: ToolCall = { eventId, at, name, input: await this.redact(summarizeInput(e.input)) };
    this.d.toolCalls.push(call);
    const rawTarget = [input.url, input.file_path, input.path].find((x): x is string => typeof x === 'string') ?? '';
    const lower = name.toLowerCase();
    const reads = (lower === 'memory' && input.command === 'view') || lower === 'read' ? path : undefined;
    const writes = memoryWritesOf(e, path).map((w) => this.screenWrite(w, eventId));
    if (writes.length === 0) this.flow.agentWords(JSON.stringify(input));
    this.pending.set(id, {
      call,
      writes,
      ...(reads ? { reads } : {}),
      readsMemory: lower === 'memory' || path !== undefined,
      rawTarget,
      workspace: readsWorkspace(JSON.stringify(input)),
    });
  }

  /** Traces each line a write adds, as the session stands when the agent writes it. */
  private screenWrite(w: PendingWrite, eventId: string): ScreenedWrite {
    // the text it replaces is the agent quoting the store (what this session wrote itself is not)
    this.storeText(w.quoted.join('\n'), eventId, w.path);
    const origins: LineOrigin[] = [];
    const holds: ScreenedWrite['holds'] = [];
    w.lines.forEach((line, index) => {
      const s = this.flow.screenLine(line, w.path);
      origins.push(s.origin);
      if (s.hold) holds.push({ index, hold: s.hold, ...(s.kept ? { kept: s.kept } : {}) });
    });
    for (const line of w.lines) this.written.add(normalizeForTrace(line));
    this.flow.agentWords(w.lines.join('\n'));
    return { ...w, origins, holds };
  }

  private storeText(text: string, eventId: string, path: string): void {
    const lines = text
      .split('\n')
      .filter((l) => !this.written.has(normalizeForTrace(l.replace(/^\s{0,8}\d{1,7}\t/, ''))));
    if (lines.length > 0) this.flow.storeText(lines.join('\n'), eventId, path);
  }

  private async toolResult(e: SessionEvent, eventId: string): Promise<void> {
    const t = contentText(e.content);
    const id = typeof e.tool_use_id === 'string' ? e.tool_use_id : '';
    const p = this.pending.get(id);
    if (p) {
      const r = resultErrors(t, e.is_error === true, (this.passingRead += t.length) < 8_000_000);
      if (r.excerpt !== undefined) p.call.error = await this.redact(r.excerpt);
      if (r.lines.length > 0) p.call.errorLines = (await this.redact(r.lines.join('\n'))).split('\n');
      if (r.names.length > 0) p.call.names = (await this.redact(r.names.join('\n'))).split('\n');
      if (r.reported) p.call.reported = true;
      for (const n of r.passing) this.passing.add(n);
    }
    if (p?.readsMemory) this.storeText(t, eventId, p.reads ?? 'memory');
    else
      this.flow.outsideText(
        t,
        eventId,
        p ? sourceOf({ name: p.call.name, rawTarget: p.rawTarget }) : 'a tool result',
        false,
        p?.workspace ?? false,
      );
    await this.settle(id, e.is_error === true);
  }

  /** A call's result came (or the session ended): its reads and writes happened unless it failed. */
  async settle(id: string, failed: boolean): Promise<void> {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    if (failed) return;
    const { eventId, at } = p.call;
    if (p.reads) this.d.memoryReads.push({ eventId, at, path: p.reads });
    for (const w of p.writes) {
      const lines = await Promise.all(w.lines.map((l) => this.redact(l)));
      this.d.memoryWrites.push({
        eventId,
        at,
        path: w.path,
        lines,
        origins: w.origins,
        replaced: await Promise.all(w.replaced.map((l) => this.redact(l))),
      });
      for (const { index, hold, kept } of w.holds) {
        const { raised, ...rest } = hold;
        this.d.held.push({
          eventId,
          at,
          path: w.path,
          line: lines[index]!,
          ...(kept ? { kept: await this.redact(kept) } : {}),
          ...rest,
          ...(raised ? { raised: raised.detector } : {}),
        });
        if (raised && !this.d.injection)
          this.d.injection = { ...raised, excerpt: redactKnown(raised.excerpt).text, eventId, at, source: hold.source };
      }
    }
  }

  async finish(): Promise<SessionDigest> {
    for (const id of [...this.pending.keys()]) await this.settle(id, false); // a write with no result recorded still happened
    if (this.passing.size > 0) this.d.passingNames = [...this.passing];
    if (this.d.events === 0) throw new InvalidInput(`${this.file}: no events (an empty session)`);
    // a secret found later in the session (a write labels what the user only said) leaves what the user said too
    for (const u of this.d.userStatements) u.text = redactCopies(u.text, this.values).text;
    return this.d;
  }
}

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
  const reader = new SessionReader(sessionId, file, options.memoryPathOf ?? defaultMemoryPathOf);
  for await (const item of events) await reader.read(item);
  return reader.finish();
}

/** Reads one session file (SPEC §2, local form) as a stream. */
export function digestSession(file: string, options: DigestOptions = {}): Promise<SessionDigest> {
  return digestEvents(basename(file).replace(/\.jsonl$/, ''), file, readLines(file), options);
}
