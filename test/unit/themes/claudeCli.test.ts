import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { projectRoot } from '../../../src/util/paths.js';
import { dreamArgs, runCli } from '../../support/cli.js';
import { created, startClaudeApi, type ClaudeApi } from '../../support/claudeApi.js';
import { tempDir } from '../../support/sessions.js';

let api: ClaudeApi;
beforeAll(async () => {
  api = await startClaudeApi();
});
afterAll(() => api.close());
beforeEach(() => {
  api.requests.length = 0;
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
