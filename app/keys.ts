import { join } from 'node:path';
import type { StackConfig } from '../src/config/stack.js';
import {
  ensureWorkerKey,
  loadWorkerKey,
  parseAuditKeys,
  publicKeyText,
  type AuditKey,
  type WorkerKey,
} from '../src/cycle/workerKey.js';
import type { StorageSettings } from '../src/config/storage.js';
import { InvalidInput } from '../src/util/errors.js';
import { existsSync, readFileSync } from 'node:fs';

/** The local stack's worker key: made once, private, under the stack's state folder. */
export const localKeyFile = (cfg: StackConfig) => join(cfg.stateDir, 'worker-key.json');

/**
 * The key a worker seals and signs with: DREAMGATE_WORKER_KEY_FILE, or on the local stack the one under its
 * state folder (made on first use). A worker for real storage without one refuses to start.
 */
export async function workerKey(cfg: StackConfig, storage: StorageSettings, env = process.env): Promise<WorkerKey> {
  const file = env.DREAMGATE_WORKER_KEY_FILE || undefined;
  if (file) return loadWorkerKey(file);
  if (storage.local) return ensureWorkerKey(localKeyFile(cfg));
  throw new InvalidInput(
    'a worker seals its proofs and signs its audit records with a key of its own: set DREAMGATE_WORKER_KEY_FILE (make one with `dreamgate worker-key --out <file>`)',
  );
}

/**
 * The public keys the command line checks the workers' signatures with: DREAMGATE_AUDIT_KEY (the keys
 * `dreamgate worker-key --public` prints, or a file holding them), or on the local stack its worker's key.
 */
export async function auditKeys(cfg: StackConfig, storage: StorageSettings, env = process.env): Promise<AuditKey[]> {
  const given = env.DREAMGATE_AUDIT_KEY || undefined;
  if (given) {
    const text = given.startsWith('ed25519:') || !existsSync(given) ? given : readFileSync(given, 'utf8');
    return parseAuditKeys(text, 'DREAMGATE_AUDIT_KEY');
  }
  if (storage.local) {
    const key = await ensureWorkerKey(localKeyFile(cfg));
    return parseAuditKeys(publicKeyText(key.verify), localKeyFile(cfg));
  }
  throw new InvalidInput(
    "checking the audit log needs the workers' public key: set DREAMGATE_AUDIT_KEY to what `dreamgate worker-key --public <key file>` prints",
  );
}
