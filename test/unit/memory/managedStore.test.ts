import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManagedStore } from '../../../src/memory/managedStore.js';
import { MemoryStore } from '../../../src/memory/store.js';
import { startClaudeApi, type ClaudeApi } from '../../support/claudeApi.js';

/** The Managed Agents adapters through the real SDK against the local API server: paging, filtering, writes. */
let api: ClaudeApi;
let client: Anthropic;
beforeAll(async () => {
  api = await startClaudeApi();
  client = new Anthropic({ apiKey: 'test-key', baseURL: api.url, maxRetries: 0 });
});
afterAll(() => api.close());

describe('the anthropic: store adapter', () => {
  it('reads a store across pages and writes a change set back exactly', async () => {
    const files = Object.fromEntries(
      Array.from({ length: 250 }, (_, i) => [`/notes/n${String(i).padStart(3, '0')}.md`, `- note ${i}\n`]),
    );
    const id = api.createStore('big', files);
    const store = new ManagedStore(client, id);
    const read = await store.read();
    expect(read.size).toBe(250);
    expect(
      api.requests.filter((r) => r.path === `/v1/memory_stores/${id}/memories` && r.method === 'GET').length,
    ).toBeGreaterThanOrEqual(3);
    const next = { ...files, '/notes/n000.md': '- note zero\n', '/lessons/new.md': '- new\n' } as Record<
      string,
      string
    >;
    delete next['/notes/n249.md'];
    await store.replaceAll(MemoryStore.from(next));
    expect(api.storeFiles(id)).toEqual(next);
  });

  it('refuses a memory path that breaks the store rules, naming it', async () => {
    const id = api.createStore('bad', { '/ok.md': 'fine\n' });
    api.agentWrite(id, '/a/../b.md', 'sneaky\n');
    await expect(new ManagedStore(client, id).read()).rejects.toThrow(/"\/a\/\.\.\/b\.md".*"\.\."/);
  });

  it('refuses an id that is not one', () => {
    expect(() => new ManagedStore(client, '../etc')).toThrow(/anthropic:\.\.\/etc: not a memory store id/);
  });
});
