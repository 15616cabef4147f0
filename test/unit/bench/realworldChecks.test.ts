import { describe, expect, it } from 'vitest';
import { churn, lostLines, removedLines, structureBreaks } from '../../../bench/realworldChecks.js';

const files = (o: Record<string, string>) => new Map(Object.entries(o));

describe('real-world checks (line-based, independent of the dreamer)', () => {
  it('counts removed lines as a multiset: a duplicate taken out is a removed line though its twin stays', () => {
    expect(removedLines('- a\n- a\n- b\n', '- a\n- b\n')).toEqual(['- a']);
    expect(removedLines('- a\n\n- b', '- b\n- a')).toEqual([]);
  });

  it('churn: an edited line counts once, new files count whole, the archive is not counted again', () => {
    const input = files({ '/a.md': '# A\n- x: 1\n- y: 2\n- z: 3\n' });
    expect(churn(input, input)).toEqual({ lines: 0, share: 0 });
    const edited = files({ '/a.md': '# A\n- x: 9\n- y: 2\n- z: 3\n', '/archive/a.md': '- x: 1\n(superseded)\n' });
    expect(churn(input, edited)).toEqual({ lines: 1, share: 0.25 });
    const grown = files({ '/a.md': '# A\n- x: 1\n- y: 2\n- z: 3\n', '/new.md': '- one\n- two\n' });
    expect(churn(input, grown).lines).toBe(2);
    expect(churn(input, files({})).lines).toBe(4);
  });

  it('structure breaks: headings, table rows, code lines, front matter, parseable JSON, deleted files', () => {
    const input = files({
      '/a.md': '---\nname: a\n---\n# Title\n| k | v |\n|---|---|\n| x | 1 |\n```sh\nnpm ci\n```\n',
      '/s.json': '{"a": 1}',
      '/gone.md': '- x',
    });
    expect(structureBreaks(input, input, new Set())).toEqual([]);
    const out = files({ '/a.md': '# Title\n| k | v |\n|---|---|\n```sh\nnpm i\n```\n', '/s.json': '{"a": 1' });
    const breaks = structureBreaks(input, out, new Set());
    expect(breaks).toEqual([
      '/a.md: front-matter key "name" gone',
      '/a.md: table row "| x | 1 |" gone',
      '/a.md: code line "npm ci" gone',
      '/s.json: no longer parses',
      '/gone.md: deleted',
    ]);
    // a row the dream says it took out as a quarantined session's line is not a break
    expect(structureBreaks(input, out, new Set(['| x | 1 |']))).not.toContain('/a.md: table row "| x | 1 |" gone');
  });

  it('lost lines: nowhere in the output, archive included, and not accounted for as quarantined or held', () => {
    const input = files({ '/a.md': '- keep\n- moved\n- held line\n- gone\n' });
    const out = files({ '/a.md': '- keep\n', '/archive/a.md': '- moved\n' });
    expect(lostLines(input, out, new Set(['- held line']))).toEqual(['/a.md: - gone']);
  });

  it('lost lines: the same text kept under other list markup elsewhere is kept, other text is not', () => {
    const input = files({ '/notes.md': '- **URL:** https://a.example\n- [ ] call Bo\n- URL: https://b.example\n' });
    const out = files({ '/notes.md': '', '/overview.md': '**URL:** https://a.example  \n1. call Bo\n' });
    expect(lostLines(input, out, new Set())).toEqual(['/notes.md: - URL: https://b.example']);
  });
});
