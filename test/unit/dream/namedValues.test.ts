import { describe, expect, it } from 'vitest';
import { appliedChanges } from '../../../src/memory/changeSet.js';
import { heuristicDream, sessionAdding } from '../../support/dream.js';
import { SessionBuilder } from '../../support/sessions.js';

const dream = (store: Record<string, string>, sessions: SessionBuilder[] = []) =>
  heuristicDream('agent-a', store, sessions);
const at = Date.parse('2026-11-01T09:00:00Z');
/** A session that adds `line` below `before` in `path`, and the store as it is after it. */
const adds = (store: Record<string, string>, id: string, path: string, before: string, line: string) =>
  sessionAdding(store, id, at, { path, before, line });

const store = {
  '/guide.md':
    '# 開発ガイド\n\n3. **モデル名** 入力フィールド (既定値: `llama3.2-vision`)\n\nホストのポート `5001` をコンテナのポート `8080` にマッピングします。\nブラウザから `http://localhost:5001` を開きます。\n',
  '/NOTES.md': '# Notes\n\n## Local\n- Tests are green\n',
};

describe('an update that names the value it replaces', () => {
  it('is suggested when the newer line states a new value and names the old one apart from it', async () => {
    const s = adds(
      store,
      'sess_m',
      '/NOTES.md',
      '## Local',
      '- Local mode now defaults to `qwen2.5vl:7b` (llama3.2-vision took ~40 s per receipt)',
    );
    const { store: out, changeSet, accepted } = await dream(s.after, [s.session]);
    expect(appliedChanges(changeSet.changes).some((c) => c.path === '/guide.md')).toBe(false);
    expect(out.get('/guide.md')).toContain('`llama3.2-vision`');
    const change = changeSet.changes.find((c) => c.path === '/guide.md');
    expect(change).toMatchObject({ tier: 'suggested', reason: 'superseded' });
    expect(change!.detail).toContain('shares "llama3.2-vision"');
    expect(accepted().get('/guide.md')).toContain('(既定値: `qwen2.5vl:7b`)');
  });

  it('changes the value everywhere one paragraph says it, and reads a table row the session wrote', async () => {
    const log = {
      ...store,
      '/CHANGELOG.md': '# Changes\n\n| date | what | note |\n| --- | --- | --- |\n| 2026-10-01 | tests | green |\n',
    };
    const row = '| 2026-11-01 | port | now 5080; 5001 clashed with AirPlay |';
    const s = adds(log, 'sess_p', '/CHANGELOG.md', '| 2026-10-01 | tests | green |', row);
    const { changeSet, accepted } = await dream(s.after, [s.session]);
    expect(changeSet.changes.find((c) => c.path === '/guide.md')).toMatchObject({ tier: 'suggested' });
    const after = accepted().get('/guide.md')!;
    expect(after).toContain('ホストのポート `5080` をコンテナのポート `8080`');
    expect(after).toContain('`http://localhost:5080`');
  });

  it('leaves lines alone when the newer line compares two values the store knows, or names them in one clause', async () => {
    const known = adds(store, 'sess_k', '/NOTES.md', '## Local', '- Port 8080 serves the app (5001 is the host side)');
    expect((await dream(known.after, [known.session])).changeSet.changes).toEqual([]);
    const together = adds(store, 'sess_t', '/NOTES.md', '## Local', '- Ports 5001 and 5080 are both open');
    expect((await dream(together.after, [together.session])).changeSet.changes).toEqual([]);
  });

  it('leaves the store alone when an older line lists the stated value beside the named one', async () => {
    const options = { ...store, '/TASKS.md': '# Tasks\n\n- [ ] pick the port (5001/5080 A/B)\n' };
    const s = adds(options, 'sess_o', '/NOTES.md', '## Local', '- The wiki is on 5080 now (5001 clashed)');
    const { changeSet } = await dream(s.after, [s.session]);
    expect(changeSet.changes.some((c) => c.path === '/guide.md' || c.path === '/TASKS.md')).toBe(false);
  });

  it('leaves a value alone that many lines hold', async () => {
    const common = {
      ...store,
      '/ports.md': `# Ports\n\n${Array.from({ length: 4 }, (_, i) => `- service ${i} listens on 5001`).join('\n')}\n`,
    };
    const s = adds(common, 'sess_c', '/NOTES.md', '## Local', '- The wiki is on 5080 now (5001 clashed)');
    const { changeSet } = await dream(s.after, [s.session]);
    expect(changeSet.changes.some((c) => c.path === '/guide.md' || c.path === '/ports.md')).toBe(false);
  });
});
