import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createWorkerKeyFile, loadWorkerKey, parseAuditKeys } from '../../../src/cycle/workerKey.js';
import { ownKey, signed, signedBy } from '../../../src/audit/signatures.js';
import { tempDir } from '../../support/sessions.js';

describe('worker signatures on audit records and markers', async () => {
  const dir = await tempDir('dg-sig-');
  const key = await loadWorkerKey((await createWorkerKeyFile(join(dir, 'a.json')), join(dir, 'a.json')));
  const other = await loadWorkerKey((await createWorkerKeyFile(join(dir, 'b.json')), join(dir, 'b.json')));
  const record = { agent_id: 'support', event: 'promoted', seq: 3, data: { changeSet: 'ab' } };

  it('checks with the public key alone, as the command line has it', async () => {
    const pub = parseAuditKeys((await import('../../../src/cycle/workerKey.js')).publicKeyText(key.verify), 'x');
    expect(signedBy(signed(record, key), pub)).toBe(true);
    expect(signedBy(signed(record, key), [ownKey(key)])).toBe(true);
  });

  it.each([
    ['a changed field', (r: ReturnType<typeof signed>) => ({ ...r, actor: 'bob' })],
    ['a changed value', (r: ReturnType<typeof signed>) => ({ ...r, data: { changeSet: 'cd' } })],
    ['no signature', (r: ReturnType<typeof signed>) => ({ ...r, sig: undefined })],
    ['a signature by a key not trusted', () => signed(record, other)],
  ])('fails with %s', (_what, change) => {
    expect(signedBy(change(signed(record, key) as never), [ownKey(key)])).toBe(false);
  });
});
