import { describe, expect, it } from 'vitest';
import { anchorKey, anchoredValues } from '../../../src/dream/anchors.js';
import { blockLeaves } from '../../../src/dream/codeValues.js';
import { structureHarm } from '../../../src/dream/harm.js';
import { quantityOf, scriptOf } from '../../../src/dream/measuredLabels.js';
import { appliedChanges } from '../../../src/memory/changeSet.js';
import { heuristicDream, sessionAdding } from '../../support/dream.js';

const at = Date.parse('2026-11-01T09:00:00Z');
const notes = (title: string, section: string) => `# ${title}\n\n## ${section}\n- ok\n`;

/** The store with `/tech.md` and a notes file, a session adding `line` to the notes, and what the dream makes of it. */
async function update(tech: string, line: string, [title, section] = ['Notes', 'Today']) {
  const store = { '/tech.md': tech, '/notes.md': notes(title, section) };
  const s = sessionAdding(store, 'sess_u', at, { path: '/notes.md', before: `## ${section}`, line });
  const { store: out, changeSet, accepted } = await heuristicDream('agent-a', s.after, [s.session]);
  const suggested = changeSet.changes.filter((c) => c.path === '/tech.md' && c.tier === 'suggested');
  return {
    out,
    changeSet,
    accepted: accepted(),
    suggested,
    applied: appliedChanges(changeSet.changes).filter((c) => c.path === '/tech.md'),
  };
}

describe('names written differently are one name', () => {
  it('compares anchors by case, joiners and a .js suffix aside', () => {
    expect(anchorKey('Node.js')).toBe('node');
    expect(anchorKey('nodejs')).toBe('node');
    expect(anchorKey('QUERY_MAX_CODES')).toBe(anchorKey('query-max-codes'));
    expect(anchorKey('js')).toBe('js');
    // a lower-case word is a name only right before a version's shape
    expect(anchoredValues('перешли на node v20')).toMatchObject([{ anchor: 'node', weak: true }]);
    expect(anchoredValues('start node 3 times')).toEqual([]);
  });

  it.each([
    ['- Runtime: Node.js 18 LTS\n', '- перешли на node v20, сборка зелёная', 'Node.js 20 LTS'],
    ['- **数据库**: PostgreSQL 14\n', '- Postgres 16 is now the production database', 'PostgreSQL 16'],
    ['- Image: `python3.11-slim`\n', '- サービスを Python 3.12 に移行した', 'python3.12-slim'],
  ])('suggests %j updated by %j, never applied', async (old, line, now) => {
    const r = await update(`# Tech\n\n${old}- Tests: vitest\n`, line);
    expect(r.applied).toEqual([]);
    expect(r.suggested).toHaveLength(1);
    expect(r.accepted.get('/tech.md')).toContain(now);
    expect(r.accepted.get('/archive/tech.md')).toContain(old.trim());
  });

  it('leaves a value said again alone', async () => {
    expect((await update('# Tech\n\n- Runtime: Node.js 18\n', '- Node 18 still builds')).changeSet.changes).toEqual([]);
  });
});

