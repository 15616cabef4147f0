import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cycleState, type CycleResult } from '../../app/cycleClient.js';
import { fleetOutcomes, startFleetRun } from '../../app/schedules.js';
import { costOf } from '../../src/anthropic/usage.js';
import type { AgentConfig } from '../../src/config/fleet.js';
import { claudeSettings } from '../../src/config/fleet.js';
import { CycleObjects } from '../../src/cycle/objects.js';
import { LocalDirStore } from '../../src/memory/localDir.js';
import { createS3Client } from '../../src/s3/client.js';
import { storageSettings } from '../../src/config/storage.js';
import { created, startClaudeApi, type ClaudeApi, type Reply } from '../support/claudeApi.js';
import { exampleAgent, startHarness, waitFor, type Harness } from './cycleHarness.js';
import { historyText } from './helpers.js';
import { changeSetKey, cycleKey } from '../../src/names/keys.js';

/**
 * The claude dreamer and scorer inside the real cycle: Temporal and S3 are the local servers, the Claude
 * API is the local API server, reached by the real SDK through ANTHROPIC_BASE_URL.
 */
let h: Harness;
let api: ClaudeApi;
beforeAll(async () => {
  api = await startClaudeApi();
  process.env.ANTHROPIC_API_KEY = 'test-key';
  process.env.ANTHROPIC_BASE_URL = api.url;
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
  await api?.close();
});
beforeEach(() => {
  api.requests.length = 0;
});

const suite = `cases:
  - id: refunds-owner
    question: Who owns the refunds service?
    expect:
      all: ["Priya"]
  - id: unit-tests
    question: How are the unit tests run?
    expect:
      all: ["npm test"]
`;

const claudeAgent = (overrides: Partial<AgentConfig> = {}) =>
  exampleAgent('coding-agent', { dreamer: 'claude', minNewSessions: 1, ...overrides }, suite);

const fileHash = (body: { messages: unknown }, path: string) =>
  new RegExp(`path=\\\\"${path.replace(/[/.]/g, '\\$&')}\\\\" sha256=\\\\"([0-9a-f]{64})`).exec(
    JSON.stringify(body.messages),
  )?.[1];

/** A harmless, valid change: a new lesson file. */
const addLesson: Reply = {
  toolInput: {
    changes: [
      created(
        '/lessons/pre-push.md',
        '- Run `npm test` before every push\n',
        'insight',
        'the agent converged on testing before pushing',
      ),
    ],
  },
};

const dreamRequests = () => api.messages().filter((r) => r.body.tool_choice?.name === 'propose_changes');

