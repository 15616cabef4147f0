import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { applyChanges } from '../../../src/memory/apply.js';
import { changeSetSchema, type Change, type ChangeSet } from '../../../src/memory/changeSet.js';
import { ClaudeCodeStore } from '../../../src/claudeCode/store.js';
import { indexLimits, indexPath, reconcileIndex } from '../../../src/claudeCode/memoryIndex.js';
import { lockHolder, lockName, StoreLocked, withConsolidationLock } from '../../../src/claudeCode/lock.js';
import { MemoryStore, sha256 } from '../../../src/memory/store.js';
import { claudeHome } from '../../support/claudeCode.js';
import { tempDir } from '../../support/sessions.js';

const topic = (name: string, description: string, body: string) =>
  `---\nname: ${name}\ndescription: ${description}\ntype: project\n---\n\n${body}\n`;

const base = MemoryStore.from({
  '/MEMORY.md': [
    '# Memory index',
    '',
    '## Project',
    '- [Deploy process](deploy.md) — how releases go out',
    '- [Staging hosts](staging_hosts.md) — hosts and ports',
    '- [Old CI notes](ci-notes.md) — the Jenkins era',
    '',
    '## Feedback',
    '- [Testing policy](feedback_testing.md) — real database in integration tests',
    '- [Docs](https://docs.example.test/handbook) — the handbook',
    '',
  ].join('\n'),
  '/deploy.md': topic('Deploy process', 'how releases go out', 'Releases go out on Wednesdays.'),
  '/staging_hosts.md': topic('Staging hosts', 'hosts and ports', '- db: db-2.internal'),
  '/ci-notes.md': topic('Old CI notes', 'the Jenkins era', 'Jenkins ran nightly.'),
  '/feedback_testing.md': topic('Testing policy', 'real database in integration tests', 'Never mock the DB.'),
});

function changeSet(changes: Change[]): ChangeSet {
  return changeSetSchema.parse({
    agent_id: 'cc',
    dreamer: 'test',
    base: { snapshot: null, sha256: base.hash() },
    changes,
  });
}

const h = (p: string, s = base) => s.fileHash(p)!;

