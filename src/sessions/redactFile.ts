/**
 * A memory file's redaction, once per blob: the baseline eval's derived suite and the dream's preparation
 * redact the same files in one cycle, and unchanged files night after night. Secretlint is the slow part.
 */
import { BlobCache } from '../util/blobCache.js';
import { redactSecrets, type Redaction } from './secrets.js';

/** The redacted text, the counts, and the values redacted (to find their other copies; never written). */
const redactions = new BlobCache<Redaction & { values: string[] }>('redactions', 16 * 2 ** 20, 2);

/** `redactSecrets(content, collect)`, computed once for the same bytes; `collect` gets the values either way. */
export async function redactFile(content: string, collect?: Set<string>): Promise<Redaction> {
  const r = await redactions.getAsync(content, async (c) => {
    const values = new Set<string>();
    const { text, found } = await redactSecrets(c, values);
    return { text, found, values: [...values] };
  });
  for (const v of r.values) collect?.add(v);
  return { text: r.text, found: { ...r.found } };
}
