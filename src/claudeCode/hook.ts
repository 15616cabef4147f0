import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { InvalidInput } from '../util/errors.js';

/**
 * The Claude Code `SessionEnd` hook that asks dreamgate for a dream when enough sessions have gathered. It
 * lives in the project's `.claude/settings.json` (or `settings.local.json`), written only when the user asks,
 * beside whatever else the file holds; written again, it replaces its own entry, never another hook.
 */

/** What marks the hook's own entry: the launcher it runs. */
export const launcherName = 'dreamgate-session-end.js';

export interface HookCommand {
  node: string;
  launcher: string;
  fleet: string;
  agent: string;
  /** The stack file the hook's dreamgate reads (Claude Code's environment may not name it). */
  stack?: string;
}

/** A word for the shell Claude Code runs hooks with: single-quoted, so spaces and `$` stay literal. */
const quote = (s: string) => (/^[\w./@:=+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

export function hookCommandLine(h: HookCommand): string {
  const stack = h.stack ? ['--stack', h.stack] : [];
  return [h.node, h.launcher, '--fleet', h.fleet, '--agent', h.agent, ...stack].map(quote).join(' ');
}

type Settings = Record<string, unknown>;
interface Entry {
  matcher?: string;
  hooks?: { type?: string; command?: string; timeout?: number }[];
}

const isOurs = (e: Entry) =>
  (e.hooks ?? []).some((h) => typeof h.command === 'string' && h.command.includes(launcherName));

/**
 * The settings with dreamgate's SessionEnd hook in them: its entry replaced if there, else added after the
 * others. Throws naming `file` when the file's `hooks` is not what Claude Code reads (it is left alone).
 */
export function withSessionEndHook(settings: Settings, command: string, file: string): Settings {
  const hooks = settings.hooks ?? {};
  if (typeof hooks !== 'object' || Array.isArray(hooks))
    throw new InvalidInput(`${file}: "hooks" is not an object of hook events; fix it, then install the hook again`);
  const current = (hooks as Record<string, unknown>).SessionEnd ?? [];
  if (!Array.isArray(current))
    throw new InvalidInput(`${file}: "hooks.SessionEnd" is not a list of hook entries; fix it, then install again`);
  // returns at once (the launcher detaches the work): a short timeout never cuts it off
  const ours: Entry = { hooks: [{ type: 'command', command, timeout: 10 }] };
  const others = (current as Entry[]).filter((e) => !(e && typeof e === 'object' && isOurs(e)));
  return { ...settings, hooks: { ...hooks, SessionEnd: [...others, ours] } };
}

/** Reads a settings file (absent: empty); a file that is not a JSON object is refused, naming it. */
export async function readSettings(file: string): Promise<Settings> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new InvalidInput(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new InvalidInput(`${file}: not valid JSON (${(err as Error).message}); fix it, then install the hook again`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new InvalidInput(`${file}: expected a JSON object of settings`);
  return parsed as Settings;
}

/** Writes the settings beside their place and renames them in, so Claude Code never reads half a file. */
export async function writeSettings(file: string, settings: Settings): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = join(dirname(file), `.${process.pid}.settings.tmp`);
  try {
    await writeFile(tmp, `${JSON.stringify(settings, null, 2)}\n`, { mode: 0o644 });
    await rename(tmp, file);
  } finally {
    await rm(tmp, { force: true });
  }
}