describe('values inside code and config blocks', () => {
  const pkg =
    '# Tech\n\n## Dependencies\n\n```json\n{\n  "dependencies": {\n    "react": "^18.2.0",\n    "zod": "^3.22.0"\n  }\n}\n```\n';

  it('reads a block by its syntax: JSON, YAML, TOML, .env', () => {
    expect(blockLeaves('json', '{"a": {"react": "^18.2.0"}}')).toEqual([{ keys: ['a', 'react'], text: '^18.2.0' }]);
    expect(blockLeaves('', 'db:\n  image: postgres:14')).toEqual([{ keys: ['db', 'image'], text: 'postgres:14' }]);
    expect(blockLeaves('toml', '[tool]\npython = "^3.11"')).toEqual([{ keys: ['tool', 'python'], text: '^3.11' }]);
    expect(blockLeaves('env', 'export PORT=3000\n# c\nPOOL="10"')).toEqual([
      { keys: ['PORT'], text: '3000' },
      { keys: ['POOL'], text: '10' },
    ]);
    expect(blockLeaves('', 'npm ci\nnpm test')).toEqual([]);
  });

  it('suggests the number of a package.json snippet, never rewrites code in the applied tier', async () => {
    const r = await update(pkg, '- Atualizamos para React 19 em todo o app');
    expect(r.applied).toEqual([]);
    expect(r.out.get('/tech.md')).toContain('"react": "^18.2.0"');
    expect(r.suggested).toHaveLength(1);
    expect(r.suggested[0]!.detail).toContain('shares "react"');
    expect(r.accepted.get('/tech.md')).toContain('"react": "^19",');
    expect(r.accepted.get('/tech.md')).toContain('"zod": "^3.22.0"');
    expect(r.accepted.get('/archive/tech.md')).toContain('"react": "^18.2.0"');
  });

  it.each([
    ['```env\nPORT=3000\nDB_POOL_SIZE=10\n```\n', '- 生产环境 DB_POOL_SIZE 改为 25', 'DB_POOL_SIZE=25'],
    [
      '```yaml\nservices:\n  db:\n    image: postgres:14\n```\n',
      '- Upgraded the database to PostgreSQL 16',
      'image: postgres:16',
    ],
    ['```toml\n[tool.poetry.dependencies]\npython = "^3.11"\n```\n', '- Перешли на Python 3.12', 'python = "^3.12"'],
  ])('suggests %j updated by %j', async (block, line, now) => {
    const r = await update(`# Tech\n\n${block}`, line);
    expect(r.applied).toEqual([]);
    expect(r.suggested).toHaveLength(1);
    expect(r.accepted.get('/tech.md')).toContain(now);
  });

  it('leaves a block alone when the session says its value again', async () => {
    expect((await update(pkg, '- React 18.2 works with the new router')).changeSet.changes).toEqual([]);
  });

  it('lets only a suggestion change numbers in a block, and only while it keeps its syntax', () => {
    const before = '# T\n\n```json\n{ "react": "^18.2.0" }\n```\n';
    const numbers = before.replace('18.2.0', '19');
    expect(structureHarm('/t.md', before, numbers)).toHaveLength(1);
    expect(structureHarm('/t.md', before, numbers, true)).toEqual([]);
    expect(structureHarm('/t.md', before, before.replace('react', 'preact'), true)).toHaveLength(1);
    expect(structureHarm('/t.md', before, before.replace('"^18.2.0" }', '^19 }'), true)).toHaveLength(1);
  });
});

describe('a label in another script, tied by the unit of its one quantity', () => {
  it('reads the unit and the script of a label line', () => {
    expect(quantityOf('- **Request timeout**: 30 seconds')).toMatchObject({
      measure: { unit: 'second' },
      value: { text: '30' },
      script: 'Latin',
    });
    expect(quantityOf('- **请求超时**: 60 秒')).toMatchObject({ measure: { unit: 'second' }, script: 'CJK' });
    expect(quantityOf('- Таймаут: 30 и 60 секунд')).toBeUndefined();
    expect(scriptOf('Размер пула')).toBe('Cyrillic');
  });

  it('suggests the one older line with a quantity of that unit', async () => {
    const r = await update('# Tech\n\n- **Request timeout**: 30 seconds\n- Tests: vitest\n', '- **请求超时**: 60 秒', [
      '笔记',
      '今天',
    ]);
    expect(r.applied).toEqual([]);
    expect(r.suggested).toHaveLength(1);
    expect(r.accepted.get('/tech.md')).toContain('- **Request timeout**: 60 seconds');
  });

  it('leaves the store alone when two lines give that unit, or the labels share a script', async () => {
    const two = '# Tech\n\n- **Request timeout**: 30 seconds\n- **Retry delay**: 5 seconds\n';
    expect((await update(two, '- **请求超时**: 60 秒', ['笔记', '今天'])).changeSet.changes).toEqual([]);
    const one = '# Tech\n\n- **Request timeout**: 30 seconds\n';
    expect((await update(one, '- **Cache TTL**: 60 seconds')).changeSet.changes).toEqual([]);
  });
});

describe('a choice changed from one name to another, in any language', () => {
  it.each([
    ['- **Bundler**: webpack 5\n', '- 打包工具从 webpack 换成了 Vite 6', '- **Bundler**: Vite 6'],
    [
      '- **Server**: Hetzner CX21 (Falkenstein)\n',
      '- Сервер переехал с Hetzner на DigitalOcean',
      '- **Server**: DigitalOcean',
    ],
  ])('suggests %j updated by %j', async (old, line, now) => {
    const r = await update(`# Infra\n\n${old}- Tests: vitest\n`, line);
    expect(r.applied).toEqual([]);
    expect(r.suggested).toHaveLength(1);
    expect(r.accepted.get('/tech.md')).toContain(now);
    expect(r.accepted.get('/archive/tech.md')).toContain(old.trim());
  });

  it('leaves the store alone when the names stand in two clauses, or two new names follow', async () => {
    const store = '# Infra\n\n- **Deploy**: Vercel\n- Tests: vitest\n';
    for (const line of ['- Vercel 预览失败；ESLint 配置修好了', '- Vercel 上同时试了 Netlify 和 Render'])
      expect((await update(store, line)).changeSet.changes).toEqual([]);
  });
});
