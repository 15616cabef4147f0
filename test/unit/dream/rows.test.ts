import { describe, expect, it } from 'vitest';
import { structureHarm } from '../../../src/dream/harm.js';
import { cellsOf } from '../../../src/dream/markdown.js';
import { rowAnchors } from '../../../src/dream/rows.js';
import { appliedChanges } from '../../../src/memory/changeSet.js';
import { heuristicDream } from '../../support/dream.js';
import { SessionBuilder } from '../../support/sessions.js';

const pairs = (line: string) => rowAnchors(line).map((a) => `${a.anchor}=${a.value.text}`);

describe('table rows as the old place of a value', () => {
  it('splits a row at its own pipes, not those in code', () => {
    expect(cellsOf('| `a|b` | two \\| three | 4 |').map((c) => c.text.trim())).toEqual(['`a|b`', 'two \\| three', '4']);
  });

  it('gives the key cell the one atomic number of the row, and a name the number in its cell', () => {
    expect(pairs('| `poll_interval_minutes` | Globales Poll-Intervall (Minuten) | 60 |')).toEqual([
      'poll_interval_minutes=60',
    ]);
    expect(pairs('| Runtime | .NET 8 |')).toEqual(['net=8']);
    // two number cells: which one the key names is not clear
    expect(pairs('| `poll_interval_minutes` | 60 | 120 |')).toEqual([]);
  });

  it('counts a row edited in place as no structure break, a row taken out as one', () => {
    const before = '# T\n\n| Key | Value |\n|---|---|\n| Runtime | .NET 8 |\n| OS | Linux |\n';
    expect(structureHarm('/a.md', before, before.replace('.NET 8', '.NET 10'))).toEqual([]);
    expect(structureHarm('/a.md', before, before.replace('| OS | Linux |\n', ''))).not.toEqual([]);
    expect(
      structureHarm('/a.md', before, before.replace('| Runtime | .NET 8 |', '| Platform | .NET 10 |')),
    ).not.toEqual([]);
  });
});

const dream = (store: Record<string, string>, sessions: SessionBuilder[] = []) =>
  heuristicDream('agent-r', store, sessions);

describe('a session writes the new value in prose, in another file and language', () => {
  const line = '- Fahrzeug-Poll-Intervall (`poll_interval_minutes`) ist jetzt 30 Minuten';
  const store = {
    '/DOCS.md':
      '# Optionen\n\n| Option | Beschreibung | Standard |\n|---|---|---|\n| `poll_interval_minutes` | Globales Poll-Intervall (Minuten) | 60 |\n| `price_zone` | Preiszone | DE |\n',
    '/STATE.md': `# State\n\n## Decisions\n${line}\n`,
  };
  const session = new SessionBuilder('sess_t', Date.parse('2026-11-01T09:00:00Z')).memory('str_replace', '/STATE.md', {
    old_str: '## Decisions',
    new_str: `## Decisions\n${line}`,
  });

  it('suggests the row with the new value in its cell, the old row archived', async () => {
    const { store: out, changeSet, accepted } = await dream(store, [session]);
    expect(appliedChanges(changeSet.changes).some((c) => c.path === '/DOCS.md')).toBe(false);
    expect(out.get('/DOCS.md')).toBe(store['/DOCS.md']);
    expect(changeSet.changes.find((c) => c.path === '/DOCS.md')).toMatchObject({ tier: 'suggested' });
    const after = accepted();
    expect(after.get('/DOCS.md')).toContain('| `poll_interval_minutes` | Globales Poll-Intervall (Minuten) | 30 |');
    expect(after.get('/DOCS.md')).toContain('| `price_zone` | Preiszone | DE |');
    expect(after.get('/archive/DOCS.md')).toContain('| 60 |');
  });

  it('leaves the table alone when the session wrote nothing of it', async () => {
    const other = '- Preiszone bleibt DE, 4 Tarife geprüft';
    const s = new SessionBuilder('sess_u', Date.parse('2026-11-01T09:00:00Z')).memory('str_replace', '/STATE.md', {
      old_str: '## Decisions',
      new_str: `## Decisions\n${other}`,
    });
    const { changeSet } = await dream({ ...store, '/STATE.md': `# State\n\n## Decisions\n${other}\n` }, [s]);
    expect(changeSet.changes.filter((c) => c.path !== '/STATE.md')).toEqual([]);
  });
});
