import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadFleetConfig } from '../../../../src/config/fleet.js';
import { runCli } from '../../../support/cli.js';
import { claudeProject } from '../../../support/claudeCode.js';
import { SessionBuilder, tempDir, writeSessions } from '../../../support/sessions.js';

/** Markdown links of an index to files of the store, as store paths. */
const linksOf = (index: string) =>
  [...index.matchAll(/\]\(([^)#\s]+\.md)\)/g)].map((m) => `/${decodeURIComponent(m[1]!)}`).sort();

describe('dreamgate init', () => {
  it('writes a commented config for a Claude Code project, refuses to overwrite it, and prints what comes next', async () => {
    const home = await claudeProject();
    const env = { CLAUDE_CONFIG_DIR: home.configDir };
    const dir = await tempDir();
    const out = join(dir, 'dreamgate.yml');
    const r = await runCli(['init', home.project, '--out', out, '--agent', 'shop-api'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`dreamgate run shop-api --fleet ${out}`);
    expect(r.stdout).toContain(`dreamgate schedule apply --fleet ${out}`);
    const text = await readFile(out, 'utf8');
    expect(text).toMatch(/^# dreamgate\.yml, written by `dreamgate init`/);
    expect(text).toContain(`store: claude-code:${home.project}`);
    expect(text).toContain('autoDreamEnabled');
    expect(text).not.toMatch(/^\s*suite:/m);
    const fleet = await loadFleetConfig(out);
    expect(fleet.agents[0]).toMatchObject({
      id: 'shop-api',
      mode: 'review',
      store: `claude-code:${home.project}`,
      sessions: `claude-code:${home.project}`,
      suite: '',
    });
    expect(fleet.agents[0]!.reviewers).toHaveLength(1);
    expect(fleet.schedule?.time).toBe('03:00');
    expect(fleet.taskQueue).toBe('dreamgate-shop-api'); // its own queue: workers of other fleets never see its cycles

    const again = await runCli(['init', home.project, '--out', out], env);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`${out} exists: add --force`);
    expect((await runCli(['init', home.project, '--out', out, '--force', '--json'], env)).code).toBe(0);
  });

  it('writes a notification target and, asked, a Claude Code SessionEnd hook beside the project’s own settings', async () => {
    const home = await claudeProject();
    const env = { CLAUDE_CONFIG_DIR: home.configDir };
    const out = join(await tempDir(), 'dreamgate.yml');
    const settings = join(home.project, '.claude', 'settings.json');
    await mkdir(join(home.project, '.claude'), { recursive: true });
    await writeFile(settings, JSON.stringify({ permissions: { allow: ['Bash(npm test)'] } }));
    const bad = await runCli(['init', home.project, '--out', out, '--notify', 'ftp://hooks.example/x'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--notify ftp://hooks.example/x: expected an http or https URL');
    const slack = 'https://hooks.slack.com/services/T0/B0/secretpath';
    const r = await runCli(
      ['init', home.project, '--out', out, '--agent', 'shop-api', '--notify', slack, '--hook', '--json'],
      env,
    );
    expect(r.code, r.stderr).toBe(0);
    expect((await loadFleetConfig(out)).notify).toEqual({ url: slack, format: 'slack' });
    const written = JSON.parse(await readFile(settings, 'utf8'));
    expect(written.permissions).toEqual({ allow: ['Bash(npm test)'] }); // what was there stays
    const [entry] = written.hooks.SessionEnd;
    expect(entry.hooks[0].command).toContain(`dreamgate-session-end.js --fleet ${out} --agent shop-api`);
    expect(JSON.parse(r.stdout).hook).toEqual({ file: settings, command: entry.hooks[0].command });
    // without --hook (and no terminal to ask on), nothing is written to the project
    const other = await claudeProject();
    const plain = await runCli(['init', other.project, '--out', join(await tempDir(), 'd.yml')], {
      CLAUDE_CONFIG_DIR: other.configDir,
    });
    expect(plain.stdout).toContain('dreamgate hook install');
    await expect(readFile(join(other.project, '.claude', 'settings.json'))).rejects.toThrow();
  }, 120_000); // four runs of the real command line

  it('detects a memory-tool application, a store in SPEC form and Managed Agents ids, and says what it found nothing in', async () => {
    const app = await tempDir();
    await mkdir(join(app, 'memories'), { recursive: true });
    await writeFile(join(app, 'memories', 'billing.md'), '- invoices: net 45\n');
    await mkdir(join(app, 'conversations'));
    await writeFile(
      join(app, 'conversations', 'c1.json'),
      JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }),
    );
    const m = await runCli(['init', app, '--out', join(app, 'dreamgate.yml'), '--json']);
    expect(m.code).toBe(0);
    expect(JSON.parse(m.stdout)).toMatchObject({
      kind: 'memory-tool',
      store: './memories',
      sessions: 'messages:./conversations',
    });

    const spec = await tempDir();
    await mkdir(join(spec, 'memory'));
    await writeSessions('agent-s', [new SessionBuilder('s1').user('hello')], join(spec, 'sessions'));
    const s = await runCli(['init', spec, '--out', join(spec, 'dreamgate.yml'), '--json']);
    expect(JSON.parse(s.stdout)).toMatchObject({ kind: 'spec', agent: 'agent-s', sessions: './sessions' });

    const managed = await runCli(['init', 'anthropic:memstore_01abc', '--out', join(spec, 'm.yml')]);
    expect(managed.code).toBe(2);
    expect(managed.stderr).toContain('needs --sessions anthropic:<agent_id>');
    const ok = await runCli([
      'init',
      'anthropic:memstore_01abc',
      '--sessions',
      'anthropic:agent_01xyz',
      '--out',
      join(spec, 'm.yml'),
      '--json',
    ]);
    expect(JSON.parse(ok.stdout)).toMatchObject({ kind: 'managed', agent: 'agent_01xyz' });

    const empty = await tempDir();
    const none = await runCli(['init', empty, '--out', join(empty, 'dreamgate.yml')]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain(`init ${empty}: found nothing dreamgate knows here`);
  });
});

describe('a local dream of a Claude Code project', () => {
  it('reads its memory and transcripts, keeps MEMORY.md in step, and the derived suite passes it', async () => {
    const home = await claudeProject();
    const env = { CLAUDE_CONFIG_DIR: home.configDir };
    const out = join(await tempDir(), 'out');
    const loc = `claude-code:${home.project}`;
    const r = await runCli(
      ['dream', '--memory', loc, '--sessions', loc, '--agent', 'shop-api', '--out', out, '--json'],
      env,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const cs = JSON.parse(r.stdout);
    expect(cs.sessions.used).toHaveLength(5); // four sessions and a subagent
    expect(cs.sessions.invalid).toEqual([]);
    const index = await readFile(join(out, 'MEMORY.md'), 'utf8');
    // the lessons go beside the topic files, with their front matter, linked from the index once
    expect(index).toContain('(recurring-mistakes.md)');
    expect(linksOf(index)).toEqual(['/deploy.md', '/feedback_testing.md', '/recurring-mistakes.md', '/staging.md']);
    expect(await readFile(join(out, 'staging.md'), 'utf8')).not.toContain('db-1.internal');
    expect(cs.changes.find((c: { path: string }) => c.path === '/MEMORY.md').detail).toMatch(
      /links \/recurring-mistakes\.md from the store's index/,
    );

    const suite = join(await tempDir(), 'derived.yml');
    const d = await runCli(['suite', 'derive', '--memory', loc, '--sessions', loc, '--out', suite], env);
    expect(d.code).toBe(0);
    expect(d.stderr).toContain('1 superseded value(s)');
    const score = async (memory: string) =>
      JSON.parse((await runCli(['eval', '--memory', memory, '--suite', suite, '--json'], env)).stdout) as {
        score: number;
        cases: { id: string; passed: boolean }[];
      };
    const before = await score(loc);
    const after = await score(out);
    expect(before.cases.filter((c) => !c.passed).map((c) => c.id)).toEqual(['current-1-staging-database-host']);
    expect(after.score).toBe(1);
    expect(after.score).toBeGreaterThan(before.score);
  });
});
