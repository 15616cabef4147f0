import { execFile } from 'node:child_process';
import { open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir, userInfo } from 'node:os';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { loadFleetConfig } from '../../src/config/fleet.js';
import { fleetTaskQueue } from '../../src/names/scope.js';
import { printJson } from '../output.js';
import { resolveClaudeCode, type ClaudeCodeProject } from '../../src/claudeCode/paths.js';
import { listTranscripts } from '../../src/claudeCode/transcripts.js';
import { InvalidInput } from '../../src/util/errors.js';
import { safeText } from '../../src/util/display.js';
import { projectRoot } from '../../src/util/paths.js';
import type { WebhookConfig } from '../../src/notify/webhook.js';
import { installedLine, installHook, type Installed } from './hook.js';
import { askInit } from './initAsk.js';
import type { Command } from 'commander';

export interface InitOptions {
  out?: string;
  force?: boolean;
  agent?: string;
  sessions?: string;
  json?: boolean;
  /** Where reviewers hear that a change set waits: a webhook URL. */
  notify?: string;
  notifyFormat?: string;
  /** Claude Code's SessionEnd hook: written only when true (or said yes to on a terminal). */
  hook?: boolean;
}

/** What `init` found at the path it was given, as the agent's store and sessions. */
export interface Detected {
  kind: 'claude-code' | 'memory-tool' | 'spec' | 'managed';
  what: string;
  agent: string;
  store: string;
  storeNote: string;
  sessions: string;
  sessionsNote: string;
  extra: string[];
  /** Where the reviewer's git config is read. */
  dir?: string;
}

const isDir = async (p: string) => (await stat(p).catch(() => undefined))?.isDirectory() === true;
const exists = async (p: string) => (await stat(p).catch(() => undefined)) !== undefined;

/** An agent id from a folder name: letters, digits, ".", "_", "-". */
function agentIdFrom(name: string): string {
  const id = name
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+|-+$/g, '')
    .slice(0, 64);
  return id || 'agent';
}

/** Reads the first few hundred bytes of a file (enough to tell a conversation log from anything else). */
async function head(file: string, bytes = 4096): Promise<string> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await fh.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead).toString('utf8');
  } finally {
    await fh.close();
  }
}

/** A folder of Messages API conversation logs: `.json` / `.jsonl` files holding messages with roles. */
async function isConversationDir(dir: string): Promise<number> {
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => /\.jsonl?$/.test(f));
  let n = 0;
  for (const f of files.slice(0, 5)) {
    const text = await head(join(dir, f)).catch(() => '');
    if (/"role"\s*:\s*"(user|assistant)"/.test(text)) n++;
  }
  return n > 0 ? files.length : 0;
}

async function claudeCodeAt(
  path: string,
): Promise<{ project: ClaudeCodeProject; transcripts: number; files: number } | undefined> {
  let project: ClaudeCodeProject;
  try {
    project = await resolveClaudeCode(path);
  } catch {
    return undefined;
  }
  const transcripts = (await Promise.all(project.transcriptDirs.map(listTranscripts))).flat().length;
  const files = (await readdir(project.memoryDir, { recursive: true }).catch(() => [] as string[])).length;
  const marked = (await isDir(join(path, '.claude'))) || (await exists(join(path, 'CLAUDE.md')));
  if (transcripts === 0 && files === 0 && !marked) return undefined;
  return { project, transcripts, files };
}

/** A path as the config writes it: `.`-relative under the config's folder, `~/` under home, else absolute. */
function shownFrom(base: string): (p: string) => string {
  return (p) => {
    const rel = relative(base, p);
    if (rel === '') return '.';
    if (!rel.startsWith('..') && !isAbsolute(rel)) return `./${rel}`;
    return p.startsWith(homedir() + '/') ? `~/${p.slice(homedir().length + 1)}` : p;
  };
}

