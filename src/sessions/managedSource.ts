import type Anthropic from '@anthropic-ai/sdk';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { callClaude } from '../anthropic/errors.js';
import { mapLimit } from '../util/concurrency.js';
import { InvalidInput } from '../util/errors.js';
import { digestSession, type SessionDigest } from './digest.js';
import { defaultSessionLimit, finishSelection, type SelectOptions, type SessionSelection } from './selection.js';

/**
 * A Managed Agents agent's finished sessions, `anthropic:<agent_id>`: listed with `beta.sessions.list`,
 * their events read with `events.list` into JSONL (SPEC §2 is that shape), then digested and screened
 * exactly as local sessions are.
 */
export async function selectManagedSessions(
  client: Anthropic,
  agentId: string,
  opts: SelectOptions = {},
): Promise<SessionSelection> {
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(agentId))
    throw new InvalidInput(`sessions anthropic:${agentId}: not an agent id (expected e.g. anthropic:agent_01…)`);
  const limit = opts.limit ?? defaultSessionLimit;
  const finished: { id: string }[] = [];
  await callClaude(`list sessions of anthropic:${agentId}`, async () => {
    for await (const s of client.beta.sessions.list(
      { agent_id: agentId, statuses: ['idle', 'terminated'], order: 'desc', limit: 100 },
      { signal: opts.signal },
    )) {
      if (opts.since !== undefined && Date.parse(s.updated_at) <= opts.since) continue;
      finished.push({ id: s.id });
      if (finished.length >= limit) break;
    }
  });
  const dir = await mkdtemp(join(tmpdir(), 'dreamgate-sessions-'));
  try {
    const invalid: SessionSelection['invalid'] = [];
    const digests = await mapLimit(finished, 4, async (s): Promise<SessionDigest | undefined> => {
      const lines: string[] = [];
      await callClaude(`read events of session ${s.id}`, async () => {
        for await (const e of client.beta.sessions.events.list(
          s.id,
          { order: 'asc', limit: 100 },
          { signal: opts.signal },
        ))
          lines.push(JSON.stringify(e));
      });
      const file = join(dir, `${s.id}.jsonl`);
      await writeFile(file, lines.join('\n') + '\n', { mode: 0o600 });
      try {
        return await digestSession(file);
      } catch (err) {
        if (!(err instanceof InvalidInput)) throw err;
        invalid.push({ file: `anthropic:${agentId}/${s.id}`, error: err.message.replaceAll(file, `session ${s.id}`) });
        return undefined;
      }
    });
    return finishSelection(digests, invalid, opts);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
