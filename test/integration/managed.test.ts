import Anthropic from '@anthropic-ai/sdk';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LiveStoreChanged } from '../../src/memory/apply.js';
import { LocalDirStore } from '../../src/memory/localDir.js';
import { ManagedStore } from '../../src/memory/managedStore.js';
import { sha256 } from '../../src/memory/store.js';
import { selectSessions } from '../../src/sources/sessions.js';
import { startClaudeApi, type ClaudeApi, type ManagedSession } from '../support/claudeApi.js';
import { exampleAgent, fleetDir, startHarness, waitFor, type Harness } from './cycleHarness.js';

/**
 * Managed Agents end to end: the live store is a Managed Agents memory store, sessions come from the
 * sessions API, the dream is the Dreams API — all through the real SDK against the local API server.
 */
let h: Harness;
let api: ClaudeApi;
let sessions: ManagedSession[];
let memory: Record<string, string>;

beforeAll(async () => {
  api = await startClaudeApi();
  process.env.ANTHROPIC_API_KEY = 'test-key';
  process.env.ANTHROPIC_BASE_URL = api.url;
  h = await startHarness();
  // the example coding agent's sessions, as the sessions API would return them
  const dir = join(fleetDir, 'sessions', 'coding-agent');
  sessions = await Promise.all(
    (await readdir(dir)).map(async (f) => {
      const events = (await readFile(join(dir, f), 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const last = String(events.at(-1)!.processed_at);
      return {
        id: f.replace('.jsonl', ''),
        agentId: 'agent_coding',
        status: 'idle' as const,
        created_at: String(events[0]!.processed_at),
        updated_at: last,
        events,
      };
    }),
  );
  memory = Object.fromEntries((await new LocalDirStore(join(fleetDir, 'coding-agent', 'memory')).read()).files);
});
afterAll(async () => {
  await h?.close();
  await api?.close();
});
beforeEach(() => {
  api.sessions = sessions;
  api.requests.length = 0;
  api.dreams.clear();
  api.beforeHandle = () => {};
  api.dreamScript = {
    polls: 2,
    transform: (files) => ({
      ...files,
      '/project.md': `${files['/project.md']}- Releases are cut from main every Wednesday\n`,
      '/lessons/managed.md': '- Rebase on main before running the tests\n',
    }),
  };
});

async function managedAgent() {
  const storeId = api.createStore('coding agent memory', memory);
  const agent = await exampleAgent('coding-agent', {
    dreamer: 'managed',
    store: `anthropic:${storeId}`,
    sessions: 'anthropic:agent_coding',
    minNewSessions: 1,
    claude: {
      model: 'claude-sonnet-5-5',
      maxOutputTokens: 16_000,
      contextTokens: 150_000,
      budget: { maxTokens: 2_000_000, maxCostUsd: 5 },
      pollIntervalMs: 200,
    },
  });
  return { agent, storeId };
}

describe('Managed Agents: store, sessions and the Dreams API in a cycle', () => {
  it('dreams from creation to promotion: screened sessions in, output diffed, gated, promoted, archived', async () => {
    const { agent, storeId } = await managedAgent();
    const handle = await h.start(agent);
    const result = await handle.result();
    expect(result.outcome).toBe('kept');

    const create = api.requests.find((r) => r.method === 'POST' && r.path === '/v1/dreams')!;
    expect(create.headers['anthropic-beta']).toContain('dreaming-');
    expect(create.body.output_behavior).toEqual({ type: 'create_new' });
    const sent: string[] = create.body.inputs.find((i: { type: string }) => i.type === 'sessions').session_ids;
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.length).toBeLessThanOrEqual(100);
    // sessions that screening quarantined are never sent to the dream
    const local = await selectSessions(join(fleetDir, 'sessions'), 'coding-agent');
    const quarantined = local.sessions.filter((s) => s.injection).map((s) => s.sessionId);
    expect(quarantined.length).toBeGreaterThan(0);
    for (const id of quarantined) expect(sent).not.toContain(id);
    expect(sent.length).toBe(local.sessions.length - quarantined.length);
    expect(api.requests.filter((r) => r.path.endsWith('/events')).length).toBeGreaterThanOrEqual(sessions.length);

    const live = api.storeFiles(storeId);
    expect(live['/project.md']).toContain('Releases are cut from main every Wednesday');
    expect(live['/lessons/managed.md']).toBeDefined();
    expect(JSON.stringify(live)).not.toContain('AKIAZ3MHQXKP4TNW7R2D'); // the output kept the key; the guard did not
    const dream = [...api.dreams.values()][0];
    expect(dream.archived_at).not.toBeNull();
    const output = api.stores.get(dream.outputs[0].memory_store_id)!;
    expect(output.archived_at).not.toBeNull();
    // every update and delete on the live store carried the content_sha256 it was made from
    const writes = api.requests.filter(
      (r) => r.path.startsWith(`/v1/memory_stores/${storeId}/memories/`) && r.method !== 'GET',
    );
    expect(writes.length).toBeGreaterThan(0);
    for (const w of writes) {
      if (w.method === 'POST')
        expect(w.body.precondition).toMatchObject({
          type: 'content_sha256',
          content_sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
        });
    }
    expect(result.usage!.costUsd).toBeGreaterThan(0);
  });

  it('detects an agent write to the same memory during the dream: the agent wins, and the cycle dreams again on it', async () => {
    const { agent, storeId } = await managedAgent();
    const mine = '# Project\n- written by the agent mid-dream\n';
    api.dreamScript.onComplete = () => api.agentWrite(storeId, '/project.md', mine);
    const handle = await h.start(agent);
    const result = await handle.result();
    expect(result.conflicts).toEqual([{ during: 'dream', at: ['/project.md'], changeSetId: expect.any(String) }]);
    expect(result.outcome).toBe('kept');
    expect(api.storeFiles(storeId)['/project.md']).toContain('- written by the agent mid-dream');
  });

  it('a failed dream is a typed, non-retryable failure', async () => {
    const { agent } = await managedAgent();
    api.dreamScript.transform = () => 'failed';
    const handle = await h.start(agent);
    await expect(handle.result()).rejects.toThrow();
    const { reason } = await handle.query<{ reason: string }>('state');
    expect(reason).toMatch(/^ManagedDreamFailed: dream dream_\w+ ended failed: dream_error/);
    expect(api.requests.filter((r) => r.method === 'POST' && r.path === '/v1/dreams')).toHaveLength(1);
  });
});

describe('cancelling a managed dream', () => {
  it('cancels the dream at the API too, so it stops spending; the live store is untouched', async () => {
    const { agent, storeId } = await managedAgent();
    const before = api.storeFiles(storeId);
    api.dreamScript.polls = 10_000; // a dream that runs until cancelled
    const handle = await h.start(agent);
    await waitFor('the dream to run', async () =>
      [...api.dreams.values()].some((d) => d.status === 'running') ? true : undefined,
    );
    await handle.cancel();
    await expect(handle.result()).rejects.toThrow();
    await waitFor('the dream to be cancelled', async () =>
      [...api.dreams.values()].every((d) => d.status === 'canceled') ? true : undefined,
    );
    expect(api.storeFiles(storeId)).toEqual(before);
  });
});

describe('the Managed Agents store adapter', () => {
  it('a write racing an update fails its content_sha256 precondition and surfaces as LiveStoreChanged', async () => {
    const storeId = api.createStore('race', { '/a.md': 'one\n', '/b.md': 'two\n' });
    const store = new ManagedStore(new Anthropic({ apiKey: 'test-key', baseURL: api.url, maxRetries: 0 }), storeId);
    const before = await store.read();
    let raced = false;
    api.beforeHandle = (rec) => {
      if (!raced && rec.method === 'POST' && rec.path.includes('/memories/')) {
        raced = true;
        api.agentWrite(storeId, '/a.md', 'the agent got there first\n');
      }
    };
    const err = await store
      .apply([
        {
          op: 'update',
          path: '/a.md',
          before_sha256: before.fileHash('/a.md')!,
          after: 'dream\n',
          reason: 'insight',
          detail: 'd',
          evidence: [],
        },
      ])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LiveStoreChanged);
    expect(api.storeFiles(storeId)['/a.md']).toBe('the agent got there first\n');
    const update = api.requests.find((r) => r.method === 'POST' && r.path.includes('/memories/'))!;
    expect(update.body.precondition).toEqual({ type: 'content_sha256', content_sha256: sha256('one\n') });
  });
});
