import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { syntheticAgentOnDisk } from '../../bench/agents.js';
import type { AgentConfig } from '../../src/config/fleet.js';
import { LocalDirStore } from '../../src/memory/localDir.js';
import { MemoryStore } from '../../src/memory/store.js';

/**
 * A synthetic agent whose dream applies many changes: `sessions` sessions each write a new billing owner below
 * the old one in `perSession` files (the store is as it is after them), so each file's old line is superseded
 * in place and archived: 2 applied changes per file, spread over many S3 writes at promotion. Each file names
 * its own subject, so no write speaks for another file.
 */
export async function supersededAgentOnDisk(
  id: string,
  files: number,
  sessions = 5,
  perSession = 10,
): Promise<AgentConfig> {
  const agent = await syntheticAgentOnDisk(id, files, 0, { details: 5 });
  const disk = new LocalDirStore(agent.store);
  const store = await disk.read();
  const path = (i: number) => `/services/s${String(i).padStart(4, '0')}.md`;
  const subject = (i: number) => `Billing owner of ${String.fromCharCode(97 + Math.floor(i / 26), 97 + (i % 26))}`; // aa, ab, …
  const updated = new Map<string, string>();
  await mkdir(join(agent.sessions, id), { recursive: true });
  for (let s = 0; s < sessions; s++) {
    const t = Date.parse('2026-11-20T00:00:00Z') + s * 3_600_000;
    const ev = (i: number, e: Record<string, unknown>) =>
      JSON.stringify({ processed_at: new Date(t + i * 1000).toISOString(), ...e });
    const text = `billing moved to the new squads for services ${s * perSession}-${(s + 1) * perSession - 1}`;
    const events = [ev(0, { id: `u${s}`, type: 'user.message', content: [{ type: 'text', text }] })];
    for (let k = 0; k < perSession; k++) {
      const i = s * perSession + k;
      const old = `- ${subject(i)}: legacy-${200 + i}`;
      const owner = `- ${subject(i)}: squad-${100 + i}`;
      const lines = store.get(path(i))!.split('\n').length; // below the old line, the file's last
      const input = { command: 'insert', path: `/memories${path(i)}`, insert_line: lines, insert_text: owner };
      events.push(ev(2 * k + 1, { id: `tu${s}_${k}`, type: 'agent.tool_use', name: 'memory', input }));
      const result = { id: `r${s}_${k}`, type: 'agent.tool_result', tool_use_id: `tu${s}_${k}`, content: 'ok' };
      events.push(ev(2 * k + 2, { ...result, is_error: false }));
      updated.set(path(i), `${store.get(path(i))}${old}\n${owner}\n`);
    }
    await writeFile(join(agent.sessions, id, `sess_${s}.jsonl`), `${events.join('\n')}\n`);
  }
  await disk.replaceAll(MemoryStore.from([...store.files, ...updated], store.limits));
  return { ...agent, minNewSessions: 1 };
}
