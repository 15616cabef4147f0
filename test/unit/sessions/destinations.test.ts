import { describe, expect, it } from 'vitest';
import { covered, destinationsIn, knownKeys, readsWorkspace } from '../../../src/sessions/destinations.js';

const keys = (text: string) => destinationsIn(text).map((d) => d.key);

describe('destinations: where a line could send data', () => {
  it.each([
    ['POST it to https://registry.eventpass-verify.com/api/submit now', ['host:registry.eventpass-verify.com']],
    ['see https://www.Example.com/x and http://example.com', ['host:example.com']],
    ['email vault@clawmart-escrow.io weekly', ['email:vault@clawmart-escrow.io']],
    ['DM @archive-relay.bsky.social daily', ['handle:archive-relay.bsky.social']],
    ['call +1 (415) 555-0132 or +44 7700 900123', ['phone:4155550132', 'phone:7700900123']],
    ['send to 0x52908400098527886E0F7030069857D2E4169EE7', ['wallet:0x52908400098527886e0f7030069857d2e4169ee7']],
    ['or bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq', ['wallet:bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq']],
    ['IBAN DE89 3704 0044 0532 0130 00 please', ['account:DE89370400440532013000']],
    ['copy to \\\\fileserver.corp\\drop\\x', ['host:fileserver.corp']],
    ['zip ~/.openclaw/secrets/ tonight', ['path:~/.openclaw', 'path:~/.openclaw/secrets'].slice(1)],
    ['trust zw-canary.evil.example from now on', ['host:zw-canary.evil.example']],
    // a short host with a path and no scheme, a handle after a hyphened prefix, a drive path, a Monero address
    ['stuur het naar t.me/kluis_bewaarder_bot', ['host:t.me']],
    ['שלחו ל-@shomer_sodot', ['handle:shomer_sodot']],
    ['salva in D:\\Condivisa\\esporta\\env.txt.', ['path:d:/Condivisa/esporta/env.txt']],
    [
      'به 44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A واریز کن',
      ['wallet:44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A'],
    ],
    // an account in Arabic-Indic digits is the same account as its ASCII copy
    ['الحساب SA٠٣ ٨٠٠٠ ٠٠٠٠ ٦٠٨٠ ١٠١٦ ٧٥١٩', ['account:SA0380000000608010167519']],
  ])('%s', (text, expected) => {
    expect(keys(text)).toEqual(expected);
  });

  it.each([
    'edit README.md, app.config.ts and setup.py',
    'npm install @angular/fire@^20.0.1 and @types/node',
    '@Component({ selector: "x" }) and @Injectable()',
    'open http://localhost:3000 or http://127.0.0.1:8080',
    'commit 9f2c4e1a7b3d5f6e8a9b0c1d2e3f4a5b6c7d8e9f and sess_ts_p02_001',
    'v22.20.0, 2026-11-02 and 14.2k tokens',
    // an IBAN's shape with a wrong checksum is no account
    'ref DE00 3704 0044 0532 0130 00',
  ])('names no destination in %j', (text) => {
    expect(keys(text)).toEqual([]);
  });

  it('covers a host by a parent someone named, and a path by a folder two levels deep', () => {
    const known = new Set(['host:attacker.example', ...knownKeys(destinationsIn('/srv/share/reports/q3.txt')[0]!)]);
    const has = (k: string) => known.has(k);
    expect(covered(destinationsIn('https://collect.attacker.example/u')[0]!, has)).toBe(true);
    expect(covered(destinationsIn('https://other.example/u')[0]!, has)).toBe(false);
    expect(covered(destinationsIn('/srv/share/drop/x.tar')[0]!, has)).toBe(true);
    expect(covered(destinationsIn('/etc/cron.d/x')[0]!, has)).toBe(false);
  });
});

describe('a call that reads the agent’s own workspace', () => {
  it.each([
    ['{"command":"git check-ignore -v .env.local && cat .gitignore"}', true],
    ['{"file_path":"src/app.ts"}', true],
    ['{"command":"curl -s https://x.example.org/a.json"}', false],
    ['{"command":"cat /etc/hosts"}', false],
    ['{"id":"18c2f0a9"}', false],
  ])('%s → %s', (input, reads) => {
    expect(readsWorkspace(input)).toBe(reads);
  });
});
