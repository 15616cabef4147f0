import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { batchSender } from '../../../src/anthropic/sender.js';
import { startClaudeApi, type ClaudeApi } from '../../support/claudeApi.js';

let api: ClaudeApi;
beforeAll(async () => {
  api = await startClaudeApi();
});
afterAll(() => api.close());
beforeEach(() => {
  api.requests.length = 0;
});

const request = {
  model: 'claude-sonnet-5-5',
  max_tokens: 100,
  tool_choice: { type: 'tool' as const, name: 'propose_changes' },
  messages: [{ role: 'user' as const, content: 'hello' }],
};

describe('the batch sender', () => {
  it('resumes waiting for the batch it submitted when retried, instead of paying for a second one', async () => {
    const client = new Anthropic({ apiKey: 'test-key', baseURL: api.url, maxRetries: 0 });
    const ledger = new Map<string, { batchId: string }>();
    const store = {
      get: async (k: string) => ledger.get(k),
      put: async (k: string, v: { batchId: string }) => void ledger.set(k, v),
    };
    api.respond = () => ({ toolInput: { changes: [] } });
    // first attempt: the worker "dies" (the activity is cancelled) while it waits
    const controller = new AbortController();
    const first = batchSender(client, store, {
      pollIntervalMs: 50,
      onProgress: () => controller.abort(new Error('worker lost')),
    }).send('dream', request, controller.signal);
    await expect(first).rejects.toThrow();
    expect(ledger.size).toBe(1);
    const cancelled = api.requests.filter((r) => r.path.endsWith('/cancel'));
    expect(cancelled).toHaveLength(1); // a cancelled dream cancels its batch
    // the retry finds the batch id and waits for the same batch
    const message = await batchSender(client, store, { pollIntervalMs: 50 }).send('dream', request);
    expect(message.content.some((b) => b.type === 'tool_use')).toBe(true);
    expect(api.requests.filter((r) => r.method === 'POST' && r.path === '/v1/messages/batches')).toHaveLength(1);
  });

  it('an errored batch request is a ClaudeApiError naming the error type', async () => {
    const client = new Anthropic({ apiKey: 'test-key', baseURL: api.url, maxRetries: 0 });
    api.respond = () => ({ error: { status: 400, type: 'invalid_request_error', message: 'prompt is too long' } });
    const map = new Map<string, { batchId: string }>();
    const err = await batchSender(
      client,
      { get: async (k) => map.get(k), put: async (k, v) => void map.set(k, v) },
      { pollIntervalMs: 20 },
    )
      .send('dream', { ...request, max_tokens: 101 })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ type: 'invalid_request_error', retryable: false });
    expect(String(err)).toMatch(/request errored: invalid_request_error: prompt is too long/);
  });
});