describe("Claude Code's MEMORY.md index", () => {
  it('follows the dream: a renamed topic file is relinked, an archived or merged one loses its line, a new one gets one', () => {
    const cs = changeSet([
      {
        op: 'rename',
        path: '/staging_hosts.md',
        new_path: '/infra/staging.md',
        before_sha256: h('/staging_hosts.md'),
        reason: 'reorganize',
        detail: 'moved under /infra/',
        evidence: [],
      },
      {
        op: 'delete',
        path: '/ci-notes.md',
        before_sha256: h('/ci-notes.md'),
        reason: 'stale',
        detail: 'archived whole',
        evidence: [],
      },
      {
        op: 'create',
        path: '/archive/ci-notes.md',
        after: base.get('/ci-notes.md')!,
        reason: 'stale',
        detail: 'history',
        evidence: [],
      },
      {
        op: 'delete',
        path: '/feedback_testing.md',
        before_sha256: h('/feedback_testing.md'),
        reason: 'duplicate',
        detail: 'merged into /deploy.md',
        evidence: [],
        moved: [
          {
            from: { path: '/feedback_testing.md', section: '', line: 7 },
            to: { path: '/deploy.md', section: '', line: 8 },
          },
        ],
      },
      {
        op: 'update',
        path: '/deploy.md',
        before_sha256: h('/deploy.md'),
        after: `${base.get('/deploy.md')!}Never mock the DB.\n`,
        reason: 'duplicate',
        detail: 'merged /feedback_testing.md',
        evidence: [],
      },
      {
        op: 'create',
        path: '/lessons/recurring-mistakes.md',
        after: '# Recurring mistakes\n\n- `npm run test:unit` does not exist: use `npm test`\n',
        reason: 'recurring-mistake',
        detail: 'new lesson',
        evidence: [],
      },
    ]);
    const { changeSet: out, report } = reconcileIndex(base, cs);
    const after = applyChanges(base, out);
    expect(after.get(indexPath)).toBe(
      [
        '# Memory index',
        '',
        '## Project',
        '- [Deploy process](deploy.md) — how releases go out',
        '- [Staging hosts](infra/staging.md) — hosts and ports',
        '',
        '## Feedback',
        '- [Docs](https://docs.example.test/handbook) — the handbook',
        '- [Recurring mistakes](lessons/recurring-mistakes.md) — `npm run test:unit` does not exist: use `npm test`',
        '',
      ].join('\n'),
    );
    const index = out.changes.find((c) => c.path === indexPath)!;
    expect(index.reason).toBe('reorganize');
    expect(index.detail.length).toBeLessThanOrEqual(300);
    expect(index.moved).toEqual([
      {
        from: { path: indexPath, section: 'Project', line: 6 },
        to: { path: '/archive/ci-notes.md', section: '', line: 1 },
      },
      { from: { path: indexPath, section: 'Feedback', line: 9 }, to: { path: '/deploy.md', section: '', line: 1 } },
    ]);
    expect(report!.relinked).toEqual([{ from: '/staging_hosts.md', to: '/infra/staging.md' }]);
    // a second pass over its own output changes nothing
    expect(reconcileIndex(base, out).changeSet.changes.find((c) => c.path === indexPath)!.after).toBe(index.after);
  });

  it('keeps CRLF, and adds nothing past the 200 lines Claude Code loads, reporting what found no room', () => {
    const lines = Array.from({ length: indexLimits.lines - 1 }, (_, i) => `- [Topic ${i}](t${i}.md) — topic ${i}`);
    const full = MemoryStore.from({ '/MEMORY.md': `${lines.join('\r\n')}\r\n` });
    const cs = changeSetSchema.parse({
      agent_id: 'cc',
      dreamer: 'test',
      base: { snapshot: null, sha256: full.hash() },
      changes: ['/a.md', '/b.md'].map((path) => ({
        op: 'create',
        path,
        after: topic(path.slice(1, 2).toUpperCase(), `about ${path}`, 'x'),
        reason: 'insight',
        detail: 'new',
        evidence: [],
      })),
    });
    const { changeSet: out, report } = reconcileIndex(full, cs);
    const index = applyChanges(full, out).get(indexPath)!;
    expect(index.split('\r\n')).toHaveLength(indexLimits.lines + 1);
    expect(index.endsWith('- [A](a.md) — about /a.md\r\n')).toBe(true);
    expect(report).toMatchObject({ added: ['/a.md'], unindexed: ['/b.md'], lines: 200, overLimit: false });
    expect(out.changes.find((c) => c.path === indexPath)!.detail).toMatch(/no room for \/b\.md; 200\/200 lines/);

    // an index already longer than Claude Code loads is reported as a finding
    const long = MemoryStore.from({ '/MEMORY.md': `${[...lines, 'x', 'y'].join('\n')}\n`, '/c.md': 'c\n' });
    const same = changeSetSchema.parse({
      agent_id: 'cc',
      dreamer: 't',
      base: { snapshot: null, sha256: long.hash() },
      changes: [],
    });
    expect(reconcileIndex(long, same).changeSet.findings).toEqual([
      expect.objectContaining({ kind: 'stale', at: [{ path: indexPath, section: '', line: 201 }] }),
    ]);
  });
});

