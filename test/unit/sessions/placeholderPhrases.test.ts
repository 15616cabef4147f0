import { describe, expect, it } from 'vitest';
import { isPlaceholder } from '../../../src/sessions/entropy.js';
import { redactSecrets } from '../../../src/sessions/secrets.js';

describe('a placeholder written as a phrase is never redacted; a passphrase is', () => {
  it.each([
    "SECRET_KEY = 'django-insecure-change-me'",
    'JWT_SECRET=set-it-in-the-vault',
    '- clave de sesión: cambia-esto-en-la-nube', // a phrase in another language, its words short ones among them
    'api_key: "not-a-real-key-just-an-example"',
  ])('keeps %s', async (text) => {
    expect((await redactSecrets(text)).text).toBe(text);
  });

  it.each([
    ['SESSION_KEY=orange-tiger-river', 'orange-tiger-river'],
    ['OPENAI_API_KEY=correct-horse-battery-staple', 'correct-horse-battery-staple'],
    ["SECRET_KEY = 'django-insecure-q9#k2@vLm!x7$Tz4wRb8^Nc1&Hs6'", 'q9#k2@vLm!x7$Tz4wRb8^Nc1&Hs6'],
  ])('redacts %s', async (text, secret) => {
    expect((await redactSecrets(text)).text).not.toContain(secret);
  });

  it('reads the words, not a list of them', () => {
    expect(isPlaceholder('django-insecure-change-me')).toBe(true);
    expect(isPlaceholder('orange-tiger-river')).toBe(false);
    expect(isPlaceholder('Django-Insecure-Change-Me')).toBe(false); // a capital: chosen, as before
  });
});

describe('values written, not drawn, stay', () => {
  it.each([
    ['a description of the value', 'JWT_SECRET=random_64_char_string'],
    ['a credential’s own name in another language', '- `.env.example`: `FIREBASE_API_KEY=sua-chave-aqui`'],
    ['AWS’s documented example key id', '(AKIAIOSFODNN7EXAMPLE in docs is only the AWS example)'],
    ['an expression under a join key (Korean)', '- Stage4 조인키: `date + symbol`'],
    [
      'a path of numbered names',
      '- fixture DB: `runtime/tasks/proofs/JB-20260311-STAGE1-PDF-PAGE-MARKER/raw_db_fixture/stage1_raw_archive.sqlite3`',
    ],
    ['an identifier of numbered words', '- result: PASS (`OK stage2_input_policy_pdf_diag_and_aggregate_checks`)'],
  ])('%s', async (_case, text) => {
    expect((await redactSecrets(text)).text).toBe(text);
  });

  it.each([
    ['an access key id that is no example', 'deploy with AKIAZ7Q2M9XV4TB8NC1H', 'AKIAZ7Q2M9XV4TB8NC1H'],
    ['a key with a chosen part', 'FIREBASE_API_KEY=sua-chave-Q9x2Lm7v', 'sua-chave-Q9x2Lm7v'],
    [
      'a random key under a Korean label',
      '- DART API 키: 3f9a1c7e5b2d48f6a0c4e8b1d7f3a9c2',
      '3f9a1c7e5b2d48f6a0c4e8b1d7f3a9c2',
    ],
  ])('still redacts %s', async (_case, text, secret) => {
    expect((await redactSecrets(text)).text).not.toContain(secret);
  });
});
