import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { signedText } from '../../../src/cycle/decision.js';
import { checkRecordedDecision, fingerprintOf, signText, verifySignature } from '../../../src/cycle/signing.js';
import { InvalidInput } from '../../../src/util/errors.js';
import { tempDir } from '../../support/sessions.js';

/** Keys made by ssh-keygen here, as reviewers make theirs; signatures by the real `ssh-keygen -Y`. */
let alice: { file: string; key: string };
let bob: { file: string; key: string };
beforeAll(async () => {
  const dir = await tempDir('dg-sign-');
  const make = async (name: string) => {
    const file = join(dir, name);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', file]);
    return { file, key: (await readFile(`${file}.pub`, 'utf8')).trim() };
  };
  [alice, bob] = [await make('alice'), await make('bob')];
});

describe('SSH-signed decisions', () => {
  it('a signature by the reviewer’s key verifies, with the key’s fingerprint', async () => {
    const sig = await signText('the decision', alice.file);
    expect(sig).toMatch(/^-----BEGIN SSH SIGNATURE-----\n/);
    const v = await verifySignature('the decision', sig, 'alice', [alice.key]);
    expect(v).toEqual({ ok: true, fingerprint: await fingerprintOf(alice.key) });
  });

  it.each([
    ['another text', 'the decision, edited', () => alice.key],
    ['another key', 'the decision', () => bob.key],
  ])('fails for %s', async (_name, text, key) => {
    const sig = await signText('the decision', alice.file);
    expect(await verifySignature(text, sig, 'alice', [key()])).toEqual({
      ok: false,
      why: "the signature does not verify for alice's key",
    });
  });

  it('a signature made for git (another namespace) is not a decision', async () => {
    const dir = await tempDir('dg-git-sig-');
    const file = join(dir, 'msg');
    execFileSync('sh', [
      '-c',
      `printf 'the decision' > ${file} && ssh-keygen -Y sign -q -n git -f ${alice.file} ${file}`,
    ]);
    const sig = await readFile(`${file}.sig`, 'utf8');
    expect((await verifySignature('the decision', sig, 'alice', [alice.key])).ok).toBe(false);
  });

  it('no key configured, garbage for a signature: answers, not errors', async () => {
    expect(await verifySignature('x', 'nonsense', 'alice', [])).toEqual({
      ok: false,
      why: 'alice has no key configured',
    });
    expect((await verifySignature('x', 'nonsense', 'alice', [alice.key])).ok).toBe(false);
  });

  it('signs with a key held only by the SSH agent (SSH_AUTH_SOCK), given its public key file', async () => {
    const dir = await tempDir('dg-agent-');
    const file = join(dir, 'carol');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'carol', '-f', file]);
    const sock = join(dir, 'agent.sock');
    const agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
    const was = process.env.SSH_AUTH_SOCK;
    try {
      for (let i = 0; i < 100 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 50));
      process.env.SSH_AUTH_SOCK = sock;
      execFileSync('ssh-add', ['-q', file], { env: { ...process.env, SSH_AUTH_SOCK: sock }, stdio: 'ignore' });
      await rm(file); // the private key now lives only in the agent
      const key = (await readFile(`${file}.pub`, 'utf8')).trim();
      const sig = await signText('the decision', `${file}.pub`);
      expect(await verifySignature('the decision', sig, 'carol', [key])).toEqual({
        ok: true,
        fingerprint: await fingerprintOf(key),
      });
    } finally {
      if (was === undefined) delete process.env.SSH_AUTH_SOCK;
      else process.env.SSH_AUTH_SOCK = was;
      agent.kill();
    }
  });

  it('a key file that cannot sign is invalid input naming it', async () => {
    const err = await signText('x', '/nonexistent/key').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInput);
    expect((err as Error).message).toContain('--key /nonexistent/key: ssh-keygen could not sign');
  });

  it('checks a recorded decision again from the record alone: what it says, the key it names, the keys configured now', async () => {
    const changeSetId = 'c'.repeat(64);
    const at = '2026-11-26T03:00:00.000Z';
    const ctx = { fleet: 'acme', agent: 'support', cycle: 'run-1', changeSetId, verdict: 'approve' as const };
    const signature = await signText(
      signedText(ctx, { reviewer: 'alice', changeSetId, at, comment: 'checked', onlyPaths: ['/a.md'] }),
      alice.file,
    );
    const fp = await fingerprintOf(alice.key);
    const record = {
      fleet: 'acme',
      agent_id: 'support',
      cycle_id: 'run-1',
      event: 'approved',
      actor: 'alice',
      data: {
        changeSet: changeSetId,
        via: 'update',
        comment: 'checked',
        onlyPaths: ['/a.md'],
        signedBy: fp,
        signature,
        signedAt: at,
      },
    };
    expect(await checkRecordedDecision(record, [fp])).toBe('valid');
    expect(await checkRecordedDecision(record, [await fingerprintOf(bob.key)])).toBe('unknown-key');
    // what the record says is not what was signed: another comment, path, reviewer, cycle, verdict or change set
    const changed = [
      { ...record, data: { ...record.data, comment: 'changed' } },
      { ...record, data: { ...record.data, onlyPaths: ['/b.md'] } },
      { ...record, actor: 'bob' },
      { ...record, cycle_id: 'run-2' },
      { ...record, event: 'rejected' },
      { ...record, data: { ...record.data, changeSet: 'd'.repeat(64) } },
      // signed by alice's key, recorded as another key's
      { ...record, data: { ...record.data, signedBy: await fingerprintOf(bob.key) } },
    ];
    for (const r of changed) expect(await checkRecordedDecision(r, [fp])).toBe('invalid');
    expect(await checkRecordedDecision({ ...record, data: { changeSet: changeSetId, signed: false } }, [fp])).toBe(
      'none',
    );
    // accepted suggestions are signed and recorded: a record that names other ones does not check
    const accepting = { reviewer: 'alice', changeSetId, at, acceptedSuggestions: [1, 3] };
    const withSuggestions = {
      ...record,
      data: {
        changeSet: changeSetId,
        via: 'update',
        acceptedSuggestions: [1, 3],
        signedBy: fp,
        signature: await signText(signedText(ctx, accepting), alice.file),
        signedAt: at,
      },
    };
    expect(await checkRecordedDecision(withSuggestions, [fp])).toBe('valid');
    const more = { ...withSuggestions, data: { ...withSuggestions.data, acceptedSuggestions: [1, 2, 3] } };
    expect(await checkRecordedDecision(more, [fp])).toBe('invalid');
  });
});
