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
