// Run in a child process by the benchmark: dreams over a sessions folder and prints its peak RSS.
import { readFile } from 'node:fs/promises';
import { HeuristicDreamer } from '../src/dream/heuristic.js';
import { runDream } from '../src/dream/run.js';
import { MemoryStore } from '../src/memory/store.js';
import { selectSessions } from '../src/sources/sessions.js';
import { syntheticStore } from './agents.js';

async function main(): Promise<void> {
  const [dir, agent, mode, expected] = process.argv.slice(2) as [string, string, string, string];
  if (mode === 'dream') {
    const sessions = await selectSessions(dir, agent, { limit: 100 });
    const r = await runDream(new HeuristicDreamer(), {
      agentId: agent,
      snapshotId: null,
      store: syntheticStore(200),
      sessions,
    });
    if (r.changeSet.sessions?.used.length !== Number(expected))
      throw new Error(`expected ${expected} sessions, read ${r.changeSet.sessions?.used.length}`);
  } else {
    MemoryStore.from({ '/a': 'b' });
  }
  // VmHWM starts anew at exec; ru_maxrss would carry the parent's peak over (Linux keeps it across execve)
  const hwm = /VmHWM:\s+(\d+) kB/.exec(await readFile('/proc/self/status', 'utf8').catch(() => ''));
  process.stdout.write(JSON.stringify({ maxRssMb: (hwm ? Number(hwm[1]) : process.resourceUsage().maxRSS) / 1024 }));
}

void main();