describe("Claude Code's consolidation lock", () => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const c of children.splice(0)) c.kill();
  });
  /** A live process other than this one, to hold the lock as Claude Code would. */
  const holder = () => {
    const c = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
    children.push(c);
    return c.pid!;
  };
  const age = async (file: string, ms: number) => {
    const t = new Date(Date.now() - ms);
    await utimes(file, t, t);
  };

  it('is held while dreamgate writes and released after, its time saying a consolidation happened', async () => {
    const dir = await tempDir();
    const seen = await withConsolidationLock(dir, async () => (await readFile(join(dir, lockName), 'utf8')).trim());
    expect(seen).toBe(String(process.pid));
    expect(await readFile(join(dir, lockName), 'utf8')).toBe('');
    expect(Date.now() - (await stat(join(dir, lockName))).mtimeMs).toBeLessThan(60_000);
    expect(await lockHolder(dir)).toBeUndefined();
  });

  it('refuses to write while another live process holds it, and not when it is stale or its holder is gone', async () => {
    const dir = await tempDir();
    const file = join(dir, lockName);
    const pid = holder();
    await writeFile(file, String(pid));
    let wrote = false;
    const write = async () => void (wrote = true);
    const err = await withConsolidationLock(dir, write).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreLocked);
    expect((err as StoreLocked).pid).toBe(pid);
    expect((err as StoreLocked).message).toContain(`held by pid ${pid}`);
    expect(wrote).toBe(false);
    expect(await readFile(file, 'utf8')).toBe(String(pid)); // Claude Code's lock is left as it was

    await age(file, 61 * 60_000); // an hour old: stale, whoever holds it
    await withConsolidationLock(dir, write);
    expect(wrote).toBe(true);

    await writeFile(file, '999999999'); // a holder that is gone
    expect(await lockHolder(dir)).toBeUndefined();
  });

  it('puts the time of the last consolidation back when the write fails', async () => {
    const dir = await tempDir();
    const file = join(dir, lockName);
    await writeFile(file, '');
    await age(file, 5 * 3_600_000);
    const before = (await stat(file)).mtimeMs;
    await expect(withConsolidationLock(dir, () => Promise.reject(new Error('disk full')))).rejects.toThrow('disk full');
    expect((await stat(file)).mtimeMs).toBeCloseTo(before, -2);
    const fresh = await tempDir();
    await expect(withConsolidationLock(fresh, () => Promise.reject(new Error('x')))).rejects.toThrow('x');
    await expect(stat(join(fresh, lockName))).rejects.toThrow(); // no lock was there, none is left
  });

  it('reads a project with no memory yet as an empty store, and makes the directory at the first write', async () => {
    const home = await claudeHome();
    await rm(home.memoryDir, { recursive: true });
    const store = new ClaudeCodeStore(home.project, undefined, { CLAUDE_CONFIG_DIR: home.configDir });
    expect((await store.read()).size).toBe(0);
    await store.apply([
      { op: 'create', path: '/MEMORY.md', after: '# Memory\n', reason: 'insight', detail: 'x', evidence: [] },
    ]);
    expect(await readFile(join(home.memoryDir, 'MEMORY.md'), 'utf8')).toBe('# Memory\n');
  });

  it('guards every write of a claude-code: store, and leaves the lock out of the memory', async () => {
    const home = await claudeHome({ 'MEMORY.md': '# Memory\n- [A](a.md) — a\n', 'a.md': '- alpha\n' });
    const store = new ClaudeCodeStore(home.project, undefined, { CLAUDE_CONFIG_DIR: home.configDir });
    expect((await store.project()).memoryDir).toBe(home.memoryDir);
    const live = await store.read();
    await writeFile(join(home.memoryDir, lockName), String(holder()));
    expect((await store.read()).paths()).toEqual(live.paths()); // the lock is Claude Code's file, not a memory
    const change: Change = {
      op: 'update',
      path: '/a.md',
      before_sha256: sha256('- alpha\n'),
      after: '- alpha\n- beta\n',
      reason: 'insight',
      detail: 'x',
      evidence: [],
    };
    await expect(store.apply([change])).rejects.toBeInstanceOf(StoreLocked);
    await expect(store.replaceAll(MemoryStore.from({ '/a.md': 'gone' }))).rejects.toBeInstanceOf(StoreLocked);
    expect(await readFile(join(home.memoryDir, 'a.md'), 'utf8')).toBe('- alpha\n');
    await age(join(home.memoryDir, lockName), 2 * 3_600_000);
    await store.apply([change]);
    expect(await readFile(join(home.memoryDir, 'a.md'), 'utf8')).toBe('- alpha\n- beta\n');
  });
});
