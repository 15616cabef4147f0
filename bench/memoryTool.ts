/** What the synthetic agents' memory tool does to a store, as the quality benchmark replays it. */
import type { Night } from './synthetic.js';

/** The lines a memory-tool call writes (an insert's text, a created file's lines). */
export function writtenLines(input: Record<string, unknown>): string[] {
  const text = input.command === 'create' ? input.file_text : input.insert_text;
  return typeof text === 'string' ? text.split('\n').filter((l) => l.trim() !== '') : [];
}

/** What the agent's memory tool does to a store: an insert goes at the top of a file, a create writes one. */
export function applyWrites(files: Map<string, string>, sessions: Night['sessions']): void {
  for (const s of sessions) {
    for (const e of s.events) {
      if (e.type !== 'agent.tool_use' || e.name !== 'memory') continue;
      const input = e.input as { command: string; path: string; insert_text?: string; file_text?: string };
      const path = input.path.replace(/^\/memories/, '');
      if (input.command === 'create') files.set(path, input.file_text!);
      else files.set(path, `${input.insert_text}\n${files.get(path) ?? ''}`);
    }
  }
}
