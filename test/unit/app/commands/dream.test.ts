import { cp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../../../src/util/paths.js';
import { dreamArgs, runCli } from '../../../support/cli.js';
import { tempDir } from '../../../support/sessions.js';

const fleet = join(projectRoot, 'examples', 'fleet');

const dreamgate = (...args: string[]) => runCli(args);

async function listTree(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length));
}

// an ANSI colour escape
const ansi = new RegExp(String.fromCharCode(27) + '\\[');

describe('dreamgate dream (SPEC §5) on the example fleet', () => {
  it.each(['coding-agent', 'support-agent', 'doc-review-agent'])(
    '%s: dedupes, resolves, quarantines, redacts, and raises the suite score',
    async (agent) => {
      const out = join(await tempDir(), 'out');
      const memory = join(fleet, agent, 'memory');
      const before = await listTree(memory);
      const r = await runCli(dreamArgs({ memory, sessions: join(fleet, 'sessions'), agent, out }, '--json'));
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const cs = JSON.parse(r.stdout);
      expect(cs.agent_id).toBe(agent);
      expect(cs.quarantined).toHaveLength(1);
      expect(cs.quarantined[0].removed_lines).toHaveLength(1);
      expect(cs.changes.some((c: { reason: string }) => c.reason === 'superseded')).toBe(true);
      expect(cs.redactions.length).toBeGreaterThan(0);
      expect(await listTree(memory)).toEqual(before); // the input is never modified

      const score = async (dir: string) =>
        JSON.parse(
          (await dreamgate('eval', '--memory', dir, '--suite', join(fleet, agent, 'suite.yml'), '--json')).stdout,
        );
      const base = await score(memory);
      const post = await score(out);
      expect(post.score).toBeGreaterThan(base.score);
      // duplicates within a section are gone; a value superseded in another file is updated in place, so the
      // same fact may now stand in two files: such copies are left for a reviewer
      const crossFile = cs.findings.filter((f: { kind: string }) => f.kind === 'duplicate').length;
      const archived = cs.changes.filter((c: { moved?: { to: { path: string } }[] }) =>
        (c.moved ?? []).some((m) => m.to.path.startsWith('/archive/')),
      );
      if (post.health.duplicateRatio > 0) expect(crossFile + archived.length).toBeGreaterThan(0);
      // a contradiction the applied tier leaves is one the dream suggests resolving: accepted, none is left
      const suggested = cs.changes.filter((c: { tier?: string; reason: string }) => c.tier === 'suggested');
      expect(post.health.contradictions).toBeLessThanOrEqual(suggested.length);
      const all = join(await tempDir(), 'all');
      const accepting = await runCli(
        dreamArgs({ memory, sessions: join(fleet, 'sessions'), agent, out: all }, '--accept', 'suggested', '--json'),
      );
      expect(accepting.code).toBe(0);
      expect((await score(all)).health.contradictions).toBe(0);
      for (const secret of ['AKIAZ3MHQXKP4TNW7R2D', 'sk_live_51HxQ2eK9mZ7vT4rW8yB3nC6dF1gJ0aLpQ', 'Tr0ub4dor-and-3']) {
        expect(r.stdout).not.toContain(secret);
        for (const f of await listTree(out)) expect(await readFile(join(out, f), 'utf8')).not.toContain(secret);
      }
    },
    120_000, // two dreams and three evals as separate processes, on a shared machine: a bound, not a timing
  );

  it('prints a readable diff without --json', async () => {
    const r = await runCli(
      dreamArgs({
        memory: join(fleet, 'coding-agent', 'memory'),
        sessions: join(fleet, 'sessions'),
        agent: 'coding-agent',
        out: join(await tempDir(), 'o'),
      }),
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^update \/project\.md {2}\[superseded\]/m);
    expect(r.stdout).toMatch(/^-- Staging database host: db-1\.internal$/m);
    // a session is shown by when it started and what its user first said, its id beside
    expect(r.stdout).toMatch(/^quarantined \d{4}-\d\d-\d\d \d\d:\d\d "[^"]+" \(sess_code_022\)/m);
    expect(r.stdout).not.toMatch(ansi);
  });
});

