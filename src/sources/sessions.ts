import type Anthropic from '@anthropic-ai/sdk';
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { expandHome } from '../claudeCode/paths.js';
import { InvalidInput } from '../util/errors.js';
import { selectClaudeCodeSessions } from '../claudeCode/transcripts.js';
import { digestSession } from '../sessions/digest.js';
import { selectManagedSessions } from '../sessions/managedSource.js';
import { selectMessagesSessions } from '../sessions/messages.js';
import { readSessionFiles, type SelectOptions, type SessionSelection } from '../sessions/selection.js';

export {
  defaultSessionLimit,
  finishSelection,
  type SelectOptions,
  type SessionSelection,
} from '../sessions/selection.js';

/**
 * Where an agent's sessions come from:
 * - a directory in SPEC §2's local form, `<dir>/<agent_id>/<session_id>.jsonl`;
 * - `claude-code:<project dir>`: Claude Code's transcripts of the project (and its worktrees);
 * - `messages:<dir>`: conversation logs of an application on the Messages API memory tool;
 * - `anthropic:<agent_id>`: a Managed Agents agent's finished sessions.
 * Every kind is translated into SPEC §2 events and goes through the same digest and screening.
 */
export const sessionKinds = ['claude-code', 'messages', 'anthropic'] as const;
export type SessionsLocation =
  | { kind: 'local'; path: string }
  | { kind: 'claude-code' | 'messages'; path: string }
  | { kind: 'anthropic'; agentId: string };

export function parseSessionsLocation(location: string): SessionsLocation {
  const m = /^([a-z][a-z0-9+.-]*):(.*)$/i.exec(location);
  if (!m || /^[a-z]$/i.test(m[1]!)) return { kind: 'local', path: location }; // C:\… is a path
  const [, kind, rest] = m as unknown as [string, string, string];
  if (rest === '') throw new InvalidInput(`sessions ${location}: nothing after "${kind}:"`);
  if (kind === 'anthropic') return { kind, agentId: rest };
  if (kind === 'claude-code' || kind === 'messages') return { kind, path: rest };
  throw new InvalidInput(
    `sessions ${JSON.stringify(location)}: unknown kind "${kind}:" (expected a directory, claude-code:<project dir>, messages:<dir> or anthropic:<agent_id>)`,
  );
}

/** One agent's sessions from any kind of source (see `parseSessionsLocation`). */
export function selectSessionsAt(
  location: string,
  agentId: string,
  opts: SelectOptions = {},
  deps: { claude?: () => Anthropic } = {},
): Promise<SessionSelection> {
  const loc = parseSessionsLocation(location);
  switch (loc.kind) {
    case 'anthropic':
      if (!deps.claude) throw new InvalidInput(`sessions ${location}: Managed Agents sessions need ANTHROPIC_API_KEY`);
      return selectManagedSessions(deps.claude(), loc.agentId, opts);
    case 'claude-code':
      return selectClaudeCodeSessions(loc.path, opts);
    case 'messages':
      return selectMessagesSessions(resolve(expandHome(loc.path)), opts);
    default:
      return selectSessions(loc.path, agentId, opts);
  }
}

/**
 * Why a local sessions directory without `<agent_id>/` looks like a mistake rather than an agent with no
 * sessions yet: it holds session files itself (the agent's folder was passed), or other agents' folders only
 * (a mistyped id). Undefined when it is empty or holds the agent's folder. For commands a person types; a
 * worker serving a fleet reads a new agent's missing folder as "no sessions yet".
 */
export async function misreadSessionsRoot(location: string, agentId: string): Promise<string | undefined> {
  const loc = parseSessionsLocation(location);
  if (loc.kind !== 'local') return undefined;
  const entries = await readdir(loc.path, { withFileTypes: true }).catch(() => []);
  if (entries.some((e) => e.name === agentId)) return undefined;
  const files = entries.filter((e) => e.isFile() && e.name.endsWith('.jsonl'));
  if (files.length > 0)
    return `--sessions ${loc.path} holds ${files.length} session file(s) itself, but sessions are read from <dir>/<agent>/*.jsonl: pass the directory that holds the agent's folder`;
  const agents = entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name);
  if (agents.length > 0)
    return `--sessions ${loc.path} has no folder for agent ${JSON.stringify(agentId)} (it has: ${agents.slice(0, 8).join(', ')}${agents.length > 8 ? ', …' : ''}); check --agent, or pass an empty directory to dream with no sessions`;
  return undefined;
}

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
  return readSessionFiles(
    entries.map((e) => ({ file: join(dir, e.name), regular: e.isFile() })),
    opts,
    (file) => digestSession(file),
  );
}
