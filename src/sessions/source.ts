import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidInput, errorMessage } from '../util/errors.js';
import { mapLimit } from '../util/concurrency.js';
import { digestSession, type SessionDigest } from './digest.js';

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

/** One agent's sessions under `<root>/<agent_id>/*.jsonl` (SPEC §2, local form). */
export async function selectSessions(
  root: string,
  agentId: string,
  opts: SelectOptions = {},
): Promise<SessionSelection> {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(agentId))
    throw new InvalidInput(`agent id ${JSON.stringify(agentId)}: use letters, digits, ".", "_" and "-"`);
  const dir = join(root, agentId);
  const st = await stat(dir).catch(() => undefined);
  if (!st) {
    const rootExists = await stat(root).catch(() => undefined);
    if (!rootExists) throw new InvalidInput(`sessions directory ${root} does not exist`);
    return { sessions: [], invalid: [] }; // an agent with no sessions yet
  }
  if (!st.isDirectory()) throw new InvalidInput(`${dir} is not a directory`);
  const entries = (await readdir(dir, { withFileTypes: true })).filter(
    (e) => e.name.endsWith('.jsonl') && !e.name.startsWith('.'),
  );
  const invalid: SessionSelection['invalid'] = [];
  const digests = await mapLimit(entries, 4, async (e) => {
    opts.signal?.throwIfAborted();
    const file = join(dir, e.name);
    if (!e.isFile()) {
      invalid.push({ file, error: `${file}: not a regular file` });
      return undefined;
    }
    try {
      return await digestSession(file);
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
