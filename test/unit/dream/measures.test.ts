import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  generateUnitWords,
  measureAt,
  readUnitWords,
  unitAgreement,
  unitWordsFile,
} from '../../../src/dream/measures.js';

/** The unit of the first `value` in `text`, as measureAt reads it. */
const unitOf = (text: string, value: string) => {
  const at = text.indexOf(value);
  return measureAt(text, at, at + value.length)?.unit;
};

describe('measures: a number’s unit in any language, from ICU', () => {
  it('reads units after the number, glued, hyphenated or spaced, in several scripts', () => {
    expect(unitOf('cache in Redis TTL 5 min', '5')).toBe('minute');
    expect(unitOf('แคชผลใน Redis 15 นาที (ปรับ)', '15')).toBe('minute');
    expect(unitOf('Cache thời tiết: 15 phút mỗi sân bay', '15')).toBe('minute');
    expect(unitOf('Search input with debouncing (300ms)', '300')).toBe('millisecond');
    expect(unitOf('Implement 10-minute caching strategy', '10')).toBe('minute');
    expect(unitOf('הגבלה של 5 ימים', '5')).toBe('day');
    expect(unitOf('таймаут 30 секунд', '30')).toBe('second');
    expect(unitOf('タイムアウトは5分です', '5')).toBe('minute');
    expect(unitOf('upload limit 5 MB', '5')).toBe('megabyte');
    expect(unitOf('upload limit 5 ГБ', '5')).toBe('gigabyte');
  });

  it('reads a sign written before the number (`%75`) and after it (`80 %`)', () => {
    expect(unitOf('Test coverage %75+ tut', '75')).toBe('percent');
    expect(unitOf('couverture minimale 80 %', '80')).toBe('percent');
  });

  it('gives no unit to a number followed by an ordinary word', () => {
    expect(unitOf('port 3000 in dev', '3000')).toBeUndefined();
    expect(unitOf('at most 10 AI workouts', '10')).toBeUndefined();
    expect(unitOf('Node 22 LTS', '22')).toBeUndefined();
  });

  it('agrees on one unit, differs across dimensions, and knows nothing of units of one dimension', () => {
    const m = (text: string, v: string) => {
      const at = text.indexOf(v);
      return measureAt(text, at, at + v.length);
    };
    expect(unitAgreement(m('TTL 5 min', '5'), m('TTL 15 นาที', '15'))).toBe('same');
    expect(unitAgreement(m('TTL 5 min', '5'), m('limit 5 MB', '5'))).toBe('other');
    expect(unitAgreement(m('TTL 5 min', '5'), m('TTL 30 s', '30'))).toBe('unknown');
    expect(unitAgreement(m('TTL 5 min', '5'), m('port 5', '5'))).toBe('unknown');
  });
});

describe('the unit words the build ships', () => {
  const generated = generateUnitWords();

  it('are read back as ICU gives them at run time, and only when they are of the same ICU data', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dg-units-'));
    try {
      const file = join(dir, 'unit-words.json');
      writeFileSync(file, JSON.stringify(generated));
      expect(readUnitWords(file)).toEqual(generated);
      writeFileSync(file, JSON.stringify({ ...generated, icu: 'other ICU data' }));
      expect(readUnitWords(file)).toBeUndefined();
      expect(readUnitWords(join(dir, 'absent.json'))).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('of this build (`npm run build`) are those this runtime’s ICU gives', () => {
    expect(generated.words.length).toBeGreaterThan(100);
    // tests run from the sources, whether or not a build is there: a built table must be this runtime's
    if (existsSync(unitWordsFile)) expect(readUnitWords(unitWordsFile)).toEqual(generated);
  });
});
