import { sign, verify } from 'node:crypto';
import type { AuditKey, WorkerKey } from '../cycle/workerKey.js';
import { canonicalJson } from '../util/canonicalJson.js';

/**
 * What a worker signs for others to check without its secret: audit records and redaction markers. The
 * signature is Ed25519 over the object's canonical JSON without its `sig`, and names the key that made it,
 * so the command line checks it with the workers' public keys (DREAMGATE_AUDIT_KEY) and keys can rotate.
 */
export interface Signature {
  key: string;
  ed25519: string;
}

const bytesOf = (body: object) => Buffer.from(canonicalJson(body), 'utf8');

/** `body` with the worker's signature. */
export function signed<T extends object>(body: T, key: WorkerKey): T & { sig: Signature } {
  const { sig: _, ...rest } = body as T & { sig?: unknown };
  return { ...(rest as T), sig: { key: key.keyId, ed25519: sign(null, bytesOf(rest), key.sign).toString('base64') } };
}

/** Whether `obj` carries a valid signature by one of `keys`. */
export function signedBy(obj: unknown, keys: readonly AuditKey[]): boolean {
  if (typeof obj !== 'object' || obj === null) return false;
  const { sig, ...rest } = obj as { sig?: Partial<Signature> };
  if (typeof sig !== 'object' || sig === null || typeof sig.key !== 'string' || typeof sig.ed25519 !== 'string')
    return false;
  const key = keys.find((k) => k.keyId === sig.key);
  if (!key) return false;
  try {
    return verify(null, bytesOf(rest), key.key, Buffer.from(sig.ed25519, 'base64'));
  } catch {
    return false;
  }
}

/** The public key a worker checks its own signatures with. */
export const ownKey = (key: WorkerKey): AuditKey => ({ keyId: key.keyId, key: key.verify });