describe('the claude dreamer in a cycle (real SDK, local API server)', () => {
  it("retries a 429 after the server's retry-after, then keeps the dream with its spend recorded", async () => {
    const agent = await claudeAgent();
    api.respond = (_body, n) =>
      n === 1
        ? {
            error: {
              status: 429,
              type: 'rate_limit_error',
              message: 'Number of request tokens has exceeded your per-minute rate limit',
              headers: { 'retry-after': '3' },
            },
          }
        : addLesson;
    const handle = await h.start(agent);
    const result = await handle.result();
    expect(result.outcome).toBe('kept');
    const calls = dreamRequests();
    expect(calls).toHaveLength(2); // one per Temporal attempt: the SDK's own retries are off
    const history = await handle.fetchHistory();
    const failed = history.events!.filter((e) => e.activityTaskStartedEventAttributes?.attempt === 2);
    expect(failed).toHaveLength(1);
    expect(historyText(history)).toContain('rate_limit_error');
    expect(await new LocalDirStore(agent.store).read().then((s) => s.get('/lessons/pre-push.md'))).toContain(
      'npm test',
    );
    expect(result.usage!.requests).toBe(1);
    expect(result.usage!.costUsd).toBeGreaterThan(0);
    // the retry waited for retry-after (3 s), not the 1 s initial interval of the retry policy
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(2_900);
  });

  it('fails fast on a 400 with the API message, one request, and pages on-call', async () => {
    const agent = await claudeAgent();
    api.respond = () => ({
      error: { status: 400, type: 'invalid_request_error', message: 'messages: text content blocks must be non-empty' },
    });
    const pages = h.receiver.received.length;
    const handle = await h.start(agent);
    const err = await handle.result().catch((e: unknown) => e);
    expect(String((err as { cause?: { cause?: Error } }).cause?.cause?.message)).toMatch(
      /Claude API 400 invalid_request_error: messages: text content blocks must be non-empty/,
    );
    expect(dreamRequests()).toHaveLength(1);
    const state = await cycleState(handle);
    expect(state.outcome).toBe('failed');
    expect(state.reason).toMatch(/^ClaudeApiError: /);
    await waitFor('a page', async () => (h.receiver.received.length > pages ? true : undefined), 10_000);
  });

  it('cancelling the cycle aborts the in-flight request and leaves the live store untouched', async () => {
    const agent = await claudeAgent();
    const before = await new LocalDirStore(agent.store).read();
    api.respond = () => ({ hang: true });
    const handle = await h.start(agent);
    await waitFor('the dream request', async () => (dreamRequests().length > 0 ? true : undefined));
    await handle.cancel();
    await expect(handle.result()).rejects.toThrow();
    await waitFor('the request to be aborted', async () => (dreamRequests()[0]!.aborted ? true : undefined), 20_000);
    expect((await new LocalDirStore(agent.store).read()).hash()).toBe(before.hash());
  });

  it('a rejected candidate is dreamt again with the failing cases fed back, within the budget', async () => {
    const agent = await claudeAgent();
    api.respond = (body) => {
      if (dreamRequests().length === 1) {
        const hash = fileHash(body, '/people.md');
        return {
          toolInput: {
            changes: [
              created('/archive/people.md', 'Priya owns refunds\n', 'stale', 'archived'),
              {
                op: 'delete',
                path: '/people.md',
                before_sha256: hash,
                reason: 'stale',
                detail: 'moved to /archive/people.md',
                evidence: [],
              },
            ],
          },
        };
      }
      return addLesson;
    };
    const handle = await h.start(agent);
    const result = await handle.result();
    expect(result.outcome).toBe('kept');
    expect(result.attempts).toBe(2);
    const [first, second] = dreamRequests();
    expect(JSON.stringify(first!.body.messages)).not.toContain('Evaluation feedback');
    expect(JSON.stringify(second!.body.messages)).toContain(
      'refunds-owner (Who owns the refunds service?): missing Priya',
    );
    const live = await new LocalDirStore(agent.store).read();
    expect(live.get('/people.md')).toContain('Priya');
    expect(live.get('/lessons/pre-push.md')).toBeDefined();
    expect(result.usage!.requests).toBe(2);
  });

  it('stops at the budget: a dream that would cost too much fails without a request', async () => {
    const agent = await claudeAgent({
      claude: { ...claudeSettings(), budget: { maxTokens: 2_000_000, maxCostUsd: 0.0001 } },
    });
    api.respond = () => addLesson;
    const handle = await h.start(agent);
    await expect(handle.result()).rejects.toThrow();
    const state = await cycleState(handle);
    expect(state.reason).toMatch(/^BudgetExceeded: .*over its budget of \$0\.0001/);
    expect(dreamRequests()).toHaveLength(0);
  });

  it('the claude scorer answers from the store, keeps answers in the report, and pays once per store', async () => {
    const agent = await exampleAgent('coding-agent', { scorer: 'claude', minNewSessions: 1 }, suite);
    // a store no earlier run has scored: answers are cached by store hash across cycles
    await writeFile(join(agent.store, 'run.md'), `- run ${agent.id}\n`);
    api.respond = (body) => {
      // a faithful model: it answers with the store's lines that share a word with the question
      const text = (body.messages[0].content as { text: string }[]).map((b) => b.text).join('\n');
      const question = /Question: (.*)/.exec(text)![1]!;
      const words = question.toLowerCase().match(/[a-z]{4,}/g)!;
      const lines = text.split('\n').filter((l) => words.some((w) => l.toLowerCase().includes(w.replace(/s$/, ''))));
      return { toolInput: { answer: lines.join('\n') || 'The store does not say.', paths: [] } };
    };
    const handle = await h.start(agent);
    const result = await handle.result();
    expect(result.outcome).toBe('kept');
    const asked = api.messages().filter((r) => r.body.tool_choice?.name === 'answer');
    // baseline and post each ask both questions; the verify stage reads the same store as post: cached
    expect(asked).toHaveLength(4);
    expect(asked[0]!.body.messages[0].content[0].cache_control).toEqual({ type: 'ephemeral' });
    const s3 = createS3Client(storageSettings(h.cfg));
    try {
      const objects = new CycleObjects(s3, storageSettings(h.cfg).snapshotsBucket);
      const verify = await objects.getJson<{ cases: { id: string; answer: string; cached: boolean }[] }>(
        cycleKey({ fleet: result.fleet, id: agent.id }, handle.firstExecutionRunId, 'eval-verify.json'),
      );
      expect(verify!.cases.find((c) => c.id === 'refunds-owner')).toMatchObject({
        cached: true,
        answer: expect.stringContaining('Priya'),
      });
    } finally {
      s3.destroy();
    }
  });
});

