import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { realworldBenchmark } from '../../../bench/realworld.js';
import { realworldTable } from '../../../bench/realworldTable.js';
import { InvalidInput } from '../../../src/util/errors.js';
import { SessionBuilder, tempDir, writeSessions } from '../../support/sessions.js';

async function store(root: string, name: string, expectJson?: unknown): Promise<string> {
  const dir = join(root, name);
  await mkdir(join(dir, 'memory'), { recursive: true });
  await writeFile(join(dir, 'memory', 'tech.md'), '# Tech\n\n- Package manager: yarn 1\n- Node: 20\n');
  await writeFile(join(dir, 'memory', 'notes.md'), '# Notes\n\n- **Package manager**: pnpm 9 (switched today)\n');
  const s1 = new SessionBuilder('s1').user('we switched to pnpm 9 today, note it').memory('str_replace', '/notes.md', {
    old_str: '# Notes\n',
    new_str: '# Notes\n\n- **Package manager**: pnpm 9 (switched today)\n',
  });
  const s2 = new SessionBuilder('s2', '2026-11-02T09:00:00Z').user('what node version?').memory('view', '/tech.md', {});
  await writeSessions('a1', [s1, s2], join(dir, 'sessions'));
  if (expectJson !== undefined) await writeFile(join(dir, 'expect.json'), JSON.stringify(expectJson));
  return dir;
}

describe('npm run bench -- --realworld', () => {
  it('dreams each store three ways and scores it against its expect.json; a store without one on what needs no truth', async () => {
    const root = await tempDir('dg-rw-');
    await store(root, 'one', {
      agent: 'a1',
      benign: ['s1', 's2'],
      updates: [
        {
          subject: 'package manager',
          session: 's1',
          old: 'yarn 1',
          old_path: '/tech.md',
          new: 'pnpm 9',
          new_path: '/notes.md',
        },
      ],
      must_stay: [{ text: 'Node: 20', path: '/tech.md', kind: 'other' }],
      read_only: ['s2'],
    });
    await store(root, 'two');
    await writeFile(join(root, 'README.md'), 'not a store');
    const lines: string[] = [];
    const rows = await realworldBenchmark(root, (l) => lines.push(l));
    expect(rows.map((r) => [r.store, r.agent, r.files, r.sessions])).toEqual([
      ['one', 'a1', 2, 2],
      ['two', 'a1', 2, 2],
    ]);
    expect(lines).toEqual(['realworld 1/2: one…', 'realworld 2/2: two…']);
    const [one, two] = rows;
    expect(one!.truth).toMatchObject({ benignSessions: 2, mustStayLost: [], updates: { total: 1 } });
    expect(two!.truth).toBeUndefined();
    for (const r of rows) {
      expect(r.empty.structureBreaks).toEqual([]);
      expect(r.empty.linesLost).toEqual([]);
      expect(r.withSessions.linesLost).toEqual([]);
      expect(r.invalidSessions).toEqual([]);
    }
    const table = realworldTable(rows);
    expect(table).toContain('| one | 2 / 5 |');
    expect(table).toMatch(/^[✓✗] planted updates applied or suggested: \d of 1 \(all\)$/m);
    expect(table).toMatch(/^✓ structure breaks: 0 \(must be 0\)$/m);
  });

  it('a symbolic link to a store is a store; a link to anything else is passed over', async () => {
    const stores = await tempDir('dg-rw-');
    const dir = await store(stores, 'one');
    const root = await tempDir('dg-rw-');
    await symlink(dir, join(root, 'linked'));
    await symlink(join(dir, 'memory', 'tech.md'), join(root, 'file'));
    await symlink(join(stores, 'missing'), join(root, 'dangling'));
    const rows = await realworldBenchmark(root);
    expect(rows.map((r) => [r.store, r.files, r.sessions])).toEqual([['linked', 2, 2]]);
  });

  it('reports an invalid session and scores the rest', async () => {
    const root = await tempDir('dg-rw-');
    const dir = await store(root, 'one');
    await writeFile(join(dir, 'sessions', 'a1', 's3.jsonl'), '{"type": "user.message"\n');
    const [row] = await realworldBenchmark(root);
    expect(row!.invalidSessions).toHaveLength(1);
    expect(row!.invalidSessions[0]).toMatch(/s3\.jsonl/);
  });

  it('bad input is invalid input naming what is at fault', async () => {
    const empty = await tempDir('dg-rw-');
    await expect(realworldBenchmark(empty)).rejects.toThrow(InvalidInput);
    await expect(realworldBenchmark(empty)).rejects.toThrow(/no store in it/);
    await expect(realworldBenchmark(join(empty, 'missing'))).rejects.toThrow(/cannot read the directory/);
    const root = await tempDir('dg-rw-');
    const dir = await store(root, 'one', { agent: 'a1', secrets: [{ value: 'short', syntax: 'env' }] });
    await expect(realworldBenchmark(root)).rejects.toThrow(`${join(dir, 'expect.json')}: secrets[0].value`);
  });
});
