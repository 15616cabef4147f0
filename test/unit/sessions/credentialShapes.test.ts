import { describe, expect, it } from 'vitest';
import { credentialSpans } from '../../../src/sessions/credentials.js';
import { passwordShaped, randomKey, shapedSpans } from '../../../src/sessions/credentialShapes.js';

const secretsOf = (text: string) => credentialSpans(text).map((s) => text.slice(s.start, s.end));
const shaped = (text: string) => shapedSpans(text).map((s) => text.slice(s.start, s.end));

describe('secrets told by their shape, whatever the label is called', () => {
  it.each([
    [
      'a label with a full-width colon',
      '- VAPID秘密鍵：q7Wm2Kx9Pz4Rt8Vn3Ys6Bd1Fh5Lj0Gc',
      'q7Wm2Kx9Pz4Rt8Vn3Ys6Bd1Fh5Lj0Gc',
    ],
    ['a label in a script no rule names', '- Ключик доступа: Hq3Lz8Wm2Vt6Rk9Px4Nb7Yc', 'Hq3Lz8Wm2Vt6Rk9Px4Nb7Yc'],
    [
      'a cookie pair in a code span',
      '- Cookie `SESSION=NjY4ZTk0YzEtN2QyMi00ZjFhLWI4YzMtOTA1ZGUyYjE3YTQ2`',
      'NjY4ZTk0YzEtN2QyMi00ZjFhLWI4YzMtOTA1ZGUyYjE3YTQ2',
    ],
    ['a user and password after any label', '- SSH: root / Yumoshucheng@', 'Yumoshucheng@'],
    [
      'a pair in parentheses, the short name labelled',
      '- 面板: http://10.0.0.5:8888/x (user: 294e9362 / pass: 448066b9cc72)',
      '448066b9cc72',
    ],
    ['a netrc line', 'machine ftp.example.ru login acme_ftp password Ftp_Chel!2025', 'Ftp_Chel!2025'],
    [
      'a label that names no credential',
      '- **Router admin (MikroTik, `192.168.88.1`)**: `Mk!cafe-2025`',
      'Mk!cafe-2025',
    ],
    ['random letters after a label', '- QQ邮箱 SMTP (smtp.qq.com:465)，授权码：qwlkzmbvnrtypdse', 'qwlkzmbvnrtypdse'],
  ])('%s', (_, text, secret) => {
    expect(secretsOf(text)).toContain(secret);
  });

  it.each([
    ['a commit hash', '- Last deploy: 3f2a9c1b7d8e4f5a6b7c8d9e0f1a2b3c4d5e6f7a'],
    ['a UUID', '- Tenant id: 6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f'],
    ['an identifier with one number', '- Component: UserAccountSettingsPanel2'],
    ['a ULID', '- Request: 01HF3K9XQ2Z7M8P4R6T1V5W0YB'],
    ['a file name of joined words', '"fn": "intel_03_CAE_AI_K12_umbrella.md"'],
    ['a file name', '- Source: Xq8LmZ2vT9wR4kP7Yb3Nc.md'],
    ['a URL', '- Docs: https://example.com/AbCdEf1234567890GhIjKl'],
    ['branches', '- Branches: main / release-2024.1'],
    ['a stack', '- Stack: React / TypeScript'],
    ['a file pair', '- Entry: src / Components.tsx'],
    ['title-case words', '- Team: core / Platform-Infra'],
    ['a placeholder pair', '- SSH: root / <password>'],
    ['prose after pass', '- CI: the tests pass: all of them'],
    ['an address', '- Contact: Dana.Okafor@acme.example'],
    ['a heading in a script without spaces', '**证据三：GenAI对高阶思维Meta分析**'],
    ['bold after a label', '- Output: **NoteBook+Draft**'],
    ['a template line', '# template: SUPABASE_SERVICE_ROLE_KEY=<service-role-key>'],
    ['an assignment of a placeholder in a code span', '- Feishu: `FEISHU_APP_SECRET=changeme`'],
    ['a long word', '- Term: internationalization'],
    ['a version', '- Runtime: `Node-v22.1`'],
    ['a password named in prose', '- The password reset flow sends a link'],
    ['a wallet address people publish (base58)', '- Wallet: `9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin`'],
    ['a checksummed 0x address', '- Payouts: 0x52908400098527886E0F7030069857D2E4169EE7'],
  ])('leaves %s', (_, text) => {
    expect(shaped(text)).toEqual([]);
    expect(secretsOf(text)).toEqual([]);
  });

  it('reads randomness from the value alone', () => {
    expect(randomKey('q7Wm2Kx9Pz4Rt8Vn3Ys6Bd1Fh5Lj0Gc')).toBe(true);
    expect(randomKey('MyComponentNameForTesting22')).toBe(false);
    expect(passwordShaped('Yumoshucheng@')).toBe(true);
    expect(passwordShaped('v2.3.10-rc1')).toBe(false);
  });
});

describe('credentials by what is inside them', () => {
  // base64 of `ops:Winter2027!Harbor`, and of a placeholder pair `user:password`
  const encoded = Buffer.from('ops:Winter2027!Harbor').toString('base64');
  it.each([
    ['HTTP Basic authentication', `curl -H "Authorization: Basic ${encoded}" https://x.example/`, encoded],
    ['an encoded pair in prose', `the proxy takes ${encoded} as its login`, encoded],
    [
      'an id, a colon and a random part',
      '- Deploy bot: 5839201746:AAFq7Lm2Xw9Kp4Rt8Vn3Ys6Bd1Fh5Lj0GcZ',
      'AAFq7Lm2Xw9Kp4Rt8Vn3Ys6Bd1Fh5Lj0GcZ',
    ],
    [
      'the same in prose, with separators',
      'ask 5839201746:AAF_q7Lm2-Xw9Kp4Rt8Vn3Ys6_Bd1Fh5Lj0Gc for it',
      'AAF_q7Lm2-Xw9Kp4Rt8Vn3Ys6_Bd1Fh5Lj0Gc',
    ],
  ])('%s', (_what, text, secret) => {
    expect(shaped(text)).toContain(secret);
  });
  it.each([
    `sample: ${Buffer.from('user:password').toString('base64')}`,
    'integrity sha512-QmFzZTY0U3RyaW5nSGVyZUFiY2Q= in the lockfile',
    'internationalization and 12:30:45 and 1234567:abc',
    'issue 5839201746:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  ])('takes no plain text, placeholder pair or pattern for one: %s', (text) => {
    expect(shaped(text)).toEqual([]);
  });
});