describe('batch mode', () => {
  it('a fleet run with batch: true dreams through the Message Batches API, at half the price', async () => {
    const agents = await Promise.all([
      claudeAgent({ batch: true, claude: { ...claudeSettings(), pollIntervalMs: 300 } }),
      claudeAgent({ batch: true, claude: { ...claudeSettings(), pollIntervalMs: 300 } }),
    ]);
    api.respond = () => addLesson;
    const fleet = await h.serve(agents, { concurrency: 2, batch: true });
    const handle = await startFleetRun(h.client, fleet);
    const result = await handle.result();
    const outcomes = await fleetOutcomes(h.client, result);
    expect(outcomes.map((o) => o.outcome)).toEqual(['kept', 'kept']);
    expect(api.messages()).toHaveLength(0); // nothing went to the Messages API directly
    const submitted = api.requests.filter((r) => r.method === 'POST' && r.path === '/v1/messages/batches');
    expect(submitted).toHaveLength(2);
    expect(submitted[0]!.body.requests[0].params.tool_choice).toEqual({ type: 'tool', name: 'propose_changes' });
    expect(api.requests.some((r) => r.path.endsWith('/results'))).toBe(true);
    for (const a of agents) expect((await new LocalDirStore(a.store).read()).get('/lessons/pre-push.md')).toBeDefined();
    // the cycle's recorded cost is the batch price: half of what the same usage costs directly (outcomes come
    // in the order cycles ended, so the change set is looked up under the outcome's own agent)
    const child = (await h.client.client.workflow.getHandle(outcomes[0]!.workflowId).result()) as CycleResult;
    const usage = child.usage!;
    expect(usage.costUsd).toBeGreaterThan(0);
    const s3 = createS3Client(storageSettings(h.cfg));
    try {
      const objects = new CycleObjects(s3, storageSettings(h.cfg).snapshotsBucket);
      const cs = await objects.getJson<{
        usage: {
          cost_usd: number;
          input_tokens: number;
          output_tokens: number;
          cache_creation_input_tokens: number;
          cache_read_input_tokens: number;
        };
      }>(changeSetKey({ fleet: fleet.fleet, id: outcomes[0]!.agent }, child.changeSetId!));
      expect(cs!.usage.cost_usd).toBeCloseTo(costOf(claudeSettings().model, cs!.usage) / 2, 6);
    } finally {
      s3.destroy();
    }
  });
});