/** `anthropic:<memory_store_id>`: a Managed Agents store, learning from the agent named by --sessions. */
function managedAt(path: string, opts: InitOptions): Detected {
  if (!opts.sessions?.startsWith('anthropic:'))
    throw new InvalidInput(
      `init ${path}: a Managed Agents store needs --sessions anthropic:<agent_id> (the agent whose sessions it learns from)`,
    );
  return {
    kind: 'managed',
    what: `the Managed Agents memory store ${path.slice('anthropic:'.length)}`,
    agent: opts.agent ?? agentIdFrom(opts.sessions.slice('anthropic:'.length)),
    store: path,
    storeNote: 'a Managed Agents memory store (needs ANTHROPIC_API_KEY in the worker)',
    sessions: opts.sessions,
    sessionsNote: 'the agent’s finished sessions, from the sessions API',
    extra: [
      '    # dreamer: managed # dream with the Managed Agents Dreams API instead of the offline heuristic dreamer',
    ],
  };
}

/** A Claude Code project: its auto memory and its transcripts, worktrees included. */
function claudeCodeDetected(
  cc: NonNullable<Awaited<ReturnType<typeof claudeCodeAt>>>,
  dir: string,
  opts: InitOptions,
  shown: (p: string) => string,
): Detected {
  const root = cc.project.root ?? dir;
  const loc = `claude-code:${shown(root)}`;
  return {
    kind: 'claude-code',
    what: `the Claude Code project ${root}`,
    agent: opts.agent ?? agentIdFrom(basename(root)),
    store: loc,
    storeNote: `its auto memory: ${shown(cc.project.memoryDir)} (${cc.project.memorySource}), ${cc.files} file(s)`,
    sessions: loc,
    sessionsNote: `its transcripts: ${cc.transcripts} in ${cc.project.transcriptDirs.length} folder(s), worktrees included`,
    extra: [
      '    # Claude Code consolidates memory itself ("Auto Dream"). To let dreamgate do it alone, set',
      '    # "autoDreamEnabled": false in ~/.claude/settings.json; left on, the two take turns: neither writes',
      '    # while the other holds <memory dir>/.consolidate-lock.',
    ],
    dir: root,
  };
}

/** A memory-tool application: its memory directory beside a folder of conversation logs. */
async function memoryToolAt(
  dir: string,
  memory: string,
  opts: InitOptions,
  shown: (p: string) => string,
): Promise<Detected | undefined> {
  for (const c of ['conversations', 'logs', 'sessions', 'transcripts', '.']) {
    const logs = resolve(dir, c);
    const n = await isConversationDir(logs);
    if (n > 0)
      return {
        kind: 'memory-tool',
        what: `the memory-tool application in ${dir}`,
        agent: opts.agent ?? agentIdFrom(basename(dir)),
        store: shown(join(dir, memory)),
        storeNote: 'the memory tool’s directory: /memories/<path> is <this directory>/<path>',
        sessions: `messages:${shown(logs)}`,
        sessionsNote: `${n} conversation log(s), one file per conversation (Messages API messages)`,
        extra: [],
        dir,
      };
  }
  return undefined;
}

/** SPEC form: a store and <sessions>/<agent_id>/<session_id>.jsonl. */
async function specFormAt(
  path: string,
  dir: string,
  memory: string,
  opts: InitOptions,
  shown: (p: string) => string,
): Promise<Detected> {
  const agents = (await readdir(join(dir, 'sessions'), { withFileTypes: true })).filter((e) => e.isDirectory());
  const agent = opts.agent ?? (agents.length === 1 ? agents[0]!.name : undefined);
  if (!agent)
    throw new InvalidInput(
      `init ${path}: sessions/ holds ${agents.length} agents (${agents.map((a) => a.name).join(', ') || 'none'}); name one with --agent`,
    );
  return {
    kind: 'spec',
    what: `the store and sessions in ${dir}`,
    agent,
    store: shown(join(dir, memory)),
    storeNote: 'a directory, one file per memory',
    sessions: shown(join(dir, 'sessions')),
    sessionsNote: `<this directory>/${agent}/<session_id>.jsonl, Managed Agents events`,
    extra: [],
    dir,
  };
}

