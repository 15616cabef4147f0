import { describe, expect, it } from 'vitest';
import { factKey, parseKeyedFact, sameFact } from '../../../src/dream/text.js';
import { clearlyDiffer, isAtomic, isJournal, restates, sameKind, withValue } from '../../../src/dream/values.js';

const fact = (line: string) => parseKeyedFact(line)!;

describe('an update or the same value said again', () => {
  it('reads a restatement or an elaboration as the same value, in any order of words', () => {
    expect(restates('responses cached for 5 minutes at the edge', 'edge caches responses 5 min')).toBe(true);
    expect(restates('human, persona', 'human, persona, and the archival memory the agent keeps')).toBe(true);
    expect(restates('pnpm 9', 'pnpm 9 (switched today)')).toBe(true);
    expect(restates('`skills/clawmart/SKILL.md`', '`~/.openclaw/workspace/skills/clawmart/SKILL.md`')).toBe(true);
  });

  it('reads another number, version, host or name as another value', () => {
    expect(restates('yarn 1', 'pnpm 9 (switched today)')).toBe(false);
    expect(restates('db-1.internal', 'db-2.internal')).toBe(false);
    expect(restates('Tuesdays and Thursdays', 'Wednesdays only')).toBe(false);
    expect(restates('npm', 'pnpm')).toBe(false);
    expect(restates('成功 (993.51 kB 總大小)', '成功 (1.18 MB 總大小)')).toBe(false);
    expect(restates('about 12 minutes', 'about 8 minutes')).toBe(false);
  });

  it('applies only atomic values that plainly differ; a sentence is a reviewer call', () => {
    expect(isAtomic('pnpm 9 (switched today)')).toBe(true);
    expect(isAtomic('my handler script now runs on a Fly.io machine in the Frankfurt region')).toBe(false);
    expect(
      clearlyDiffer(fact('- Package manager: yarn 1'), fact('- **Package manager**: pnpm 9 (switched today)')),
    ).toBe(true);
    expect(
      clearlyDiffer(
        fact('- Caching: responses cached for 5 minutes at the edge'),
        fact('Caching: edge caches responses 5 min'),
      ),
    ).toBe(false);
  });

  it('compares values of one kind only: a version never updates prose', () => {
    expect(sameKind('^11.10.0', '多服務整合配置')).toBe(false);
    expect(sameKind('yarn 1', 'pnpm 9')).toBe(true);
    expect(sameKind('Enterprise', 'Business')).toBe(true);
  });

  it('puts a new value in a line in that line own words and markup', () => {
    expect(withValue('- Package manager: yarn 1', fact('- Package manager: yarn 1'), 'pnpm 9')).toBe(
      '- Package manager: pnpm 9',
    );
    expect(withValue('- The release manager is Sam.', fact('- The release manager is Sam.'), 'Dana')).toBe(
      '- The release manager is Dana.',
    );
    // a value with markup of its own: everything after the label
    const gh = '- **gh CLI:** installed at `~/.local/bin/gh` (v2.67.0)';
    expect(withValue(gh, fact(gh), 'v2.74.2')).toBe('- **gh CLI:** v2.74.2');
  });

  it('knows a journal by the date in its path', () => {
    expect(isJournal('/memory/2026-03-06.md')).toBe(true);
    expect(isJournal('/notes/2026/03/06.md')).toBe(true);
    expect(isJournal('/notes/20260306-standup.md')).toBe(true);
    expect(isJournal('/MEMORY.md')).toBe(false);
    expect(isJournal('/v2/plan-1234.md')).toBe(false);
  });
});

describe('opposite examples are never one fact', () => {
  it('keeps the marks a line carries: ✅ and ❌, ; and &&', () => {
    expect(sameFact('- ✅ In CI: npm ci --ignore-scripts', '- ❌ In CI: npm install --ignore-scripts')).toBe(false);
    expect(sameFact('- ✅ a ; b', '- ❌ a && b')).toBe(false);
    expect(factKey('- ✅ run the tests first')).not.toBe(factKey('- ❌ run the tests first'));
    // words in another order are still one fact
    expect(sameFact('- Use pnpm, not npm, in web/', '- In web/ use pnpm, not npm')).toBe(true);
  });
});