describe('dreamgate dream: bad input ends with exit 2 naming the culprit, and no partial output', () => {
  async function setup() {
    const dir = await tempDir();
    await cp(join(fleet, 'coding-agent', 'memory'), join(dir, 'memory'), { recursive: true });
    await cp(join(fleet, 'sessions', 'coding-agent'), join(dir, 'sessions', 'coding-agent'), { recursive: true });
    return dir;
  }
  const run = (dir: string, ...extra: string[]) =>
    runCli(
      dreamArgs(
        { memory: join(dir, 'memory'), sessions: join(dir, 'sessions'), agent: 'coding-agent', out: join(dir, 'out') },
        ...extra,
      ),
    );

  it('names a malformed session line, dreams the others, and writes the whole output', async () => {
    const dir = await setup();
    await writeFile(
      join(dir, 'sessions', 'coding-agent', 'sess_bad.jsonl'),
      '{"type":"user.message","processed_at":"2026-11-20T00:00:00Z"}\n{oops\n',
    );
    const r = await run(dir, '--json');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/sess_bad\.jsonl:2: not JSON/);
    expect(JSON.parse(r.stdout).sessions.invalid).toHaveLength(1);
    expect(await listTree(join(dir, 'out'))).toContain('/project.md');
  });

  it.each([
    [
      'a non-empty --out',
      async (dir: string) => mkdir(join(dir, 'out', 'x'), { recursive: true }),
      /--out .*out: directory is not empty/,
    ],
    [
      'a missing --memory',
      async (dir: string) => (await import('node:fs/promises')).rm(join(dir, 'memory'), { recursive: true }),
      /memory directory .*memory does not exist/,
    ],
  ])('%s', async (_name, breakIt, message) => {
    const dir = await setup();
    await breakIt(dir);
    const r = await run(dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
    const leftovers = (await readdir(dir)).filter((n) => n.includes('dreamgate'));
    expect(leftovers).toEqual([]);
  });

  it('dreams around a file it cannot take (not UTF-8, oversize): kept byte for byte and listed as skipped', async () => {
    const dir = await setup();
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xff, 0xfe]);
    await mkdir(join(dir, 'memory', 'assets'));
    await writeFile(join(dir, 'memory', 'assets', 'logo.png'), png);
    await writeFile(join(dir, 'memory', 'big.md'), 'x'.repeat(200_000));
    const r = await run(dir, '--json');
    expect(r.code).toBe(0);
    const cs = JSON.parse(r.stdout);
    expect(cs.skipped).toEqual([
      { path: '/assets/logo.png', reason: 'not UTF-8 text' },
      { path: '/big.md', reason: '200000 bytes, over the 102400-byte limit' },
    ]);
    expect(cs.changes.some((c: { reason: string }) => c.reason === 'superseded')).toBe(true);
    expect(await readFile(join(dir, 'out', 'assets', 'logo.png'))).toEqual(png);
    expect(await readFile(join(dir, 'out', 'big.md'), 'utf8')).toBe('x'.repeat(200_000));
  });

  it('keeps what is in the memory folder but not memory (dot files), so --out can replace it', async () => {
    const dir = await setup();
    await writeFile(join(dir, 'memory', '.clinerules'), '# rules\n');
    await mkdir(join(dir, 'memory', '.git'));
    await writeFile(join(dir, 'memory', '.git', 'HEAD'), 'ref: refs/heads/main\n');
    const r = await run(dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/copied \.clinerules \(not memory\) as it is/);
    expect(await readFile(join(dir, 'out', '.clinerules'), 'utf8')).toBe('# rules\n');
    expect(await listTree(join(dir, 'out'))).not.toContain('/.git/HEAD');
  });

  it('refuses usage errors with exit 2: a missing flag, an unknown dreamer, a bad --since', async () => {
    const dir = await setup();
    expect((await dreamgate('dream', '--memory', 'x')).code).toBe(2);
    const unknown = await run(dir, '--dreamer', 'oracle');
    expect([unknown.code, unknown.stderr]).toEqual([2, expect.stringMatching(/--dreamer oracle: unknown dreamer/)]);
    const since = await run(dir, '--since', 'last tuesday');
    expect([since.code, since.stderr]).toEqual([2, expect.stringMatching(/--since last tuesday: not a date/)]);
    expect((await dreamgate('dream', '--help')).code).toBe(0);
  });

  it("refuses a sessions folder that is an agent's folder, or lacks the agent's: exit 2, nothing written", async () => {
    const dir = await setup();
    const dream = (sessions: string, agent: string) =>
      runCli(dreamArgs({ memory: join(dir, 'memory'), sessions, agent, out: join(dir, 'out') }));
    const inside = await dream(join(dir, 'sessions', 'coding-agent'), 'coding-agent');
    expect([inside.code, inside.stderr]).toEqual([2, expect.stringMatching(/holds \d+ session file\(s\) itself/)]);
    const typo = await dream(join(dir, 'sessions'), 'codeing-agent');
    expect([typo.code, typo.stderr]).toEqual([
      2,
      expect.stringMatching(/no folder for agent "codeing-agent" \(it has: coding-agent\)/),
    ]);
    await expect(readdir(join(dir, 'out'))).rejects.toThrow(); // no partial output
    await mkdir(join(dir, 'none'));
    expect((await dream(join(dir, 'none'), 'coding-agent')).code).toBe(0); // an empty folder: a dream with no sessions
  });
});
