import { readdir, readFile, stat } from 'node:fs/promises';
import { homedir, platform } from 'node:os';
import { basename, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { readLines } from '../util/readLines.js';
import { InvalidInput } from '../util/errors.js';

/**
 * Where Claude Code keeps a project's auto memory and transcripts. Claude Code does not document its
 * layout as a contract; what this follows, and where it is described publicly:
 *
 * - the config home is `~/.claude`, or `$CLAUDE_CONFIG_DIR`;
 * - a project's folder is `<config home>/projects/<sanitized path>`, where every character other than an
 *   ASCII letter or digit becomes `-` (`/home/ana/my.app` → `-home-ana-my-app`), and a name longer than 200
 *   characters is cut to 200 and given a hash suffix (Claude Code's `sanitizePath`; community write-ups of its
 *   storage, e.g. github.com/neilberkman/ccrider research/schema.md);
 * - transcripts are filed under the folder of the directory a session started in (its `cwd`), so each git
 *   worktree has its own folder; subagent transcripts are `<sessionId>/subagents/agent-<id>.jsonl` beside the
 *   session (older versions: `agent-<id>.jsonl` in the folder);
 * - the auto-memory directory is `<project folder of the canonical git root>/memory/`, shared by every worktree
 *   of the repository, unless `autoMemoryDirectory` is set in user, local or managed (policy) settings — never
 *   in the project's shared `.claude/settings.json` — or `$CLAUDE_COWORK_MEMORY_PATH_OVERRIDE` names the
 *   directory outright (code.claude.com/docs/en/memory, "Storage location"; Claude Code v2.1.74 release notes).
 */
export interface ClaudeCodeProject {
  /** The project as given: its canonical git root (or the directory itself outside git). */
  root?: string;
  /** The auto-memory directory. */
  memoryDir: string;
  /** Why this memory directory: a reviewer can check it against Claude Code's own. */
  memorySource: string;
  configDir: string;
  /** Transcript folders: the project's, its worktrees' and its subdirectories'. */
  transcriptDirs: string[];
}

export type Env = Record<string, string | undefined>;

const maxSanitized = 200;

/** Claude Code's folder name for a directory path. */
export function sanitizePath(path: string): string {
  const s = path.replace(/[^a-zA-Z0-9]/g, '-');
  return s.length <= maxSanitized ? s : `${s.slice(0, maxSanitized)}-${Math.abs(djb2(path)).toString(36)}`;
}

function djb2(text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = ((h << 5) - h + text.charCodeAt(i)) | 0;
  return h;
}

export function claudeConfigDir(env: Env = process.env): string {
  return env.CLAUDE_CONFIG_DIR ? resolve(expandHome(env.CLAUDE_CONFIG_DIR, env)) : join(homeOf(env), '.claude');
}

const homeOf = (env: Env) => env.HOME || homedir();

export function expandHome(path: string, env: Env = process.env): string {
  return path === '~' ? homeOf(env) : path.startsWith('~/') ? join(homeOf(env), path.slice(2)) : path;
}

const exists = async (p: string) => (await stat(p).catch(() => undefined)) !== undefined;
const isDir = async (p: string) => (await stat(p).catch(() => undefined))?.isDirectory() === true;

/** The canonical root of the git repository holding `dir` (a worktree's main checkout), and its worktrees. */
export async function gitLayout(dir: string): Promise<{ root: string; worktrees: string[] } | undefined> {
  for (let d = dir; ; d = dirname(d)) {
    const dotGit = join(d, '.git');
    const st = await stat(dotGit).catch(() => undefined);
    if (st?.isDirectory()) return { root: d, worktrees: await worktreesOf(dotGit) };
    if (st?.isFile()) {
      const m = /^gitdir:\s*(.+)$/m.exec(await readFile(dotGit, 'utf8'));
      if (!m) return { root: d, worktrees: [] };
      const gitDir = resolve(d, m[1]!.trim());
      const common = await readFile(join(gitDir, 'commondir'), 'utf8').catch(() => undefined);
      if (common === undefined) return { root: d, worktrees: [] }; // a submodule: its own root
      const commonDir = resolve(gitDir, common.trim());
      const root = basename(commonDir) === '.git' ? dirname(commonDir) : d;
      return { root, worktrees: await worktreesOf(commonDir) };
    }
    if (dirname(d) === d) return undefined;
  }
}

/** Linked worktrees: `<git dir>/worktrees/<name>/gitdir` holds the path of each one's `.git` file. */
async function worktreesOf(gitDir: string): Promise<string[]> {
  const names = await readdir(join(gitDir, 'worktrees')).catch(() => [] as string[]);
  const out: string[] = [];
  for (const n of names.sort()) {
    const file = await readFile(join(gitDir, 'worktrees', n, 'gitdir'), 'utf8').catch(() => undefined);
    if (file) out.push(dirname(resolve(join(gitDir, 'worktrees', n), file.trim())));
  }
  return out;
}

/** Settings files Claude Code trusts for `autoMemoryDirectory`, strongest first (policy, local, user). */
function trustedSettings(root: string | undefined, configDir: string): string[] {
  const policy =
    platform() === 'darwin'
      ? '/Library/Application Support/ClaudeCode/managed-settings.json'
      : platform() === 'win32'
        ? 'C:\\Program Files\\ClaudeCode\\managed-settings.json'
        : '/etc/claude-code/managed-settings.json';
  return [policy, ...(root ? [join(root, '.claude', 'settings.local.json')] : []), join(configDir, 'settings.json')];
}

async function autoMemoryDirectory(
  root: string | undefined,
  configDir: string,
  env: Env,
): Promise<{ dir: string; file: string } | undefined> {
  for (const file of trustedSettings(root, configDir)) {
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    let settings: unknown;
    try {
      settings = JSON.parse(text);
    } catch (err) {
      throw new InvalidInput(`${file}: not JSON (${(err as Error).message.slice(0, 80)}); Claude Code reads it too`);
    }
    const v = (settings as { autoMemoryDirectory?: unknown } | null)?.autoMemoryDirectory;
    if (typeof v !== 'string' || v.trim() === '') continue;
    const dir = expandHome(v.trim(), env);
    // Claude Code ignores a relative path or the file system's root here, and so must we to find the same folder
    if (!isAbsolute(dir) || dirname(dir) === dir) continue;
    return { dir: resolve(dir), file };
  }
  return undefined;
}

/** A project folder by name; a long name's hash suffix differs between Claude Code builds, so match its prefix. */
async function projectFolder(projects: string, path: string): Promise<string> {
  const name = sanitizePath(path);
  if (name.length <= maxSanitized || (await exists(join(projects, name)))) return join(projects, name);
  const prefix = `${name.slice(0, maxSanitized)}-`;
  const found = (await readdir(projects).catch(() => [] as string[])).filter((n) => n.startsWith(prefix)).sort();
  return join(projects, found[0] ?? name);
}

const isInside = (path: string, dir: string) => path === dir || path.startsWith(dir.endsWith(sep) ? dir : dir + sep);

/** The working directory a transcript folder's sessions ran in, from the first record that says. */
async function folderCwd(folder: string): Promise<string | undefined> {
  const files = (await readdir(folder).catch(() => [] as string[])).filter((f) => f.endsWith('.jsonl')).sort();
  for (const f of files.slice(0, 3)) {
    try {
      let n = 0;
      for await (const { text } of readLines(join(folder, f))) {
        if (++n > 50) break;
        const m = /"cwd"\s*:\s*("(?:[^"\\]|\\.)*")/.exec(text);
        if (m) return JSON.parse(m[1]!) as string;
      }
    } catch {
      // an unreadable transcript says nothing about where it ran; the next one may
    }
  }
  return undefined;
}

