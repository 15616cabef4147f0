import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  createWorkerKeyFile,
  ensureWorkerKey,
  loadWorkerKey,
  parseAuditKeys,
  publicKeyText,
} from '../../../src/cycle/workerKey.js';
import { tempDir } from '../../support/sessions.js';

describe('the worker key file', () => {
  it('is made once, private, by whichever process needs it first; every process then reads the same key', async () => {
    const file = join(await tempDir('dg-key-'), 'worker-key.json');
    const keys = await Promise.all(Array.from({ length: 6 }, () => ensureWorkerKey(file)));
    expect(new Set(keys.map((k) => k.keyId)).size).toBe(1);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(keys[0]!.seal).toHaveLength(32);
  });

  it('prints the public key an operator gives the command line, which parses back to the same key', async () => {
    const file = join(await tempDir('dg-key-'), 'k.json');
    const text = await createWorkerKeyFile(file);
    const key = await loadWorkerKey(file);
    expect(text).toBe(publicKeyText(key.verify));
    expect(parseAuditKeys(`${text}, ${text}\n`, 'DREAMGATE_AUDIT_KEY').map((k) => k.keyId)).toEqual([
      key.keyId,
      key.keyId,
    ]);
    await expect(createWorkerKeyFile(file)).rejects.toThrow(/exists; a worker key is never overwritten/);
  });

  it('refuses a key others can read, a file that is not one, and a public key that is not one', async () => {
    const dir = await tempDir('dg-key-');
    const file = join(dir, 'k.json');
    await createWorkerKeyFile(file);
    await chmod(file, 0o644);
    await expect(loadWorkerKey(file)).rejects.toThrow(/readable by others \(mode 644\); `chmod 600/);
    const bad = join(dir, 'bad.json');
    await writeFile(bad, '{"format":"x"}', { mode: 0o600 });
    await expect(loadWorkerKey(bad)).rejects.toThrow(/not a dreamgate-worker-key\/1 file/);
    await expect(loadWorkerKey(join(dir, 'none.json'))).rejects.toThrow(/does not exist \(create one with/);
    expect(() => parseAuditKeys('ssh-ed25519 AAAA', 'DREAMGATE_AUDIT_KEY')).toThrow(
      /DREAMGATE_AUDIT_KEY: "ssh-ed25519…" is not a public key/,
    );
    expect(await readFile(file, 'utf8')).not.toContain('ed25519:');
  });
});
