import { readFile } from 'node:fs/promises';
import { printJson } from '../output.js';
import { createWorkerKeyFile, loadWorkerKey, publicKeyText } from '../../src/cycle/workerKey.js';
import { InvalidInput } from '../../src/util/errors.js';

/**
 * `dreamgate worker-key --out <file>`: a new key for the workers (a 32-byte seal key and an Ed25519 signing
 * key, 0600, never overwritten); `--public <file>`: the public key the command line checks signatures with
 * (DREAMGATE_AUDIT_KEY). Either way only the public key is printed.
 */
export async function workerKeyCommand(opts: { out?: string; public?: string; json?: boolean }): Promise<void> {
  if (Boolean(opts.out) === Boolean(opts.public))
    throw new InvalidInput('worker-key: give --out <file> (a new key) or --public <file> (print its public key)');
  let text: string;
  if (opts.out) text = await createWorkerKeyFile(opts.out);
  else {
    await readFile(opts.public!).catch(() => {
      throw new InvalidInput(`--public ${opts.public}: cannot read`);
    });
    text = publicKeyText((await loadWorkerKey(opts.public!)).verify);
  }
  if (opts.json) printJson({ publicKey: text, ...(opts.out ? { file: opts.out } : {}) });
  else
    process.stdout.write(
      `${text}\n${opts.out ? `wrote ${opts.out} (0600): give workers DREAMGATE_WORKER_KEY_FILE=${opts.out}, and the command line DREAMGATE_AUDIT_KEY=${text}\n` : ''}`,
    );
}