/**
 * Resolves `claude-code:<path>`: a project directory (any directory inside a git repository stands for the
 * repository), a project's folder under `<config home>/projects/`, or an auto-memory directory itself.
 */
export async function resolveClaudeCode(given: string, env: Env = process.env): Promise<ClaudeCodeProject> {
  const path = resolve(expandHome(given, env));
  const configDir = claudeConfigDir(env);
  const projects = join(configDir, 'projects');

  // a project folder of Claude Code's own, or the memory directory inside one
  const folder =
    dirname(path) === projects
      ? path
      : basename(path) === 'memory' && dirname(dirname(path)) === projects
        ? dirname(path)
        : undefined;
  if (folder)
    return {
      memoryDir: join(folder, 'memory'),
      memorySource: `the memory folder of ${folder}`,
      configDir,
      transcriptDirs: [folder],
    };

  if (!(await isDir(path))) {
    const fallback = join(projects, sanitizePath(path));
    if (!(await isDir(fallback)))
      throw new InvalidInput(
        `claude-code:${given}: no such directory, and Claude Code has no project folder for it (${fallback})`,
      );
    return {
      root: path,
      memoryDir: join(fallback, 'memory'),
      memorySource: 'default (the project directory no longer exists)',
      configDir,
      transcriptDirs: [fallback],
    };
  }

  const git = await gitLayout(path);
  // a directory holding MEMORY.md outside any project is an auto-memory directory of its own (autoMemoryDirectory)
  if (!git && (await exists(join(path, 'MEMORY.md'))) && !(await isDir(join(path, '.claude'))))
    return { memoryDir: path, memorySource: 'given', configDir, transcriptDirs: [] };

  const root = git?.root ?? path;
  const override = env.CLAUDE_COWORK_MEMORY_PATH_OVERRIDE;
  const setting = override ? undefined : await autoMemoryDirectory(root, configDir, env);
  const memory = override
    ? { dir: resolve(expandHome(override, env)), source: '$CLAUDE_COWORK_MEMORY_PATH_OVERRIDE' }
    : setting
      ? { dir: setting.dir, source: `autoMemoryDirectory in ${setting.file}` }
      : { dir: join(await projectFolder(projects, root), 'memory'), source: 'default' };

  const checkouts = [root, ...(git?.worktrees ?? [])];
  const folders = new Set<string>();
  for (const c of checkouts) {
    const f = await projectFolder(projects, c);
    if (await isDir(f)) folders.add(f);
  }
  // sessions started in a subdirectory are filed under its own folder; the name alone could be a sibling's
  // (`/src/app` and `/src/app-old` share a prefix), so the folder's recorded cwd decides
  const prefixes = checkouts.map((c) => `${sanitizePath(c)}-`);
  for (const name of (await readdir(projects).catch(() => [] as string[])).sort()) {
    const f = join(projects, name);
    if (folders.has(f) || !prefixes.some((p) => name.startsWith(p))) continue;
    const cwd = await folderCwd(f);
    if (cwd && checkouts.some((c) => isInside(cwd, c))) folders.add(f);
  }
  return {
    root,
    memoryDir: memory.dir,
    memorySource: memory.source,
    configDir,
    transcriptDirs: [...folders].sort(),
  };
}
