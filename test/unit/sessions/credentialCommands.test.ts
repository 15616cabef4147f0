import { describe, expect, it } from 'vitest';
import { commandSpans, drawnAtRandom } from '../../../src/sessions/credentialCommands.js';
import { credentialName } from '../../../src/sessions/credentialNames.js';
import { redactSecrets } from '../../../src/sessions/secrets.js';

const found = (text: string) => commandSpans(text).map((s) => text.slice(s.start, s.end));

describe('credentials where commands and configs put them, whatever they are called', () => {
  it.each([
    [
      'a URI with an empty user and a `!` in its password',
      'REDIS_URL=redis://:Rd!s-st4nd-2025@10.0.0.7:6379/0',
      'Rd!s-st4nd-2025',
    ],
    [
      'an `@` inside the password (the last one ends the userinfo)',
      'amqp://app:p@ss-W0rd!9@mq.internal/vh',
      'p@ss-W0rd!9',
    ],
    ['any scheme', '`sftp://deploy:Zq81-wow-Lk@files.lan`', 'Zq81-wow-Lk'],
    [
      'PowerShell',
      '$env:VSCE_PAT = "7hqk3zr5m2xw4p9c6tb8ndy1vfa0lgs3uej5io7rkw2qzm4xpc8n"',
      '7hqk3zr5m2xw4p9c6tb8ndy1vfa0lgs3uej5io7rkw2qzm4xpc8n',
    ],
    [
      'POSIX export of a random value under any name',
      'export NPM_AUTH=m4k8q2z7x1c9v3b6n5t0w8r2y4u7i1o3',
      'm4k8q2z7x1c9v3b6n5t0w8r2y4u7i1o3',
    ],
    ['fish', 'set -gx DB_PASSWORD Wm2-river-8Kt', 'Wm2-river-8Kt'],
    ['cmd', 'set "DEPLOY_TOKEN=q3k9m2x7z4w1v8n5"', 'q3k9m2x7z4w1v8n5'],
    ['setx', 'setx SMTP_PASS Hx7-kq2-Lm9', 'Hx7-kq2-Lm9'],
    [
      'a short flag with a random value',
      "redis-cli -h 127.0.0.1 -p 6379 -a 'rEd1s-Np9vKq4W' --no-auth-warning",
      'rEd1s-Np9vKq4W',
    ],
    ['a long flag whose name ends in a credential name', 'redis-server --requirepass Tq8-zebra-4Lw', 'Tq8-zebra-4Lw'],
  ])('%s', (_, text, secret) => {
    expect(found(text)).toContain(secret);
  });

  it.each([
    ['a placeholder password in a URI', 'postgres://user:password@localhost:5432/app'],
    ['a bracketed slot in a URI', 'postgresql://postgres:[PASSWORD]@db.example.supabase.co:5432/postgres'],
    ['a variable in a URI', 'redis://:${REDIS_PASSWORD}@redis:6379'],
    ['a user without a password', 'ssh://git@github.com/acme/app.git'],
    ['a commit hash in an export', 'export GIT_SHA=3f2a9c1b7d8e4f5a6b7c8d9e0f1a2b3c4d5e6f7a'],
    ['a path in an env assignment', '$env:PATH = "C:\\Tools\\bin;$env:PATH"'],
    ['a reference in PowerShell', '$env:API_TOKEN = $(op read op://vault/api/token)'],
    ['a word under a credential name', 'set -x GIT_ASKPASS true'],
    ['a port after -p', 'psql -h db -p 5432 -d app'],
    ['an XML attribute, no shell variable', '<add key="ClearTextPassword" value="%NUGET_PAT%" />'],
    ['a tag with a version', 'docker build -t ghcr.io/Acme/App:v1.2.3 .'],
    ['a file after -f', 'docker compose -f docker-compose.Prod2.yml up'],
    ['a message after -m', 'git commit -m "Fix v2 login for User42"'],
    ['an identifier with one number', 'kubectl -n PaymentsService2 get pods'],
  ])('%s stays', (_, text) => {
    expect(found(text)).toEqual([]);
  });

  it('reads random values by structure: hashes, ids and words are not', () => {
    expect(drawnAtRandom('7hqk3zr5m2xw4p9c6tb8ndy1vfa0lgs3uej5io7rkw2qzm4xpc8n')).toBe(true);
    expect(drawnAtRandom('d6f0b0aa-6bf6-4d0c-82b2-6d8a37e6dcff')).toBe(false);
    expect(drawnAtRandom('release-2026-candidate-build')).toBe(false);
    expect(drawnAtRandom('node_modules/.bin/vitest')).toBe(false);
  });

  it('names a credential by its last word or a run-together suffix, not a longer word', () => {
    for (const n of ['DB_PASSWORD', 'apiToken', 'requirepass', 'client-secret', 'SESSION_KEY'])
      expect(credentialName(n)).toBe(true);
    for (const n of ['KEY_ID', 'SSH_KEY_PATH', 'monkey', 'TOKEN_TTL', 'passport'])
      expect(credentialName(n)).toBe(false);
  });

  it('a redaction of a URI keeps its scheme, user and host readable', async () => {
    const r = await redactSecrets('cache: redis://:Rd!s-st4nd-2025@10.0.0.7:6379/0');
    expect(r.text).toBe('cache: redis://:[REDACTED:password-in-url]@10.0.0.7:6379/0');
  });
});
