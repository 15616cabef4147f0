import Anthropic from '@anthropic-ai/sdk';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { batchSender } from '../../src/anthropic/sender.js';
import { Budget, costOf } from '../../src/anthropic/usage.js';
import { projectRoot } from '../../src/util/paths.js';
import { dreamArgs, runCli } from '../support/cli.js';
import { created, startClaudeApi, type ClaudeApi } from '../support/claudeApi.js';
import { tempDir } from '../support/sessions.js';

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

describe('usage and budget', () => {
  it('prices cache writes at 1.25x, cache reads at 0.1x, and batches at half', () => {
    const u = {
      input_tokens: 1_000_000,
      output_tokens: 0,
      cache_creation_input_tokens: 1_000_000,
      cache_read_input_tokens: 1_000_000,
    };
    expect(costOf('claude-sonnet-5-5', u)).toBeCloseTo(3 + 3.75 + 0.3, 6);
    expect(costOf('claude-sonnet-5-5', u, true)).toBeCloseTo((3 + 3.75 + 0.3) / 2, 6);
    expect(costOf('claude-haiku-4-5', { input_tokens: 0, output_tokens: 1_000_000 })).toBeCloseTo(5, 6);
    // an unknown model is priced as the dearest, so a budget never under-counts
    expect(costOf('some-new-model', { input_tokens: 1_000_000, output_tokens: 0 })).toBeCloseTo(15, 6);
  });

  it('refuses a request that could take the dream over its token or dollar limit', () => {
    const b = new Budget('claude-sonnet-5-5', { maxTokens: 10_000, maxCostUsd: 1 });
    b.ensureRoom('first', 5_000, 4_000);
    b.charge({ input_tokens: 5_000, output_tokens: 1_000 });
    expect(() => b.ensureRoom('second', 3_000, 2_000)).toThrow(
      /11000 tokens, over its budget of 10000 \(used so far: 6000\)/,
    );
    expect(() =>
      new Budget('claude-sonnet-5-5', { maxTokens: 1e9, maxCostUsd: 0.001 }).ensureRoom('x', 1_000, 0),
    ).toThrow(/\$0\.0030, over its budget of \$0\.001/);
  });
});

describe('dreamgate dream --dreamer claude', () => {
  const fleet = join(projectRoot, 'examples', 'fleet');
  const args = (out: string) =>
    dreamArgs(
      { memory: join(fleet, 'coding-agent', 'memory'), sessions: join(fleet, 'sessions'), agent: 'coding-agent', out },
      '--dreamer',
      'claude',
    );
  const env = () => ({ ANTHROPIC_API_KEY: 'test-key', ANTHROPIC_BASE_URL: api.url });

  it('dreams through the API and prints the change set with its usage', async () => {
    api.respond = () => ({
      toolInput: {
        changes: [created('/lessons/cli.md', '- Lesson from the CLI\n', 'insight', 'a lesson')],
      },
    });
    const out = join(await tempDir(), 'out');
    const r = await runCli([...args(out), '--json'], env());
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const cs = JSON.parse(r.stdout) as { dreamer: string; changes: { path: string }[]; usage: { requests: number } };
    expect(cs.dreamer).toBe('claude');
    expect(cs.changes.map((c) => c.path)).toContain('/lessons/cli.md');
    expect(cs.usage.requests).toBe(1);
  });

  it('shows a reviewer what was dropped and what the dream cost, in the readable diff', async () => {
    api.respond = () => ({
      toolInput: {
        changes: [
          created('/lessons/cli.md', '- Lesson from the CLI\n', 'insight', 'a lesson'),
          created('/a/../b.md', 'x'),
        ],
      },
    });
    const r = await runCli(args(join(await tempDir(), 'out')), env());
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^create \/lessons\/cli\.md {2}\[insight\] a lesson$/m);
    expect(r.stdout).toMatch(/^dropped create \/a\/\.\.\/b\.md: change 2: path "\/a\/\.\.\/b\.md": .*"\.\."/m);
    expect(r.stdout).toMatch(
      /^claude: 1 request\(s\), \d+ input \+ \d+ output tokens \(cache read 0, write \d+\), \$0\.\d{4}$/m,
    );
  });

  it('on an API error exits 1 naming the status and error type, and writes nothing', async () => {
    api.respond = () => ({
      error: {
        status: 403,
        type: 'permission_error',
        message: 'Your API key does not have permission to use the specified resource.',
      },
    });
    const out = join(await tempDir(), 'out');
    const r = await runCli(args(out), env());
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Claude API 403 permission_error: Your API key does not have permission/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    await expect(access(out)).rejects.toThrow();
  });

  it('without ANTHROPIC_API_KEY exits 2 and says what is missing', async () => {
    const out = join(await tempDir(), 'out');
    const r = await runCli(args(out), { ANTHROPIC_API_KEY: '' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/ANTHROPIC_API_KEY is not set/);
  });
});

describe('dreamgate eval --scorer claude', () => {
  it('answers each question through the API and judges the answers', async () => {
    const fleet = join(projectRoot, 'examples', 'fleet');
    api.respond = (body) => {
      const q = JSON.stringify(body.messages);
      return {
        toolInput: {
          answer: q.includes('refunds') ? 'Priya owns the refunds service' : 'The store does not say.',
          paths: ['/people.md'],
        },
      };
    };
    const r = await runCli(
      [
        'eval',
        '--memory',
        join(fleet, 'coding-agent', 'memory'),
        '--suite',
        join(fleet, 'coding-agent', 'suite.yml'),
        '--scorer',
        'claude',
        '--json',
      ],
      { ANTHROPIC_API_KEY: 'test-key', ANTHROPIC_BASE_URL: api.url },
    );
    expect(r.stderr).toBe('');
    const e = JSON.parse(r.stdout) as {
      scorer: string;
      cases: { id: string; passed: boolean; answer: string }[];
      usage: { requests: number };
    };
    expect(e.scorer).toBe('claude');
    expect(e.cases.find((c) => c.id === 'refunds-owner')).toMatchObject({
      passed: true,
      answer: 'Priya owns the refunds service',
    });
    expect(e.cases.find((c) => c.id === 'staging-db')!.passed).toBe(false);
    expect(e.usage.requests).toBe(e.cases.length);
  });
});
