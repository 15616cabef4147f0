import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { lockName } from './lock.js';
import { listTranscripts } from './transcripts.js';

/**
 * Whether enough has happened since the last consolidation to ask for a dream, counted as Claude Code's Auto
 * Dream counts: at least `minHours` since the last consolidation (the modification time of the memory's
 * `.consolidate-lock`, which dreamgate and Auto Dream both touch when they write), and at least `minSessions`
 * sessions whose transcripts changed since then, the one ending now and subagents' not counted.
 */
export interface GateInput {
  memoryDir: string;
  transcriptDirs: string[];
  minSessions: number;
  minHours: number;
  /** The session ending now (the hook's `session_id`), which is not yet one to learn from. */
  currentSession?: string;
  now?: number;
}

export interface GateAnswer {
  due: boolean;
  why: string;
  sessions: number;
  lastConsolidation?: Date;
}

/** When the memory was last consolidated: the lock's time, if it is a regular file (never read, only stat'ed). */
async function lastConsolidation(memoryDir: string): Promise<number | undefined> {
  const s = await lstat(join(memoryDir, lockName)).catch(() => undefined);
  return s?.isFile() ? s.mtimeMs : undefined;
}

export async function sessionGate(g: GateInput): Promise<GateAnswer> {
  const now = g.now ?? Date.now();
  const last = await lastConsolidation(g.memoryDir);
  const at = last !== undefined ? { lastConsolidation: new Date(last) } : {};
  const hours = last !== undefined ? (now - last) / 3_600_000 : Infinity;
  if (hours < g.minHours)
    return {
      due: false,
      why: `last consolidated ${hours.toFixed(1)} h ago; the next dream is asked for after ${g.minHours} h`,
      sessions: 0,
      ...at,
    };
  const transcripts = (await Promise.all(g.transcriptDirs.map(listTranscripts))).flat();
  const fresh = new Set(
    transcripts
      .filter((t) => !t.sidechain && t.sessionId !== g.currentSession && t.mtimeMs > (last ?? 0))
      .map((t) => t.sessionId),
  );
  const since = last !== undefined ? 'since the last consolidation' : 'so far';
  if (fresh.size < g.minSessions)
    return {
      due: false,
      why: `${fresh.size} session(s) ${since}; ${g.minSessions} needed`,
      sessions: fresh.size,
      ...at,
    };
  return { due: true, why: `${fresh.size} session(s) ${since}`, sessions: fresh.size, ...at };
}
