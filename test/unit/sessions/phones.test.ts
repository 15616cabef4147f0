import { describe, expect, it } from 'vitest';
import { foldDigits, phonesIn } from '../../../src/sessions/phones.js';

const keys = (text: string) => phonesIn(foldDigits(text)).map((p) => p.key);

describe('phone numbers by the numbering plans', () => {
  it.each([
    ['SMS al 347 123 4567.', ['phone:3471234567']],
    ['ไปที่ 081-234-5678', ['phone:812345678']],
    ['ring 070-123 45 67 och', ['phone:701234567']],
    ['call (415) 555-0132', ['phone:4155550132']],
    // the international and the national form of one number are one destination
    ['+39 347 123 4567', ['phone:3471234567']],
    ['+66 81 234 5678', ['phone:812345678']],
    ['+44 20 7946 0991 (8–20 daily)', ['phone:2079460991']],
  ])('%s', (text, expected) => {
    expect(keys(text)).toEqual(expected);
  });

  it.each([
    'released 2026-11-30, 30.11.2026',
    'quota 10.000.000 calls, 12 345 678 rows',
    'v22.20.0 at 08:00-14:00',
    'port 6380, 512MB, 212 tests',
  ])('finds no number in %j', (text) => {
    expect(keys(text)).toEqual([]);
  });
});

describe('digits of every script', () => {
  it('reads Arabic-Indic, Persian, Devanagari, Thai and full-width digits as ASCII, and drops direction marks', () => {
    expect(foldDigits('‎+٩٦٦ ٥٠ · ۱۲۳ · ०८१ · ๐๘๑ · ０４５')).toBe('+966 50 · 123 · 081 · 081 · 045');
    expect(foldDigits('plain 123')).toBe('plain 123');
  });
});
