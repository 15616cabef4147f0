import { appendFile, mkdir, stat, utimes, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import {
  hookCommandLine,
  launcherName,
  readSettings,
  withSessionEndHook,
  writeSettings,
} from '../../src/claudeCode/hook.js';
import { sessionGate, type GateAnswer } from '../../src/claudeCode/sessionGate.js';
import { loadFleetConfig, type AgentConfig, type FleetConfig } from '../../src/config/fleet.js';
import { loadStackConfig } from '../../src/config/stack.js';
import { resolveClaudeCode } from '../../src/claudeCode/paths.js';
import { InvalidInput, errorMessage } from '../../src/util/errors.js';
import { projectRoot } from '../../src/util/paths.js';
import { printJson } from '../output.js';
import { connectClient } from '../client.js';
import { CycleRunning, startCycle } from '../cycleClient.js';
import { defaultFleetFile } from '../context.js';
import { assertWorker, NoWorker } from '../pollers.js';
import { queueOf } from '../temporal/settings.js';
import type { Command } from 'commander';
import { fleetOption, stackOption } from './options.js';

interface HookOptions {
  fleet?: string;
  stack?: string;
  agent?: string;
  json?: boolean;
}

/** Where the hook says what it did: `$XDG_STATE_HOME/dreamgate`, else `~/.local/state/dreamgate`. */
export function hookStateDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_STATE_HOME;
  return xdg && isAbsolute(xdg) ? join(xdg, 'dreamgate') : join(env.HOME || homedir(), '.local', 'state', 'dreamgate');
}

/** The fleet, and its Claude Code agent (the one named, or the only one). */
async function claudeAgent(opts: HookOptions): Promise<{ fleet: FleetConfig; agent: AgentConfig; project: string }> {
  const fleet = await loadFleetConfig(resolve(opts.fleet ?? (process.env.DREAMGATE_FLEET || defaultFleetFile)));
  const candidates = fleet.agents.filter(
    (a) => a.store.startsWith('claude-code:') && (!opts.agent || a.id === opts.agent),
  );
  if (candidates.length !== 1)
    throw new InvalidInput(
      opts.agent
        ? `--agent ${opts.agent}: no agent of that id with a claude-code: store in ${fleet.file}`
        : `${fleet.file} has ${candidates.length} agents with a claude-code: store; name one with --agent`,
    );
  const agent = candidates[0]!;
  return { fleet, agent, project: agent.store.slice('claude-code:'.length) };
}

export interface Installed {
  file: string;
  command: string;
  agent: string;
  project: string;
  minSessions: number;
  log: string;
}

/**
 * Writes Claude Code's SessionEnd hook for an agent of a fleet into its project's `.claude/settings.json`
 * (`local`: `settings.local.json`, which is not committed).
 */
export async function installHook(opts: HookOptions & { local?: boolean }): Promise<Installed> {
  const { fleet, agent, project } = await claudeAgent(opts);
  const root = (await resolveClaudeCode(project)).root ?? project;
  const file = join(root, '.claude', opts.local ? 'settings.local.json' : 'settings.json');
  const stackFile = opts.stack ?? process.env.DREAMGATE_STACK_CONFIG;
  const command = hookCommandLine({
    node: process.execPath,
    launcher: join(projectRoot, 'bin', launcherName),
    fleet: fleet.file,
    agent: agent.id,
    ...(stackFile ? { stack: resolve(stackFile) } : {}),
  });
  await writeSettings(file, withSessionEndHook(await readSettings(file), command, file));
  const log = join(hookStateDir(), 'session-end.log');
  return { file, command, agent: agent.id, project: root, minSessions: Math.max(1, agent.minNewSessions), log };
}

/** What an installed hook does, in one sentence for the user. */
export function installedLine(i: Installed): string {
  return `added a SessionEnd hook to ${i.file}: when a Claude Code session of ${i.project} ends, it asks for a dream of ${i.agent} once ${i.minSessions} session(s) have gathered and a day has passed since the last consolidation; it returns at once, and says what it did in ${i.log}`;
}

/** `dreamgate hook install`: the hook, asked for (never written behind the user's back). */
export async function hookInstallCommand(opts: HookOptions & { local?: boolean }): Promise<void> {
  const i = await installHook(opts);
  if (opts.json) printJson(i);
  else process.stdout.write(`${installedLine(i)}\n`);
}

