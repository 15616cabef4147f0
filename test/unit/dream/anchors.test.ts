import { describe, expect, it } from 'vitest';
import { anchoredValues, anchorOf, sameKind } from '../../../src/dream/anchors.js';
import { appliedChanges } from '../../../src/memory/changeSet.js';
import { heuristicDream, sessionAdding } from '../../support/dream.js';
import { SessionBuilder } from '../../support/sessions.js';

const pairs = (line: string) => anchoredValues(line).map((a) => `${a.anchor}=${a.value.text}`);

describe('anchors: names by their form, in any script', () => {
  it('finds a name and the number that follows it in the same clause', () => {
    expect(pairs('- **Build Tool**: Vite 7.3.0')).toEqual(['vite=7.3.0']);
    expect(pairs('Vite обновлён до 7.4.1')).toEqual(['vite=7.4.1']);
    expect(pairs('言語標準を C++20 に変更')).toEqual(['c++=20']);
    expect(pairs('pinned to `python:3.12-slim` for the image')).toEqual(['python=3.12']);
    expect(pairs('QUERY_MAX_CODES 운영값 1200')).toEqual(['query_max_codes=1200']);
    expect(pairs('ترقية Django إلى 5.2 LTS')).toEqual(['django=5.2']);
  });

  it('takes no value past a clause, nor far away, nor a version inside a subject', () => {
    expect(pairs('Vite, the bundler; build takes 12 s')).toEqual([]);
    expect(pairs('Vite is what the team picked after a long talk in 2024')).toEqual([]);
    expect(pairs('- v1 服务: 已下线')).toEqual([]);
    expect(anchorOf('v2')).toBeUndefined();
    expect(anchorOf('the')).toBeUndefined();
    expect(anchorOf('Next.js')).toBe('next.js');
  });

  it('compares values of one kind only', () => {
    expect(sameKind('7.3.0', '7.4.1')).toBe(true);
    expect(sameKind('7.x+', '8.2')).toBe(true);
    expect(sameKind('17', '20')).toBe(true);
    expect(sameKind('3.12', '3.12')).toBe(false);
    expect(sameKind('7', '7.4.1')).toBe(false);
    expect(sameKind('8', '2026')).toBe(false);
    expect(sameKind('3', '400')).toBe(false);
    // a bound with its mark is a version of the bare one's form
    expect(sameKind('1.107+', '1.109')).toBe(true);
    expect(sameKind('18+', '22')).toBe(true);
    expect(sameKind('18+', '2026')).toBe(false);
  });
});

const dream = (store: Record<string, string>, sessions: SessionBuilder[] = []) =>
  heuristicDream('agent-a', store, sessions);
const at = Date.parse('2026-11-01T09:00:00Z');
/** A session that adds `line` below `before` in `path`, and the store as it is after it. */
const adds = (store: Record<string, string>, id: string, path: string, before: string, line: string) =>
  sessionAdding(store, id, at, { path, before, line });

describe('an update tied to the older line by a shared rare name only', () => {
  const store = {
    '/systemPatterns.md': '# Patterns\n\n- **Build Tool**: Vite 7.3.0\n- **State**: one store per page\n',
    '/activeContext.md': '# Активный контекст\n\n## Сейчас\n- Тесты зелёные\n',
  };

  it('is suggested with the name it shares, never applied', async () => {
    const s = adds(store, 'sess_v', '/activeContext.md', '## Сейчас', '- Vite обновлён до 7.4.1, сборка чистая');
    const { store: out, changeSet, accepted } = await dream(s.after, [s.session]);
    expect(appliedChanges(changeSet.changes).some((c) => c.path === '/systemPatterns.md')).toBe(false);
    expect(out.get('/systemPatterns.md')).toContain('Vite 7.3.0');
    const change = changeSet.changes.find((c) => c.path === '/systemPatterns.md');
    expect(change).toMatchObject({ tier: 'suggested', reason: 'superseded' });
    expect(change!.detail).toContain('shares "vite"');
    const after = accepted();
    expect(after.get('/systemPatterns.md')).toContain('- **Build Tool**: Vite 7.4.1');
    expect(after.get('/archive/systemPatterns.md')).toContain('- **Build Tool**: Vite 7.3.0');
  });

  it('leaves a name several lines give different values alone, and a value said again', async () => {
    const many = { ...store, '/techContext.md': '# Tech\n\n- Vite 6.1.0 for the docs site\n' };
    const s = adds(many, 'sess_v', '/activeContext.md', '## Сейчас', '- Vite обновлён до 7.4.1');
    expect((await dream(s.after, [s.session])).changeSet.changes).toEqual([]);
    const same = adds(store, 'sess_w', '/activeContext.md', '## Сейчас', '- Vite 7.3.0 собирает всё за 4 с');
    expect((await dream(same.after, [same.session])).changeSet.changes).toEqual([]);
  });

  it('reads a block quote a session wrote as the newer line, but not a value it puts in brackets', async () => {
    const quoted = adds(store, 'sess_q', '/activeContext.md', '## Сейчас', '> **Обновление:** Vite обновлён до 7.4.1');
    const { changeSet, accepted } = await dream(quoted.after, [quoted.session]);
    expect(changeSet.changes.find((c) => c.path === '/systemPatterns.md')).toMatchObject({ tier: 'suggested' });
    expect(accepted().get('/systemPatterns.md')).toContain('- **Build Tool**: Vite 7.4.1');
    const aside = adds(store, 'sess_a', '/activeContext.md', '## Сейчас', '- Сборка чистая (Vite 7.4.1)');
    expect((await dream(aside.after, [aside.session])).changeSet.changes).toEqual([]);
  });

  it('reads a value in brackets where the older line gives its own in brackets too', async () => {
    const zone = { ...store, '/USER.md': '# User\n\n- **Timezone:** Asia/Makassar (WITA / UTC+8)\n' };
    const s = adds(zone, 'sess_z', '/activeContext.md', '## Сейчас', '- zona waktu Asia/Jakarta (WIB, UTC+7)');
    const { changeSet, accepted } = await dream(s.after, [s.session]);
    expect(changeSet.changes.find((c) => c.path === '/USER.md')).toMatchObject({ tier: 'suggested' });
    expect(accepted().get('/USER.md')).toContain('UTC+7');
  });

  it('leaves a line that lists the newer value among its own', async () => {
    const listed = { ...store, '/TASKS.md': '# Tasks\n\n- [ ] QUERY_MAX_CODES 운영값 확정(600/800/1200 A/B)\n' };
    const s = adds(listed, 'sess_l', '/activeContext.md', '## Сейчас', '- QUERY_MAX_CODES 운영값 1200');
    expect((await dream(s.after, [s.session])).changeSet.changes).toEqual([]);
  });

  it('takes nothing from a name many lines give values to', async () => {
    const common = {
      ...store,
      '/notes.md': `# Notes\n\n${Array.from({ length: 5 }, (_, i) => `- Vite 2026 roadmap, item ${i} of the plan`).join('\n')}\n`,
    };
    const s = adds(common, 'sess_v', '/activeContext.md', '## Сейчас', '- Vite обновлён до 7.4.1');
    expect((await dream(s.after, [s.session])).changeSet.changes).toEqual([]);
  });
});