/** Looks at `path` and says what it is: a Claude Code project, memory-tool logs, SPEC form, or Managed Agents ids. */
export async function detect(path: string, opts: InitOptions, base: string): Promise<Detected> {
  const shown = shownFrom(base);
  if (path.startsWith('anthropic:')) return managedAt(path, opts);
  const dir = resolve(path);
  if (!(await isDir(dir))) throw new InvalidInput(`init ${path}: not a directory`);
  const cc = await claudeCodeAt(dir);
  if (cc) return claudeCodeDetected(cc, dir, opts, shown);
  const memory = (await isDir(join(dir, 'memories')))
    ? 'memories'
    : (await isDir(join(dir, 'memory')))
      ? 'memory'
      : undefined;
  const tool = memory ? await memoryToolAt(dir, memory, opts, shown) : undefined;
  if (tool) return tool;
  if (memory && (await isDir(join(dir, 'sessions')))) return specFormAt(path, dir, memory, opts, shown);
  throw new InvalidInput(
    `init ${path}: found nothing dreamgate knows here: no Claude Code project (transcripts or memory under ${join('~', '.claude', 'projects')}), ` +
      'no memory-tool directory (memories/ beside a folder of conversation logs), no memory/ beside sessions/<agent_id>/; ' +
      'or give anthropic:<memory_store_id> --sessions anthropic:<agent_id>',
  );
}

function git(dir: string, key: string): Promise<string | undefined> {
  return new Promise((r) =>
    execFile('git', ['config', '--get', key], { cwd: dir, timeout: 5_000 }, (err, out) =>
      r(err ? undefined : String(out).trim() || undefined),
    ),
  );
}

/** The reviewer: git's user.email (or user.name) where the agent lives, else the login. */
async function reviewerFor(dir: string | undefined): Promise<{ name: string; from: string }> {
  const at = dir ?? process.cwd();
  const email = await git(at, 'user.email');
  if (email) return { name: email, from: 'git config user.email' };
  const name = await git(at, 'user.name');
  if (name) return { name, from: 'git config user.name' };
  return { name: userInfo().username, from: 'your login (no git config user.email)' };
}

// plain when YAML reads it back as the same string (`claude-code:/a/b` is; `-x`, `~` or `a:` are not), else quoted
const scalar = (v: string) => (/^[\w./~@+:-]+$/.test(v) && !/^[-~:]|:$/.test(v) ? v : JSON.stringify(v));

