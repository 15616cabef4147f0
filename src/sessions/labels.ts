import type { SessionDigest } from './digest.js';
import { shortSessionId } from '../names/ids.js';

/**
 * How a session is shown to a person: when it started and what its user first asked, with its id beside
 * (a Claude Code session id is a UUID nobody recognizes). Kept in the change set, so `review`, `show` and
 * `blame` can say it without reading transcripts; the text is the digest's, which is already redacted.
 */
export interface SessionLabel {
  /** When the session started (ISO). */
  started: string;
  /** The user's first words, on one line, cut short ('' when the user said nothing). */
  first: string;
}

const maxFirst = 72;

export function labelOf(s: Pick<SessionDigest, 'startedAt' | 'userStatements'>): SessionLabel {
  const said = s.userStatements.find((u) => u.text.trim() !== '')?.text ?? '';
  const line = said.replace(/\s+/g, ' ').trim();
  return {
    started: new Date(s.startedAt).toISOString(),
    first: line.length > maxFirst ? `${line.slice(0, maxFirst - 1)}…` : line,
  };
}

/** Labels of every session a dream read (quarantined ones too), by id. */
export function labelSessions(
  sessions: Pick<SessionDigest, 'sessionId' | 'startedAt' | 'userStatements'>[],
): Record<string, SessionLabel> {
  return Object.fromEntries(sessions.map((s) => [s.sessionId, labelOf(s)]));
}

/** `2026-12-01 14:02 "fix the flaky deploy test…" (3f1c2a9e)`, local time; the bare id when no label is kept. */
export function showSession(id: string, label: SessionLabel | undefined): string {
  const short = shortSessionId(id);
  if (!label) return id;
  const d = new Date(label.started);
  if (Number.isNaN(d.getTime())) return id;
  const pad = (n: number) => String(n).padStart(2, '0');
  const when = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return `${when}${label.first ? ` "${label.first}"` : ''} (${short})`;
}

/** A change set's way of showing its sessions (see `showSession`). */
export function sessionNamer(cs: { sessions?: { labels?: Record<string, SessionLabel> } }): (id: string) => string {
  return (id) => showSession(id, cs.sessions?.labels?.[id]);
}