/** One line of the hook's log, kept short; a log that grew past 1 MB starts again. */
async function logLine(line: string): Promise<void> {
  const dir = hookStateDir();
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'session-end.log');
  const size = (await stat(file).catch(() => undefined))?.size ?? 0;
  const text = `${new Date().toISOString()} ${line}\n`;
  await (size > 1_000_000 ? writeFile(file, text) : appendFile(file, text));
}

/** A cycle asked for within ten minutes is not asked for again (Auto Dream's scan throttle). */
async function throttled(fleet: string, agent: string): Promise<boolean> {
  const stamp = join(hookStateDir(), `asked-${fleet}-${agent}`);
  const s = await stat(stamp).catch(() => undefined);
  if (s && Date.now() - s.mtimeMs < 10 * 60_000) return true;
  await mkdir(hookStateDir(), { recursive: true });
  await writeFile(stamp, '');
  const now = new Date();
  await utimes(stamp, now, now);
  return false;
}

/** What the hook decided, and whether it asked for a cycle. */
async function decide(opts: HookOptions & { session?: string; minHours?: string }): Promise<string> {
  const { fleet, agent, project } = await claudeAgent(opts);
  const cc = await resolveClaudeCode(project);
  const minHours = opts.minHours !== undefined ? Number(opts.minHours) : 24;
  if (!Number.isFinite(minHours) || minHours < 0)
    throw new InvalidInput(`--min-hours ${opts.minHours}: expected hours`);
  const gate: GateAnswer = await sessionGate({
    memoryDir: cc.memoryDir,
    transcriptDirs: cc.transcriptDirs,
    minSessions: Math.max(1, agent.minNewSessions),
    minHours,
    ...(opts.session ? { currentSession: opts.session } : {}),
  });
  if (!gate.due) return `${agent.id}: not yet: ${gate.why}`;
  if (await throttled(fleet.fleet, agent.id))
    return `${agent.id}: ${gate.why}; a dream was asked for less than 10 min ago`;
  const client = await connectClient(await loadStackConfig(opts.stack));
  try {
    await assertWorker(client, queueOf(client.temporal, fleet), fleet.file);
    const handle = await startCycle(client, fleet, agent, 'claude-code session end');
    return `${agent.id}: ${gate.why}: asked for a dream, ${handle.workflowId} (run ${handle.firstExecutionRunId})`;
  } catch (err) {
    if (err instanceof CycleRunning || err instanceof NoWorker) return `${agent.id}: ${gate.why}; ${err.message}`;
    throw err;
  } finally {
    await client.close();
  }
}

/**
 * `dreamgate hook session-end`: what the SessionEnd hook's launcher runs, detached. Asks for a dream when
 * enough sessions have gathered (see `sessionGate`), and says in its log what it decided, or why it failed.
 */
export async function hookSessionEndCommand(
  opts: HookOptions & { session?: string; minHours?: string },
): Promise<void> {
  let line: string;
  try {
    line = await decide(opts);
  } catch (err) {
    line = `${opts.agent ?? '?'}: failed: ${errorMessage(err)}`;
    process.exitCode = err instanceof InvalidInput ? 2 : 1;
  }
  await logLine(line.replace(/\s+/g, ' '));
  if (opts.json) printJson({ decision: line });
  else process.stdout.write(`${line}\n`);
}

/** `dreamgate hook install|session-end`: Claude Code's SessionEnd hook. */
export function registerHook(program: Command): void {
  const hook = program
    .command('hook')
    .description('Claude Code’s SessionEnd hook: a dream asked for when enough sessions have gathered');
  hook
    .command('install')
    .description("write the hook into the project's .claude/settings.json (or settings.local.json with --local)")
    .addOption(fleetOption)
    .addOption(stackOption)
    .option('--agent <agent_id>', 'the Claude Code agent (default: the fleet’s only one)')
    .option('--local', 'write .claude/settings.local.json (not committed) instead')
    .option('--json', 'print what was written as JSON')
    .action(hookInstallCommand);
  hook
    .command('session-end')
    .description(
      'what the hook runs, detached: ask for a dream when a day has passed since the last consolidation and minNewSessions sessions have gathered (logged in $XDG_STATE_HOME/dreamgate/session-end.log)',
    )
    .addOption(fleetOption)
    .addOption(stackOption)
    .option('--agent <agent_id>', 'the Claude Code agent (default: the fleet’s only one)')
    .option('--session <id>', 'the session that just ended (not counted)')
    .option('--min-hours <n>', 'hours since the last consolidation before a dream is asked for', '24')
    .option('--json', 'print the decision as JSON')
    .action(hookSessionEndCommand);
}
