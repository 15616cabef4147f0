import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Builds a session in the shape of SPEC §2 (Managed Agents events), one event a line. */
export class SessionBuilder {
  events: Record<string, unknown>[] = [];
  private t: number;
  private n = 0;
  constructor(
    readonly id: string,
    start: string | number = '2026-11-01T09:00:00Z',
  ) {
    this.t = typeof start === 'number' ? start : Date.parse(start);
  }
  private next(type: string, fields: Record<string, unknown>): string {
    this.t += 1000;
    const id = `evt_${++this.n}`;
    this.events.push({ id, type, processed_at: new Date(this.t).toISOString(), ...fields });
    return id;
  }
  user(text: string): this {
    this.next('user.message', { content: [{ type: 'text', text }] });
    return this;
  }
  tool(name: string, input: Record<string, unknown>, result: string, isError = false): this {
    const useId = `toolu_${this.id}_${this.n + 1}`;
    this.t += 1000;
    this.n++;
    this.events.push({ id: useId, type: 'agent.tool_use', processed_at: new Date(this.t).toISOString(), name, input });
    this.next('agent.tool_result', {
      tool_use_id: useId,
      content: [{ type: 'text', text: result }],
      is_error: isError,
    });
    return this;
  }
  memory(command: string, path: string, fields: Record<string, unknown>): this {
    return this.tool('memory', { command, path: `/memories${path}`, ...fields }, 'ok');
  }
  jsonl(): string {
    return this.events.map((e) => JSON.stringify(e)).join('\n') + '\n';
  }
}

export async function tempDir(prefix = 'dg-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** Writes sessions under `<root>/<agent>/<id>.jsonl` and returns the root. */
export async function writeSessions(agent: string, sessions: SessionBuilder[], root?: string): Promise<string> {
  const dir = root ?? (await tempDir('dg-sessions-'));
  await mkdir(join(dir, agent), { recursive: true });
  for (const s of sessions) await writeFile(join(dir, agent, `${s.id}.jsonl`), s.jsonl());
  return dir;
}