/** `dreamgate init [path]`: a commented dreamgate.yml for what is at `path`, and the two commands that come next. */
export async function initCommand(path: string | undefined, opts: InitOptions): Promise<void> {
  const out = resolve(opts.out ?? 'dreamgate.yml');
  if (!opts.force && (await exists(out)))
    throw new InvalidInput(`${out} exists: add --force to replace it, or --out <file> to write another`);
  const d = await detect(path ?? '.', opts, dirname(out));
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(d.agent))
    throw new InvalidInput(`--agent ${d.agent}: use letters, digits, ".", "_" and "-" (at most 64)`);
  const reviewer = await reviewerFor(d.dir);
  const answers = await askInit(opts, d.kind === 'claude-code');
  const timezone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  const values: Record<string, string> = {
    date: new Date().toISOString().slice(0, 10),
    what: d.what,
    fleet: scalar(d.agent),
    taskQueue: scalar(fleetTaskQueue({ fleet: d.agent })),
    timezone: scalar(timezone),
    reviewer: scalar(reviewer.name),
    reviewerNote: `from ${reviewer.from}; \`dreamgate approve --as <name>\` or $DREAMGATE_REVIEWER says who you are`,
    agent: scalar(d.agent),
    store: scalar(d.store),
    storeNote: d.storeNote,
    sessions: scalar(d.sessions),
    sessionsNote: d.sessionsNote,
    deriveSessions: d.kind === 'spec' ? ` --sessions ${d.sessions} --agent ${d.agent}` : ` --sessions ${d.sessions}`,
    extra: d.extra.join('\n'),
    notify: notifyLine(answers.notify),
  };
  const template = await readFile(join(projectRoot, 'templates', 'dreamgate.yml.tmpl'), 'utf8');
  const text = template.replace(/\{\{(\w+)\}\}/g, (_, k: string) => values[k] ?? '').replace(/\n+$/, '\n');
  // written beside its place and checked by the loader every command uses before it takes the name
  const tmp = `${out}.${process.pid}.tmp`;
  await writeFile(tmp, text, { mode: 0o644 });
  try {
    await loadFleetConfig(tmp);
    await rename(tmp, out);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }

  const hook: Installed | undefined = answers.hook ? await installHook({ fleet: out, agent: d.agent }) : undefined;
  const fleetFlag = fleetFlagOf(out);
  const next = [`dreamgate run ${d.agent}${fleetFlag}`, `dreamgate schedule apply${fleetFlag}`];
  if (opts.json) {
    printJson({
      file: out,
      kind: d.kind,
      agent: d.agent,
      store: d.store,
      sessions: d.sessions,
      reviewer: reviewer.name,
      ...(answers.notify ? { notify: { format: answers.notify.format } } : {}),
      ...(hook ? { hook: { file: hook.file, command: hook.command } } : {}),
      next,
    });
    return;
  }
  const width = Math.max(...next.map((n) => n.length)) + 2;
  const lines = [
    `wrote ${out} for ${d.what}`,
    `  agent     ${d.agent}`,
    `  store     ${d.store}  (${d.storeNote})`,
    `  sessions  ${d.sessions}  (${d.sessionsNote})`,
    `  reviewer  ${reviewer.name}  (${reviewer.from})`,
    `  notify    ${answers.notify ? `a ${answers.notify.format} webhook (review waits, timeouts)` : 'none: `--notify <webhook URL>` tells reviewers a dream waits'}`,
    ...(hook
      ? [`  hook      ${installedLine(hook)}`]
      : d.kind === 'claude-code'
        ? [
            `  hook      none: \`dreamgate hook install${fleetFlagOf(out)}\` lets Claude Code ask for a dream when a session ends`,
          ]
        : []),
    '',
    'next, with the stack and a worker running (`dreamgate stack up`, then `dreamgate worker` in another terminal):',
    `  ${next[0]!.padEnd(width)} a dream now; it waits for \`dreamgate review ${d.agent}\` and \`dreamgate approve ${d.agent}\``,
    `  ${next[1]!.padEnd(width)} the same every night at 03:00 ${timezone}`,
  ];
  // paths and names come from the file system and git config: shown inert
  process.stdout.write(`${lines.map((l) => safeText(l)).join('\n')}\n\n`);
}

/** `--fleet <file>` for the commands init prints, unless the file is ./dreamgate.yml. */
function fleetFlagOf(out: string): string {
  const rel = relative(process.cwd(), out);
  return out === resolve('dreamgate.yml') ? '' : ` --fleet ${rel.startsWith('..') ? out : rel}`;
}

/** The config's `notify` line: the target given, or a commented example of one. */
function notifyLine(n: WebhookConfig | undefined): string {
  if (!n)
    return '# notify: { url: https://hooks.slack.com/services/…, format: slack } # where reviewers hear that a dream waits';
  return `notify: { url: ${scalar(n.url)}, format: ${n.format} } # reviewers hear a dream waits; owners, a timeout (the URL is a secret)`;
}

/** `dreamgate init`: a commented fleet config for what is at a path. */
export function registerInit(program: Command): void {
  program
    .command('init')
    .description(
      'write a commented dreamgate.yml for what is at <path>: a Claude Code project, a memory-tool directory with conversation logs, a store and sessions in SPEC form, or anthropic:<memory_store_id>',
    )
    .argument('[path]', 'what to dream (default: the current directory)')
    .option('--out <file>', 'where to write the config', 'dreamgate.yml')
    .option('--force', 'replace an existing config')
    .option('--agent <agent_id>', 'the agent id (default: from the folder name)')
    .option('--sessions <sessions>', 'for anthropic:<memory_store_id>: anthropic:<agent_id>')
    .option(
      '--notify <url>',
      'a webhook that hears when a dream waits for review (a Slack incoming webhook, or any URL taking JSON)',
    )
    .option('--notify-format <format>', 'json or slack (default: slack for a chat webhook, else json)')
    .option('--hook', "Claude Code: add a SessionEnd hook to the project's .claude/settings.json (asked on a terminal)")
    .option('--no-hook', 'Claude Code: do not add the hook, and do not ask')
    .option('--json', 'print what was written as JSON')
    .action(initCommand);
}
