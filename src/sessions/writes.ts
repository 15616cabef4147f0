/** Memory writes and reads as tool calls show them (SPEC §2): the memory tool and the Managed Agents file tools. */
import type { SessionEvent } from './events.js';

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

export const defaultMemoryPathOf = (name: string, input: Record<string, unknown>): string | undefined =>
  memoryPath(name, name === 'memory' ? (input.command === 'rename' ? input.new_path : input.path) : input.file_path);

export interface PendingWrite {
  path: string;
  lines: string[];
  replaced: string[];
  /** The text the write replaces, as the agent quotes it from the store (`old_str`, `old_string`). */
  quoted: string[];
}

/** The memory writes a tool call makes, before its result says whether it happened. */
export function memoryWritesOf(e: SessionEvent, path: string | undefined): PendingWrite[] {
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
      quoted: linesOf(oldText),
    };
  };
  const name = e.name?.toLowerCase();
  if (name === 'memory') {
    const cmd = input.command;
    if (cmd === 'create') return [{ path, lines: linesOf(input.file_text), replaced: [], quoted: [] }];
    if (cmd === 'str_replace') return [edit(input.old_str, input.new_str)];
    if (cmd === 'insert') return [{ path, lines: linesOf(input.insert_text), replaced: [], quoted: [] }];
    return [];
  }
  if (name === 'write') return [{ path, lines: linesOf(input.content), replaced: [], quoted: [] }];
  if (name === 'edit') return [edit(input.old_string, input.new_string)];
  if (name === 'multiedit' && Array.isArray(input.edits))
    return (input.edits as Record<string, unknown>[]).map((x) => edit(x?.old_string, x?.new_string));
  return [];
}
