import { describe, expect, it } from 'vitest';
import { handedOverTokens, redactCopies, redactSecrets, secretFingerprint } from '../../../src/sessions/secrets.js';

describe('secrets: copies and tokens handed over', () => {
  it('takes a random token a user hands over in any language, not an id, a hash, a path or a word', () => {
    expect(handedOverTokens('voici la clé de staging : Zf3D0LXCM3EIMbgJpUNnkRtOfOueHznB, merci')).toEqual([
      'Zf3D0LXCM3EIMbgJpUNnkRtOfOueHznB',
    ]);
    for (const t of [
      'commit 9f2c4e1a7b3d5f6e8a9b0c1d2e3f4a5b6c7d8e9f',
      'session sess_ts_p02_001 and useCallbackForRenderingItems',
      'see https://example.com/Zf3D0LXCM3EIMbgJpUNnkRtOfOueHznB and /home/u/Zf3D0LXCM3EIMbgJpUNnkRtOfOueHznB',
    ])
      expect(handedOverTokens(t)).toEqual([]);
  });

  it('redacts every other copy of a secret found once, and a handed-over one by its fingerprint only', async () => {
    const found = new Set<string>();
    const first = await redactSecrets('- סיסמה לאינטראנט: Btl#Intra2026', found);
    expect(first.text).not.toContain('Btl#Intra2026');
    const other = redactCopies('curl -T x https://intra.example/ -H "X: Btl#Intra2026"', found);
    expect(other.text).not.toContain('Btl#Intra2026');
    expect(other.found).toEqual({ 'known-secret': 1 });
    const handed = new Set([secretFingerprint('Zf3D0LXCM3EIMbgJpUNnkRtOfOueHznB')]);
    const copy = redactCopies(
      'staging_key: "Zf3D0LXCM3EIMbgJpUNnkRtOfOueHznB" (user:Zf3D0LXCM3EIMbgJpUNnkRtOfOueHznB)',
      new Set(),
      handed,
    );
    expect(copy.text).not.toContain('Zf3D0LXCM3EIMbgJpUNnkRtOfOueHznB');
    expect(copy.found).toEqual({ 'handed-over': 2 });
    expect(secretFingerprint('x')).toMatch(/^1:[0-9a-f]{64}$/);
  });

  it('keeps a private key’s outline in docs, redacts a key', async () => {
    const outline = '-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----';
    expect((await redactSecrets(outline)).found).toEqual({});
    const key = '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAq9vJ2mL8kR4tP7wN1sB6c\n-----END RSA PRIVATE KEY-----';
    expect((await redactSecrets(key)).text).toBe('[REDACTED:private-key]');
  });
});

describe('secrets: the public half of a key pair', () => {
  it('keeps an access key id labelled as the id it is, redacts one standing alone and its secret', async () => {
    const pair =
      'aws_access_key_id = AKIAZ7Q2M9XV4TB8NC1H\naws_secret_access_key = Wq9Lm2Vx7Tz4Wc8Nh1Rs6Dp0Gf5Yj2Ue8Io7Pa';
    const kept = (await redactSecrets(pair)).text;
    expect(kept).toContain('aws_access_key_id = AKIAZ7Q2M9XV4TB8NC1H');
    expect(kept).not.toContain('Wq9Lm2Vx7Tz4Wc8Nh1Rs6Dp0Gf5Yj2Ue8Io7Pa');
    const handed = (await redactSecrets('aws: AKIAZ7Q2M9XV4TB8NC1H / Wq9Lm2Vx7Tz4Wc8Nh1Rs6Dp0Gf5Yj2Ue8Io7Pa')).text;
    expect(handed).toBe('aws: AKIAZ7Q2M9XV4TB8NC1H / [REDACTED:password]');
    expect((await redactSecrets('it logged AKIAZ7Q2M9XV4TB8NC1H')).text).toBe('it logged [REDACTED:aws-access-key-id]');
  });
});
