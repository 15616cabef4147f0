import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { agentDefaults, claudeSettings, type AgentConfig } from '../src/config/fleet.js';
import { defaultLimits, type StoreLimits } from '../src/memory/limits.js';
import { LocalDirStore } from '../src/memory/localDir.js';
import { MemoryStore } from '../src/memory/store.js';
import { mapLimit } from '../src/util/concurrency.js';

/**
 * A store of `n` realistic files (about 1.3 KB of notes each with 20 details, 1 KB with 15; a few duplicates
 * and contradictions between them).
 */
export function syntheticStore(n: number, salt = '', details = 20): MemoryStore {
  const files = new Map<string, string>();
  for (let i = 0; i < n; i++) {
    const lines = [
      `# Notes ${i}`,
      '',
      `- Service ${i} owner: team-${i % 17}`,
      `- Service ${i} runs on host-${i % 23}.internal${salt}`,
    ];
    for (let j = 0; j < details; j++)
      lines.push(`- Detail ${j} of service ${i}: threshold ${(i * 31 + j) % 97} requests per second`);
    if (i % 10 === 0) lines.push(`- Service ${i === 0 ? 1 : i - 1} owner: team-${(i + 1) % 17}`);
    if (i % 7 === 0) lines.push(`- Detail 3 of service ${i}: threshold ${(i * 31 + 3) % 97} requests per second`);
    files.set(`/services/s${String(i).padStart(4, '0')}.md`, lines.join('\n') + '\n');
  }
  return MemoryStore.from(files, { ...defaultLimits, maxFiles: Math.max(n, defaultLimits.maxFiles) });
}

/** Session `s` of an agent: a task, and a memory write that contradicts what the store says of service 0. */
export function syntheticSession(s: number): string {
  const t = Date.parse('2026-11-20T00:00:00Z') + s * 3_600_000;
  const ev = (i: number, e: Record<string, unknown>) =>
    JSON.stringify({ id: `e${i}`, processed_at: new Date(t + i * 1000).toISOString(), ...e });
  const insert = {
    command: 'insert',
    path: '/memories/services/s0000.md',
    insert_line: 0,
    insert_text: `- Service 0 runs on host-${s}.internal`,
  };
  return [
    ev(0, { type: 'user.message', content: [{ type: 'text', text: `task ${s}` }] }),
    ev(1, { type: 'agent.tool_use', id: `tu${s}`, name: 'memory', input: insert }),
    ev(2, { type: 'agent.tool_result', tool_use_id: `tu${s}`, content: 'ok', is_error: false }),
  ].join('\n');
}

/** An automatic agent in a folder of its own: a synthetic store, `sessions` sessions and a one-case suite. */
export async function syntheticAgentOnDisk(
  id: string,
  files: number,
  sessions = 10,
  { details, limits }: { details?: number; limits?: StoreLimits } = {},
): Promise<AgentConfig> {
  const dir = await mkdtemp(join(tmpdir(), 'dg-bench-agent-'));
  await new LocalDirStore(join(dir, 'memory'), limits).replaceAll(syntheticStore(files, '', details));
  await mkdir(join(dir, 'sessions', id), { recursive: true });
  for (let s = 0; s < sessions; s++)
    await writeFile(join(dir, 'sessions', id, `sess_${s}.jsonl`), `${syntheticSession(s)}\n`);
  await writeFile(
    join(dir, 'suite.yml'),
    'cases:\n  - id: owner\n    question: Who owns service 5?\n    expect:\n      all: ["team-5"]\n',
  );
  return {
    fleet: 'bench',
    id,
    store: join(dir, 'memory'),
    sessions: join(dir, 'sessions'),
    suite: join(dir, 'suite.yml'),
    mode: 'automatic',
    threshold: agentDefaults.threshold,
    minNewSessions: 0,
    reviewTimeoutMs: agentDefaults.reviewTimeoutMs,
    trustAfter: agentDefaults.trustAfter,
    scorer: agentDefaults.scorer,
    claude: claudeSettings(),
    redreamAttempts: agentDefaults.redreamAttempts,
    dreamer: 'heuristic',
    reviewers: [],
    owners: [],
    maxSessions: agentDefaults.maxSessions,
    onQuarantine: 'notify',
    ...(limits ? { limits } : {}),
  };
}

/**
 * A fleet of `count` small agents under `root` (stores/<id>/, one sessions root) and its file, written the
 * way a platform team writes a large one: the settings once in `defaults`, three lines an agent.
 */
export async function smallFleetOnDisk(
  root: string,
  count: number,
  { concurrency, files = 5, sessions = 3 }: { concurrency: number; files?: number; sessions?: number },
): Promise<{ file: string; fleet: string; ids: string[] }> {
  const fleet = `bench-${count}-${Date.now().toString(36)}`;
  const ids = Array.from({ length: count }, (_, i) => `a${String(i).padStart(5, '0')}`);
  const store = syntheticStore(files);
  const lines = Array.from({ length: sessions }, (_, s) => `${syntheticSession(s)}\n`);
  await mapLimit(ids, 32, async (id) => {
    const dir = join(root, 'stores', id, 'services');
    await mkdir(dir, { recursive: true });
    for (const [path, content] of store.files) await writeFile(join(root, 'stores', id, path), content);
    await mkdir(join(root, 'sessions', id), { recursive: true });
    for (const [s, text] of lines.entries()) await writeFile(join(root, 'sessions', id, `sess_${s}.jsonl`), text);
  });
  const file = join(root, 'dreamgate.yml');
  const text = stringify({
    fleet,
    concurrency,
    defaults: { mode: 'automatic', minNewSessions: 0, reviewers: [], onQuarantine: 'notify' },
    agents: ids.map((id) => ({ id, store: `./stores/${id}`, sessions: './sessions' })),
  });
  await writeFile(file, text);
  return { file, fleet, ids };
}
