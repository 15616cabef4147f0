import { redactKnown } from './secrets.js';

/** The event shapes of SPEC §2 that dreaming reads (Managed Agents `sessions.events.list`). */
export interface SessionEvent {
  type: string;
  processed_at: string;
  id?: string;
  content?: unknown;
  name?: string;
  input?: Record<string, unknown>;
  tool_use_id?: string;
  is_error?: boolean;
  stop_reason?: unknown;
  error?: { type?: string; message?: string };
  [key: string]: unknown;
}

/** A call of a tool of any kind (built-in, custom, MCP), and the result of one. */
export const isToolUse = (t: string) =>
  t === 'agent.tool_use' || t === 'agent.custom_tool_use' || t === 'agent.mcp_tool_use';
export const isToolResult = (t: string) => t.endsWith('tool_result');

/** A tool result's provenance, in words a reviewer reads: which tool, on what (its target masked and cut). */
export function sourceOf(call: { name: string; rawTarget: string }): string {
  const target = redactKnown(call.rawTarget).text;
  return call.rawTarget
    ? `a ${call.name} result (${target.length > 80 ? `${target.slice(0, 80)}…` : target})`
    : `a ${call.name} result`;
}

const rfc3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** Why a parsed line is not a session event, or undefined. */
export function eventProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const e = value as Record<string, unknown>;
  if (typeof e.type !== 'string' || e.type === '') return 'no "type"';
  if (typeof e.processed_at !== 'string') return 'no "processed_at"';
  // the field is named, never quoted: whatever is in it (a token pasted by mistake) stays out of errors
  if (!rfc3339.test(e.processed_at) || Number.isNaN(Date.parse(e.processed_at)))
    return '"processed_at" is not an RFC 3339 time';
  if (e.id !== undefined && typeof e.id !== 'string') return '"id" is not a string';
  return undefined;
}

/** The text of a content field: an array of blocks (text blocks read) or a plain string. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((b) => {
      if (typeof b === 'string') return b;
      if (b && typeof b === 'object') {
        const block = b as Record<string, unknown>;
        if (typeof block.text === 'string') return block.text;
        if (block.content !== undefined) return contentText(block.content); // nested (e.g. web fetch documents)
        if (
          block.source &&
          typeof block.source === 'object' &&
          typeof (block.source as { data?: unknown }).data === 'string'
        ) {
          return (block.source as { data: string }).data;
        }
      }
      return '';
    })
    .join('\n');
}

/** A tool call's input in one line a reader recognises (a command, a query, a path), at most 300 characters. */
export function summarizeInput(input: unknown): string {
  const clip = (s: string) => (s.length > 300 ? `${s.slice(0, 300)}…` : s);
  if (!input || typeof input !== 'object') return '';
  const i = input as Record<string, unknown>;
  for (const k of ['command', 'cmd', 'query', 'url', 'file_path', 'path', 'pattern'])
    if (typeof i[k] === 'string') return clip(i[k] as string);
  return clip(JSON.stringify(input));
}
