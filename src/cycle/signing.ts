import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidInput } from '../util/errors.js';
import { signedText, type Decision, type Verdict } from './decision.js';

/**
 * Signed decisions with SSH keys, as git signs commits: `ssh-keygen -Y sign` by the reviewer, `ssh-keygen
 * -Y verify` against an `allowed_signers` list on the worker. The namespace keeps a decision signature from
 * being accepted as anything else (a commit, a file) and the other way round.
 */
export const signatureNamespace = 'dreamgate-decision';

export type Verified = { ok: true; fingerprint: string } | { ok: false; why: string };

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], input: string, timeoutMs = 15_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('ssh-keygen', args, { stdio: ['pipe', 'pipe', 'pipe'], timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout = (stdout + d.toString()).slice(-16_384)));
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4_096)));
    child.on('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'ENOENT'
          ? new InvalidInput('ssh-keygen is not installed (OpenSSH 8.2 or later signs and verifies decisions)')
          : err,
      ),
    );
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

/**
 * Signs `text` with a reviewer's key: a private key file, or a public key file whose private half is in the
 * SSH agent (`SSH_AUTH_SOCK`), as `git config user.signingkey` allows.
 */
export async function signText(text: string, keyFile: string): Promise<string> {
  const r = await run(['-Y', 'sign', '-q', '-n', signatureNamespace, '-f', keyFile], text, 120_000);
  if (r.code !== 0 || !r.stdout.includes('-----BEGIN SSH SIGNATURE-----'))
    throw new InvalidInput(`--key ${keyFile}: ssh-keygen could not sign (${firstLine(r.stderr) || `exit ${r.code}`})`);
  return r.stdout.trim() + '\n';
}

/**
 * Verifies that `signature` over `text` was made by `principal` with one of `keys` (`<type> <base64>`).
 * A bad or foreign signature is an answer (`ok: false`), not an error.
 */
export async function verifySignature(
  text: string,
  signature: string,
  principal: string,
  keys: string[],
): Promise<Verified> {
  if (keys.length === 0) return { ok: false, why: `${principal} has no key configured` };
  // the principal is a checked reviewer name; key comments are left out (they are free text)
  const allowed = keys.map((k) => `${principal} ${k.split(' ').slice(0, 2).join(' ')}\n`).join('');
  const r = await withFiles({ allowed_signers: allowed, 'decision.sig': signature }, (f) =>
    run(
      ['-Y', 'verify', '-f', f.allowed_signers, '-I', principal, '-n', signatureNamespace, '-s', f['decision.sig']],
      text,
    ),
  );
  const good = /^Good "[^"]+" signature for .+ with \S+ key (SHA256:[A-Za-z0-9+/=]+)/m.exec(r.stdout);
  if (r.code === 0 && good) return { ok: true, fingerprint: good[1]! };
  return { ok: false, why: `the signature does not verify for ${principal}'s key` };
}

