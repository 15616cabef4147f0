import { describe, expect, it } from 'vitest';
import { asciiDigits, digitValue } from '../../../src/sessions/digits.js';
import { redactSecrets } from '../../../src/sessions/secrets.js';

describe('digits of every script', () => {
  it('reads a digit by its place in its run of ten', () => {
    expect(['٠', '٧', '۴', '۹', '७', '৩', '๕', '５', '߂'].map(digitValue)).toEqual([0, 7, 4, 9, 7, 3, 5, 5, 2]);
    expect(digitValue('𝟗')).toBe(9); // mathematical digits: five runs of ten in a row
  });

  it('writes them as ASCII at the same offsets, other text as it is', () => {
    const text = 'رمز: Kaveh@۱۴۰۳ — ปี ๒๕๖๘, 𝟗 and 42';
    const ascii = asciiDigits(text);
    expect(ascii).toBe('رمز: Kaveh@1403 — ปี 2568, 𝟗 and 42');
    expect(ascii.length).toBe(text.length);
  });

  it.each([
    ['a password with Persian digits under a Persian label no list names', '- گذرواژه پنل: Kaveh@۱۴۰۳', 'Kaveh@۱۴۰۳'],
    ['Arabic-Indic digits after a label', '- كلمة المرور: Rami#٢٠٢٥x', 'Rami#٢٠٢٥x'],
    ['Devanagari digits after a Hindi label', '- पासवर्ड: Asha@२०२६', 'Asha@२०२६'],
    ['a key with Persian digits under an env name', 'ZARIN_API_KEY=Kq۹vX۲mL۸pR۴tY۶w', 'Kq۹vX۲mL۸pR۴tY۶w'],
  ])('%s', async (_case, text, secret) => {
    const r = await redactSecrets(text);
    expect(r.text).not.toContain(secret);
  });

  it('keeps dates and counts written in other digits', async () => {
    for (const text of ['- تاریخ: ۱۴۰۳/۰۵/۱۲', '- نسخه: ۲.۳.۱', '- सत्र: २०२५-२६'])
      expect((await redactSecrets(text)).text).toBe(text);
  });
});
