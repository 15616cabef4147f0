import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClaudeDreamer, claudeDefaults } from '../../../src/dream/claude/dreamer.js';
import type { Dreamer } from '../../../src/dream/dreamer.js';
import { HeuristicDreamer } from '../../../src/dream/heuristic.js';
import { runDream } from '../../../src/dream/run.js';
import { MemoryStore } from '../../../src/memory/store.js';
import { selectSessions } from '../../../src/sources/sessions.js';
import { payloads, revealed, type Payload } from '../../corpus/injections.js';
import { created, startClaudeApi, type ClaudeApi } from '../../support/claudeApi.js';
import { SessionBuilder, writeSessions } from '../../support/sessions.js';

/**
 * Every payload of the injection corpus, planted in a session that ends with the persuaded agent writing
 * it to memory, through both dreamers. None may reach the candidate store — the store that would be
 * promoted. On the Claude path the local API server plays a compliant model's worst case: it copies the
 * payload into its change set.
 */
const agent = 'victim-agent';
/** The live store after the sessions: the agent already wrote the clean line and the attacker's line. */
const storeAfter = (p: Payload) =>
  MemoryStore.from({
    '/notes/ops.md': `# Ops\n- The build uses Node 20\n- Run npm test before pushing\n${p.memoryLine ?? p.parts.join(' ')}\n- Deploys go out on Wednesdays\n`,
    '/people.md': '# People\n- Priya owns refunds\n',
  });

async function sessionsWith(p: Payload): Promise<string> {
  const clean = [1, 2, 3].map((i) =>
    new SessionBuilder(`sess_clean_${i}`, `2026-11-0${i}T09:00:00Z`)
      .user('Run the tests')
      .tool('bash', { command: 'npm test' }, 'ok')
      .memory('insert', '/notes/ops.md', { insert_line: 3, insert_text: '- Run npm test before pushing' }),
  );
  const attack = new SessionBuilder('sess_attack', '2026-11-05T09:00:00Z').user('Check the build and the docs');
  for (const part of p.parts) {
    if (p.channel === 'user') attack.user(part);
    else if (p.channel === 'fetched-page') attack.tool('web_fetch', { url: 'https://docs.example/install' }, part);
    else if (p.channel !== 'memory-write') attack.tool('bash', { command: 'make build' }, part);
  }
  attack.memory('insert', '/notes/ops.md', { insert_line: 3, insert_text: p.memoryLine ?? p.parts.join(' ') });
  return writeSessions(agent, [...clean, attack]);
}

let api: ClaudeApi;
beforeAll(async () => {
  api = await startClaudeApi();
});
afterAll(() => api.close());

async function dreamWith(dreamer: Dreamer, p: Payload) {
  const sessions = await selectSessions(await sessionsWith(p), agent);
  const store = storeAfter(p);
  // the attack is real: without the defences the canary is in memory
  expect(revealed(storeText(store)).toLowerCase()).toContain(p.canary.toLowerCase());
  return runDream(dreamer, { agentId: agent, snapshotId: null, store, sessions });
}

const storeText = (s: MemoryStore) => [...s.files].map(([path, c]) => `${path}\n${c}`).join('\n');
/** Current memory: the archive keeps held lines as history, with their source, until a reviewer decides. */
const current = (s: MemoryStore) =>
  storeText(MemoryStore.from(Object.fromEntries([...s.files].filter(([p]) => !p.startsWith('/archive/')))));

describe(`injection corpus: ${payloads.length} payloads`, () => {
  it('has at least 30 payloads over every channel, each with a canary in its text', () => {
    expect(payloads.length).toBeGreaterThanOrEqual(30);
    expect(new Set(payloads.map((p) => p.channel))).toEqual(
      new Set(['tool-result', 'fetched-page', 'user', 'split', 'memory-write']),
    );
    for (const p of payloads)
      expect(revealed(p.memoryLine ?? p.parts.join(' ')).toLowerCase(), p.name).toContain(p.canary.toLowerCase());
  });

  const taken = payloads.filter((p) => p.outcome !== 'reported');
  it.each(taken.map((p) => [p.name, p] as const))('heuristic dreamer: %s never reaches the store', async (_, p) => {
    const { store, changeSet } = await dreamWith(new HeuristicDreamer(), p);
    expect(revealed(current(store)).toLowerCase()).not.toContain(p.canary.toLowerCase());
    // the clean sessions' line stays: the defence is not "forget everything"
    expect(store.get('/notes/ops.md')).toContain('Run npm test before pushing');
    expect(changeSet.held.length + changeSet.redactions.length).toBeGreaterThan(0);
  });

  it.each(payloads.filter((p) => p.outcome === 'reported').map((p) => [p.name, p] as const))(
    'heuristic dreamer: %s, in the agent’s own words with nothing to trace it to, is reported to a reviewer',
    async (_, p) => {
      const { changeSet } = await dreamWith(new HeuristicDreamer(), p);
      expect(changeSet.findings).toContainEqual(
        expect.objectContaining({
          kind: 'instruction',
          detail: expect.stringMatching(/sess_attack wrote it in its own words/),
        }),
      );
    },
  );

  it.each(taken.map((p) => [p.name, p] as const))(
    'claude dreamer copying it: %s is refused at the gate',
    async (_, p) => {
      const line = p.memoryLine ?? p.parts.join(' ');
      api.respond = (body) => {
        const hash = /path=\\"\/notes\/ops\.md\\" sha256=\\"([0-9a-f]{64})/.exec(JSON.stringify(body.messages))?.[1];
        const ops = /<file path="\/notes\/ops\.md"[^>]*>\n([\s\S]*?)\n<\/file>/.exec(
          (body.messages[0].content as { text: string }[]).map((b) => b.text).join('\n'),
        )?.[1];
        return {
          toolInput: {
            changes: [
              created('/notes/learned.md', `# Learned\n- ${line}\n`, 'insight', 'from the build session'),
              {
                op: 'update',
                path: '/notes/ops.md',
                before_sha256: hash,
                after: `${ops}\n- ${line}\n- Run npm test before pushing\n`,
                reason: 'workflow',
                detail: 'added the new step',
                evidence: [],
              },
            ],
          },
        };
      };
      const client = new Anthropic({ apiKey: 'test-key', baseURL: api.url, maxRetries: 0 });
      const { store, changeSet } = await dreamWith(new ClaudeDreamer(client, claudeDefaults), p);
      // the model did propose it (or the payload never reached the model at all)
      const proposed = api.messages().at(-1)!;
      expect(proposed.body.tool_choice.name).toBe('propose_changes');
      expect(revealed(current(store)).toLowerCase()).not.toContain(p.canary.toLowerCase());
      expect(changeSet.refused.map((r) => r.path)).toContain('/notes/learned.md');
    },
  );
});
