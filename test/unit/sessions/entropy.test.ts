import { describe, expect, it } from 'vitest';
import {
  builtOnReferences,
  isMasked,
  isPlaceholder,
  isReference,
  passphrase,
  relativeEntropy,
  shannonEntropy,
  tokenShaped,
} from '../../../src/sessions/entropy.js';
import { namesItself } from '../../../src/sessions/entropy.js';

describe('entropy', () => {
  it('is Shannon entropy in bits a character, over the value’s own characters', () => {
    expect(shannonEntropy('aaaa')).toBe(0);
    expect(shannonEntropy('abab')).toBe(1);
    expect(shannonEntropy('abcdefgh')).toBe(3);
    expect(shannonEntropy('Zf3D0LXCM3EIMbgJpUNnkRtOfOueHznB')).toBeGreaterThan(4.3); // gitleaks' sample key
    expect(shannonEntropy('passwordpassword')).toBeLessThan(3);
  });
  it('relative to the most a string of its length can have', () => {
    expect(relativeEntropy('Zf3D0LXCM3EIMbgJpUNnkRtOfOueHznB')).toBeGreaterThan(0.85);
    expect(relativeEntropy('aaaaaaaaaaaaaaaaaaaaB1')).toBeLessThan(0.85);
  });
});

describe('what a value is, by structure', () => {
  it.each([
    ['<ADMIN_PASSWORD>', 'reference'],
    ['<token>', 'reference'],
    ['$DB_PASSWORD', 'reference'],
    ['${GITHUB_TOKEN}', 'reference'],
    ['%APPDATA%', 'reference'],
    ['HOLIDAY_API_KEY', 'reference'],
    ['config.database.password', 'reference'],
    ['~/.ssh/id_rsa', 'reference'],
    ['[REDACTED:password]', 'reference'],
    ['ock_xxxx…', 'placeholder'],
    ['***', 'placeholder'],
    ['••••••••', 'placeholder'],
    ['12345678', 'placeholder'],
    ['sk-...', 'placeholder'],
    ['change-me', 'placeholder'],
    ['plaintext', 'placeholder'],
    ['put-your-key-here', 'placeholder'],
    ['your-jwt-secret-here-change-this-in-production', 'placeholder'],
    ['orange-tiger-river', 'secret'],
    ['correct-horse-battery-staple', 'secret'],
    ['MySecretPassword', 'secret'],
    ['your-secret-Kx9mP2vLq8', 'secret'],
    ['pk.eyJ1IjoiYWNtZSIsImEiOiJjbHgyM3Z4In0.Xq9vJ2mL8kR4tP7wN1sB6c', 'secret'],
  ])('%s is a %s', (v, what) => {
    const kind = isReference(v) ? 'reference' : isPlaceholder(v) ? 'placeholder' : 'secret';
    expect(kind).toBe(what);
  });

  it('repeats of one character and ellipses mask a value; a real key rarely has four in a row', () => {
    expect(isMasked('AKIA****')).toBe(true);
    expect(isMasked('Zf3D0LXCM3EIMbgJpUNnkRtOfOueHznB')).toBe(false);
  });

  it('tells a key’s shape and a passphrase', () => {
    expect(tokenShaped('Zx81vQ7mTa9k')).toBe(true);
    expect(tokenShaped('hello')).toBe(false);
    expect(passphrase('orange-tiger-river')).toBe(true);
    expect(passphrase('change-me')).toBe(false);
  });
});

describe('a value built around references', () => {
  it.each([
    ['https://$ACME_HOST/admin/api/2024-01/orders.json', true],
    ['"from the vault: staging SIGNING_KEY"', true],
    ['Bearer ${API_TOKEN}', true],
    ['--token "${{ secrets.DEPLOY_TOKEN }}"', true],
    ['<vom Team: "acme WEBHOOK_SECRET">', true],
    ['%USERPROFILE%\\keys\\deploy.pem', true],
    ['postgres://$DB_USER:Xk9!mP2q@db/app', false], // a password is left once the variable is out
    ['$PREFIX-Zq81vW7mTa9kLp3', false], // a random part besides the variable
    ['Pa$$w0rd2024', false], // `$` inside a word is the password's own
    ['Zq81vW7mTa9kLp3', false], // no reference at all
  ])('%s → %s', (v, built) => {
    expect(builtOnReferences(v)).toBe(built);
  });
});

describe('a value that names itself', () => {
  it.each(['P@ssw0rd!', 'NewP@ssw0rd!', 'Secr3t1', 'passw0rd123', 'sk-invalid-key-123', 'test_token_1'])('%s', (v) => {
    expect(namesItself(v)).toBe(true);
  });
  it.each(['Password2024!Kq7', 'orange-tiger-river', 'prod-key-2024', 'Tr0ub4dor', 'P@ss-Kq7w!9'])(
    '%s does not',
    (v) => {
      expect(namesItself(v)).toBe(false);
    },
  );
});
