import { mapLimit } from '../util/concurrency.js';
import { InvalidInput, errorMessage } from '../util/errors.js';
import type { SessionDigest } from './digest.js';

export interface SessionSelection {
  /** Newest first, at most `limit`. */
  sessions: SessionDigest[];
  /** Files refused as invalid input, with the error naming file and line; the other sessions go on. */
  invalid: { file: string; error: string }[];
}

export interface SelectOptions {
  /** Only sessions whose last event is after this time (ms since epoch). */
  since?: number;
  /** At most this many sessions, newest first (Managed Agents dreams take up to 100). */
  limit?: number;
  /** Stops reading when the dream is cancelled. */
  signal?: AbortSignal;
}

export const defaultSessionLimit = 100;

/**
 * Session files read at once. Reading is CPU work on one thread (parsing, screening, tracing); what runs at
 * once is the memory each reader holds (its provenance indexes: about 16 MB for a 1 MB session), and two keep
 * the disk busy while one thread computes.
 */
const readersAtOnce = 2;

/** Newest first, only those after `since`, at most `limit`: the same rule for every sessions source. */
export function finishSelection(
  digests: (SessionDigest | undefined)[],
  invalid: SessionSelection['invalid'],
  opts: SelectOptions,
): SessionSelection {
  const since = opts.since ?? -Infinity;
  const sessions = digests
    .filter((d): d is SessionDigest => d !== undefined && d.events > 0 && d.endedAt > since)
    .sort((a, b) => b.endedAt - a.endedAt || (a.sessionId < b.sessionId ? -1 : 1))
    .slice(0, opts.limit ?? defaultSessionLimit);
  invalid.sort((a, b) => (a.file < b.file ? -1 : 1));
  return { sessions, invalid };
}

/**
 * Reads session files `readersAtOnce` at a time: a file that is not regular, or whose reading is invalid input, is
 * reported (naming file and line) and the others go on; any other failure names the file and stops the read.
 */
export async function readSessionFiles(
  files: readonly { file: string; regular: boolean }[],
  opts: SelectOptions,
  read: (file: string) => Promise<SessionDigest | undefined>,
): Promise<SessionSelection> {
  const invalid: SessionSelection['invalid'] = [];
  const digests = await mapLimit(files, readersAtOnce, async ({ file, regular }) => {
    opts.signal?.throwIfAborted();
    if (!regular) {
      invalid.push({ file, error: `${file}: not a regular file` });
      return undefined;
    }
    try {
      return await read(file);
    } catch (err) {
      if (err instanceof InvalidInput) {
        invalid.push({ file, error: err.message });
        return undefined;
      }
      throw new Error(`${file}: ${errorMessage(err)}`, { cause: err });
    }
  });
  return finishSelection(digests, invalid, opts);
}