/** Runs `fn` with `files` written, private, to a folder of their own, removed afterwards (ssh-keygen reads files). */
async function withFiles<K extends string, T>(
  files: Record<K, string>,
  fn: (paths: Record<K, string>) => Promise<T>,
): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'dg-ssh-'));
  try {
    const paths = {} as Record<K, string>;
    for (const [name, content] of Object.entries(files) as [K, string][]) {
      paths[name] = join(dir, name);
      await writeFile(paths[name], content, { mode: 0o600 });
    }
    return await fn(paths);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The SHA256 fingerprint of a public key (`<type> <base64>`), as `ssh-keygen -l` prints it. */
export async function fingerprintOf(key: string): Promise<string> {
  const r = await run(['-l', '-E', 'sha256', '-f', '-'], `${key}\n`);
  const m = /(SHA256:[A-Za-z0-9+/=]+)/.exec(r.stdout);
  if (r.code !== 0 || !m) throw new InvalidInput(`not an SSH public key (${firstLine(r.stderr) || `exit ${r.code}`})`);
  return m[1]!;
}

const firstLine = (s: string) => s.trim().split('\n')[0]?.slice(0, 200) ?? '';

/** What `history` finds when it checks a recorded decision's signature again. */
export type RecordedSignature =
  /** Made over exactly what the record says, by the key it names, a key the reviewer has now. */
  | 'valid'
  /** Made over exactly what the record says, by the key it names, which the reviewer does not have now. */
  | 'unknown-key'
  /** Does not cover what the record says, or was not made by the key the record names. */
  | 'invalid'
  /** The record carries no signature. */
  | 'none';

/** A decision's audit record, as the cycle writes it (`approved` / `rejected`). */
export interface DecisionRecord {
  fleet?: string;
  agent_id: string;
  cycle_id: string;
  event: string;
  actor?: string;
  data?: Record<string, unknown>;
}

/**
 * Checks a recorded decision's signature again, from the record alone: the text the reviewer signed is
 * rebuilt from the record's fields (`signedText`), the signature checked against the key it carries
 * (`ssh-keygen -Y check-novalidate`), that key compared with the fingerprint the record names and with the
 * keys the reviewer has now (`fingerprints`).
 */
export async function checkRecordedDecision(r: DecisionRecord, fingerprints: string[]): Promise<RecordedSignature> {
  const d = r.data ?? {};
  if (typeof d.signature !== 'string') return 'none';
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const list = (v: unknown) => (Array.isArray(v) ? (v as string[]) : undefined);
  const verdict: Verdict | undefined =
    r.event === 'approved' ? 'approve' : r.event === 'rejected' ? 'reject' : undefined;
  const changeSetId = str(d.changeSet);
  if (!verdict || !r.fleet || !r.actor || !changeSetId || typeof d.signedBy !== 'string') return 'invalid';
  const decision: Decision = { reviewer: r.actor, changeSetId };
  const fields: [keyof Decision, unknown][] = [
    ['at', str(d.signedAt)],
    ['comment', str(d.comment)],
    ['reason', str(d.reason)],
    ['onlyPaths', list(d.onlyPaths)],
    ['editedSha256', str(d.edited)],
    ['restoredSessions', list(d.restoredSessions)],
    ['acceptedSuggestions', Array.isArray(d.acceptedSuggestions) ? d.acceptedSuggestions : undefined],
  ];
  for (const [k, v] of fields) if (v !== undefined) (decision as unknown as Record<string, unknown>)[k] = v;
  const text = signedText({ fleet: r.fleet, agent: r.agent_id, cycle: r.cycle_id, changeSetId, verdict }, decision);
  const out = await withFiles({ 'decision.sig': d.signature }, (f) =>
    run(['-Y', 'check-novalidate', '-n', signatureNamespace, '-s', f['decision.sig']], text),
  );
  const good = /^Good "[^"]+" signature with \S+ key (SHA256:[A-Za-z0-9+/=]+)/m.exec(out.stdout);
  if (out.code !== 0 || !good || good[1] !== d.signedBy) return 'invalid';
  return fingerprints.includes(good[1]) ? 'valid' : 'unknown-key';
}

/** The events of a reviewer's decision, which must carry a signature where reviewers have keys. */
export const decisionEvents: ReadonlySet<string> = new Set(['approved', 'rejected']);

/**
 * The signatures of the decisions among `records`, checked again (see `checkRecordedDecision`) against the
 * keys the agent's reviewers have now. By record key; records without a signature are left out.
 */
export async function checkDecisionSignatures(
  records: readonly { key: string; record?: DecisionRecord }[],
  reviewerKeys: Record<string, string>,
): Promise<Map<string, RecordedSignature>> {
  const fingerprints = new Map<string, string>();
  const out = new Map<string, RecordedSignature>();
  for (const { key, record } of records) {
    if (!record || !decisionEvents.has(record.event) || typeof record.data?.signature !== 'string') continue;
    const reviewer = record.actor ?? '';
    const configured = reviewerKeys[reviewer];
    if (configured && !fingerprints.has(reviewer))
      fingerprints.set(reviewer, await fingerprintOf(configured).catch(() => ''));
    out.set(key, await checkRecordedDecision(record, [fingerprints.get(reviewer) ?? ''].filter(Boolean)));
  }
  return out;
}
