import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { link, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { InvalidInput } from '../util/errors.js';

/**
 * The workers' authority, as two keys in one file only workers read:
 * - `seal`, 32 random bytes: an HMAC key for proofs only workers check (a cycle's opening, a dream, a gate
 *   result, a promotion), which travel through workflow histories and are bound to one cycle run;
 * - `sign`, an Ed25519 private key: signs what others check later without the secret, the audit records and
 *   redaction markers, so the operator's command line (`history`, `blame`, `review`) verifies them with the
 *   public key alone.
 * Neither key ever enters a workflow input, a memo, a search attribute, a log or an S3 object.
 */
export interface WorkerKey {
  seal: Buffer;
  sign: KeyObject;
  verify: KeyObject;
  /** Names the public key in every signature: `sha256(raw public key)`, first 16 hex digits. */
  keyId: string;
}

/** A public key the command line trusts: what `dreamgate worker-key --public` prints. */
export interface AuditKey {
  keyId: string;
  key: KeyObject;
}

const format = 'dreamgate-worker-key/1';

function rawPublic(key: KeyObject): Buffer {
  // the SPKI DER of an Ed25519 key is a 12-byte header and the 32-byte key
  return key.export({ type: 'spki', format: 'der' }).subarray(-32);
}

export const keyIdOf = (key: KeyObject): string =>
  createHash('sha256').update(rawPublic(key)).digest('hex').slice(0, 16);

/** `ed25519:<base64 of the 32-byte key>`: one line, as an operator pastes it into DREAMGATE_AUDIT_KEY. */
export const publicKeyText = (key: KeyObject): string => `ed25519:${rawPublic(key).toString('base64')}`;

/** A new key file's text. */
export function newWorkerKeyText(): string {
  const { privateKey } = generateKeyPairSync('ed25519');
  return `${JSON.stringify(
    {
      format,
      seal: randomBytes(32).toString('base64'),
      sign: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    },
    null,
    1,
  )}\n`;
}

function parseWorkerKey(text: string, file: string): WorkerKey {
  let raw: { format?: unknown; seal?: unknown; sign?: unknown };
  try {
    raw = JSON.parse(text) as typeof raw;
  } catch {
    throw new InvalidInput(`worker key ${file}: not JSON (create one with \`dreamgate worker-key --out ${file}\`)`);
  }
  const seal = typeof raw.seal === 'string' ? Buffer.from(raw.seal, 'base64') : Buffer.alloc(0);
  if (raw.format !== format || seal.length !== 32 || typeof raw.sign !== 'string')
    throw new InvalidInput(`worker key ${file}: not a ${format} file (format, a 32-byte seal, an Ed25519 sign key)`);
  let sign: KeyObject;
  try {
    sign = createPrivateKey(raw.sign);
  } catch {
    throw new InvalidInput(`worker key ${file}: "sign" is not a PEM private key`);
  }
  if (sign.asymmetricKeyType !== 'ed25519') throw new InvalidInput(`worker key ${file}: "sign" is not an Ed25519 key`);
  const verify = createPublicKey(sign);
  return { seal, sign, verify, keyId: keyIdOf(verify) };
}

/** Reads a worker key file, which only its owner may read (0600 or 0400). */
export async function loadWorkerKey(file: string): Promise<WorkerKey> {
  const st = await stat(file).catch((err: NodeJS.ErrnoException) => {
    throw new InvalidInput(
      `worker key ${file}: ${err.code === 'ENOENT' ? 'does not exist' : `cannot read (${err.code})`} (create one with \`dreamgate worker-key --out ${file}\`)`,
    );
  });
  if ((st.mode & 0o077) !== 0)
    throw new InvalidInput(
      `worker key ${file}: readable by others (mode ${(st.mode & 0o777).toString(8)}); \`chmod 600 ${file}\` (Kubernetes: defaultMode 0400)`,
    );
  return parseWorkerKey(await readFile(file, 'utf8'), file);
}

/**
 * The local stack's worker key, made once under its state folder (0600) by whichever of the project's
 * processes needs it first: written aside, then linked into place, so two processes never see half a file.
 */
export async function ensureWorkerKey(file: string): Promise<WorkerKey> {
  const aside = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    await writeFile(aside, newWorkerKeyText(), { mode: 0o600, flag: 'wx' });
    await link(aside, file).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
  } finally {
    await rm(aside, { force: true });
  }
  return loadWorkerKey(file);
}

/** Writes a new key file (never over one) and returns its public key's text. */
export async function createWorkerKeyFile(file: string): Promise<string> {
  const text = newWorkerKeyText();
  await writeFile(file, text, { mode: 0o600, flag: 'wx' }).catch((err: NodeJS.ErrnoException) => {
    throw new InvalidInput(
      err.code === 'EEXIST' ? `--out ${file}: exists; a worker key is never overwritten` : `--out ${file}: ${err.code}`,
    );
  });
  return publicKeyText(parseWorkerKey(text, file).verify);
}

/** Public keys from DREAMGATE_AUDIT_KEY's text: `ed25519:<base64>` entries, separated by spaces, commas or lines. */
export function parseAuditKeys(text: string, where: string): AuditKey[] {
  const out: AuditKey[] = [];
  for (const item of text.split(/[\s,]+/).filter(Boolean)) {
    const m = /^ed25519:([A-Za-z0-9+/]{43}=)$/.exec(item);
    if (!m)
      throw new InvalidInput(
        `${where}: "${item.slice(0, 24)}…" is not a public key as \`dreamgate worker-key --public\` prints it (ed25519:<base64>)`,
      );
    const der = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(m[1]!, 'base64')]);
    const key = createPublicKey({ key: der, format: 'der', type: 'spki' });
    out.push({ keyId: keyIdOf(key), key });
  }
  return out;
}
