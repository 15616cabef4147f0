import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { alignValues, holds, valuesOf, withPairs } from '../../../src/dream/valueAlign.js';

/** The older line as the newer one would have it, or undefined when nothing pairs. */
const updated = (older: string, newer: string) => {
  const pairs = alignValues(older, newer);
  return pairs.length === 0 ? undefined : withPairs(older, pairs);
};

describe('values by their form, in any script', () => {
  it('finds numbers glued to names, their cores, code spans and a label line’s value', () => {
    const texts = (line: string) => valuesOf(line).map((v) => `${v.kind}:${v.text}${v.aside ? ' (aside)' : ''}`);
    expect(texts('- Region: eu-central-1 (Frankfurt, since 2024)')).toEqual([
      'number:eu-central-1',
      'number:1',
      'number:2024 (aside)',
      'name:Frankfurt (aside)',
    ]);
    expect(texts('- Base image `python:3.12-slim`')).toEqual(['number:python:3.12-slim', 'number:3.12']);
    expect(texts('- **Host:** orion (the rack in room 2)')).toContain('name:orion');
    expect(texts('- Token: [REDACTED:github-token] for v2')).toEqual(['number:v2', 'number:2']);
  });
});

describe('pairing an older value with a newer one by what stands around them', () => {
  it('pairs numbers of one shape in a sentence of another language (Spanish, Korean, Chinese, Arabic)', () => {
    expect(
      updated('- Redis escucha en el puerto 6380 del host compartido', '- Redis ahora escucha en el puerto 6381'),
    ).toBe('- Redis escucha en el puerto 6381 del host compartido');
    expect(
      updated('- 백업: 매일 01:00 `backup.sh` 실행', '- `backup.sh` 백업을 매일 04:15으로 옮김 (01:00은 점검 시간)'),
    ).toBe('- 백업: 매일 04:15 `backup.sh` 실행');
    expect(updated('- **周报**：周五下午5点发', '- 周报改为周五下午4点发（原5点）')).toBe('- **周报**：周五下午4点发');
    expect(updated('- الخادم: منطقة us-east-2 (أوهايو)', '- منطقة الخادم: eu-west-3 منذ 2026-02-01')).toBe(
      '- الخادم: منطقة eu-west-3 (أوهايو)',
    );
  });

  it('pairs each of several values with the one whose surroundings match', () => {
    expect(updated('- The shop lists ~40 products, ~12 on sale', '- 44 products in the shop, 15 on sale')).toBe(
      '- The shop lists ~44 products, ~15 on sale',
    );
  });

  it('pairs names only when the newer line names the older one too (Cyrillic, Latin in Korean)', () => {
    expect(
      updated(
        '- Product owner: Олег Смирнов (po@shop.example)',
        '- Product owner проекта: Анна Кузнецова — вместо Олега Смирнова',
      ),
    ).toBe('- Product owner: Анна Кузнецова (po@shop.example)');
    expect(updated('- 배포 도구: Jenkins', '- 배포 도구는 이제 Argo CD — Jenkins 잡은 삭제')).toBe(
      '- 배포 도구: Argo CD',
    );
    expect(updated('- Queue: RabbitMQ', '- Mail server: Postfix')).toBeUndefined();
  });

  it('leaves a restatement, a year against a count, and a value the newer line says again in its place', () => {
    expect(
      updated('- Caching: responses cached for 5 minutes at the edge', 'Caching: edge caches responses 5 min'),
    ).toBeUndefined();
    expect(updated('- Retries: 3 per job', '- Retries per job reviewed in 2026')).toBeUndefined();
    expect(
      updated('- Context: system prompt 3.1k tokens', 'Measured: system prompt 3.1k, system tools 11.4k'),
    ).toBeUndefined();
    expect(updated('- Token: [REDACTED:api-key]', '- Token: [TOKEN:api-key]')).toBeUndefined();
  });

  it('reads a value inside a subject as which thing it is, and two subjects of a series as two things', () => {
    // a version in the label names the service: v2's line says nothing of v1's port
    expect(updated('- **v1 服务**: 运行在 8080 端口', '- **v2 服务**: 运行在 8081 端口')).toBeUndefined();
    expect(updated('- v1 服务地址: api-v1.example.com', '- v2 服务地址: api-v2.example.com')).toBeUndefined();
    // subjects with no word in common are two things, however alike the rest reads
    expect(
      updated(
        '- The escrow account bank is handled by bank-partner-101',
        '- The SOC 2 auditor is handled by auditor-partner-101',
      ),
    ).toBeUndefined();
    // a generic label whose sentence names the subject speaks of it
    expect(
      updated(
        '- **Target Beta Release**: 2025-07-31',
        '- **Decision**: Beta release moves to 2025-08-15 (sign-off slipped)',
      ),
    ).toBe('- **Target Beta Release**: 2025-08-15');
    // the same service, its port in the value: an update
    expect(updated('- **v1 服务**: 运行在 8080 端口', '- v1 服务现在运行在 8081 端口')).toBe(
      '- **v1 服务**: 运行在 8081 端口',
    );
  });
});

describe('numbers with units, in any language (units from ICU)', () => {
  it('pairs values given in one unit across languages, the surroundings alone being too weak', () => {
    expect(updated('- Search input with debouncing (300ms)', '- Ô tìm kiếm sân bay: debounce 200ms')).toBe(
      '- Search input with debouncing (200ms)',
    );
    expect(updated('cache ใน Redis TTL 5 min', '- Pattern Layer แคชผลใน Redis 15 นาที')).toBe(
      'cache ใน Redis TTL 15 min',
    );
  });

  it('never pairs a duration with a size, whatever stands around them', () => {
    expect(updated('- Upload cache: 5 minutes', '- Upload cache: 50 MB')).toBeUndefined();
  });
});

describe('a value held by a text', () => {
  /** The definition: the value, any case, with no letter, digit or dot before it and no digit after it. */
  const byPattern = (text: string, v: string) =>
    new RegExp(`(?<![\\p{L}\\p{N}.])${v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\p{N}]|\\.\\d)`, 'iu').test(text);

  it('is found alone, in any case, in any script', () => {
    expect(holds('- pool: 600/800/1200 rps', '1200')).toBe(true);
    expect(holds('- pool: 12000 rps', '1200')).toBe(false);
    expect(holds('Порт v1.2.3 открыт', 'V1.2')).toBe(false);
    expect(holds('Порт V1.2 открыт', 'v1.2')).toBe(true);
    expect(holds('ſtage-2 (Kelvin 3K)', 'stage-2')).toBe(true); // ſ folds to s
    expect(holds('x\u0345abc', 'abc')).toBe(false); // U+0345 folds to a Greek letter
  });

  it('agrees with its definition on any text', () => {
    const char = fc.constantFrom(...'aAsSkK1290.-:/ _\u017f\u212a\u0345\u00e9Ω日𝟘😀\n'.split(/(?:)/u));
    const text = fc.array(char, { maxLength: 24 }).map((cs) => cs.join(''));
    const value = fc.array(char, { minLength: 1, maxLength: 4 }).map((cs) => cs.join(''));
    fc.assert(
      fc.property(text, value, (t, v) => {
        expect(holds(t, v)).toBe(byPattern(t, v));
      }),
      { numRuns: 1000 },
    );
  });
});
