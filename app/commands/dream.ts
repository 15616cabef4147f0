import { cp, mkdir, readdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { claudeClient } from '../../src/anthropic/client.js';
import { ClaudeDreamer, claudeDefaults } from '../../src/dream/claude/dreamer.js';
import { HeuristicDreamer } from '../../src/dream/heuristic.js';
import { runDream } from '../../src/dream/run.js';
import type { DreamResult, Dreamer } from '../../src/dream/dreamer.js';
import { renderChangeSet } from '../../src/memory/diff.js';
import { sessionNamer } from '../../src/sessions/labels.js';
import { summarize } from '../../src/memory/changeSet.js';
import { acceptSuggestions } from '../../src/dream/tiers.js';
import { ClaudeCodeStore } from '../../src/claudeCode/store.js';
import { LocalDirStore } from '../../src/memory/localDir.js';
import { reconciled, type StoreAdapter } from '../../src/memory/adapter.js';
import { misreadSessionsRoot, selectSessionsAt } from '../../src/sources/sessions.js';
import { InvalidInput } from '../../src/util/errors.js';
import { colours, printJson } from '../output.js';
import type { Command } from 'commander';

export interface DreamOptions {
  memory: string;
  sessions: string;
  agent: string;
  out: string;
  dreamer: string;
  json?: boolean;
  since?: string;
  limit?: string;
  model?: string;
  maxCostUsd?: string;
  /** `suggested`: --out gets the suggested tier too. */
  accept?: string;
}

export const dreamers: Record<string, (opts: DreamOptions) => Dreamer> = {
  heuristic: () => new HeuristicDreamer(),
  claude: (opts) => {
    const maxCostUsd = opts.maxCostUsd === undefined ? claudeDefaults.budget.maxCostUsd : Number(opts.maxCostUsd);
    if (!(Number.isFinite(maxCostUsd) && maxCostUsd > 0))
      throw new InvalidInput(`--max-cost-usd ${opts.maxCostUsd}: expected a positive number of US dollars`);
    return new ClaudeDreamer(claudeClient({ maxRetries: 2 }), {
      ...claudeDefaults,
      model: opts.model ?? process.env.DREAMGATE_CLAUDE_MODEL ?? claudeDefaults.model,
      budget: { ...claudeDefaults.budget, maxCostUsd },
    });
  },
};

async function checkOut(out: string, memory: string): Promise<void> {
  const rel = relative(memory, out);
  if (rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))) {
    throw new InvalidInput(`--out ${out}: must not be the memory directory or inside it (the input is never modified)`);
  }
  const st = await stat(out).catch(() => undefined);
  if (!st) return;
  if (!st.isDirectory()) throw new InvalidInput(`--out ${out}: exists and is not a directory`);
  if ((await readdir(out)).length > 0) throw new InvalidInput(`--out ${out}: directory is not empty`);
}

/**
 * Copies what is in the memory directory but not memory (dot files and folders such as `.clinerules`), byte
 * for byte, so `--out` can replace the directory as it is. A `.git` folder is history, not the store: left out.
 */
async function copyDotEntries(memory: string, to: string): Promise<string[]> {
  const copied: string[] = [];
  const walk = async (dir: string, rel: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const path = join(rel, e.name);
      if (e.name.startsWith('.')) {
        if (e.name === '.git') continue;
        await mkdir(join(to, rel), { recursive: true });
        await cp(join(dir, e.name), join(to, path), { recursive: true, verbatimSymlinks: true });
        copied.push(path);
      } else if (e.isDirectory()) await walk(join(dir, e.name), path);
    }
  };
  await walk(memory, '');
  return copied;
}

/** Writes the whole store to a hidden sibling, then renames it into place: --out is complete or absent. */
async function writeOut(result: DreamResult, out: string, memory: string): Promise<string[]> {
  const tmp = join(dirname(out), `.${basename(out)}.dreamgate-${randomBytes(4).toString('hex')}`);
  try {
    await new LocalDirStore(tmp).replaceAll(result.store);
    const dotted = await copyDotEntries(memory, tmp);
    await rmdir(out).catch(() => undefined); // checked empty before the dream
    await mkdir(dirname(out), { recursive: true });
    await rename(tmp, out);
    return dotted;
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

/** A local directory or a `claude-code:` store, and the directory it lives in (never written by `dream`). */
export async function localStore(location: string): Promise<{ adapter: StoreAdapter; dir: string }> {
  if (location.startsWith('claude-code:')) {
    const adapter = new ClaudeCodeStore(location.slice('claude-code:'.length));
    return { adapter, dir: (await adapter.project()).memoryDir };
  }
  if (/^[a-z][a-z0-9+.-]+:/i.test(location))
    throw new InvalidInput(
      `--memory ${location}: a local dream reads a directory or claude-code:<project dir> (s3:// and anthropic: stores dream in a cycle)`,
    );
  const dir = resolve(location);
  return { adapter: new LocalDirStore(dir), dir };
}

/** Sessions locations with a path (a directory, `claude-code:`, `messages:`) resolved against the working directory. */
export function resolveLocal(location: string): string {
  const m = /^(claude-code|messages):(.*)$/.exec(location);
  if (m) return `${m[1]}:${m[2]!.startsWith('~') ? m[2] : resolve(m[2]!)}`;
  return /^[a-z][a-z0-9+.-]+:/i.test(location) ? location : resolve(location);
}

export async function dreamCommand(opts: DreamOptions): Promise<void> {
  const make = dreamers[opts.dreamer];
  if (!make)
    throw new InvalidInput(
      `--dreamer ${opts.dreamer}: unknown dreamer (available: ${Object.keys(dreamers).join(', ')})`,
    );
  const since = opts.since === undefined ? undefined : Date.parse(opts.since);
  if (since !== undefined && Number.isNaN(since))
    throw new InvalidInput(`--since ${opts.since}: not a date (use RFC 3339, e.g. 2026-11-01T00:00:00Z)`);
  if (opts.accept !== undefined && opts.accept !== 'suggested')
    throw new InvalidInput(
      `--accept ${opts.accept}: the only tier to accept is "suggested" (the applied tier always is)`,
    );
  const limit = opts.limit === undefined ? undefined : Number(opts.limit);
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0 && limit <= 1000))
    throw new InvalidInput(`--limit ${opts.limit}: expected a whole number from 1 to 1000`);
  const { adapter, dir: memory } = await localStore(opts.memory);
  const out = resolve(opts.out);
  await checkOut(out, memory);
  const dreamer = make(opts);

  const misread = await misreadSessionsRoot(resolveLocal(opts.sessions), opts.agent);
  if (misread) throw new InvalidInput(misread);
  const store = await adapter.read();
  const sessions = await selectSessionsAt(
    resolveLocal(opts.sessions),
    opts.agent,
    { ...(since !== undefined ? { since } : {}), ...(limit ? { limit } : {}) },
    { claude: () => claudeClient({ maxRetries: 2 }) },
  );
  const dreamed = await runDream(dreamer, { agentId: opts.agent, snapshotId: null, store, sessions });
  const reconciledResult = reconciled(adapter, store, dreamed);
  // --accept suggested: what a reviewer who accepts every suggestion promotes (the change set printed says so)
  const result = opts.accept
    ? (({ candidate, changeSet }) => ({ store: candidate, changeSet }))(
        acceptSuggestions(reconciledResult.changeSet, store, 'all'),
      )
    : reconciledResult;
  const dotted = await writeOut(result, out, memory);

  if (opts.json) printJson(result.changeSet);
  else {
    const c = colours();
    process.stdout.write(renderChangeSet(result.changeSet, store, c, sessionNamer(result.changeSet)));
    const s = summarize(result.changeSet);
    process.stdout.write(
      `${c.bold('summary')}: ${Object.entries(s)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}; ${sessions.sessions.length} session(s) read; wrote ${result.store.size} file(s) to ${out}${
        result.store.skipped.size > 0 ? ` (and ${result.store.skipped.size} skipped file(s) as they were)` : ''
      }${dotted.length > 0 ? `; copied ${dotted.join(', ')} (not memory) as it is` : ''}\n`,
    );
    if (s.suggested)
      process.stdout.write(
        `${s.suggested} suggestion(s) left out of ${out}; --accept suggested writes them too, as a reviewer who accepts every one\n`,
      );
  }
  if (sessions.invalid.length > 0) {
    const lines = sessions.invalid.map((i) => `invalid session left out: ${i.error}`);
    throw new InvalidInput(`${lines.join('\n')}\n(the other sessions were dreamed; the output in ${out} is complete)`);
  }
}

/** `dreamgate dream`: one dream on local files, without Temporal or S3. */
export function registerDream(program: Command): void {
  program
    .command('dream')
    .description(
      'run one dream locally, without Temporal or S3: read a store and sessions, write the consolidated store',
    )
    .requiredOption(
      '--memory <store>',
      'the memory store to read (never modified): a directory or claude-code:<project dir>',
    )
    .requiredOption(
      '--sessions <sessions>',
      'the sessions: a root <dir>/<agent_id>/<session_id>.jsonl, claude-code:<project dir>, messages:<dir> or anthropic:<agent_id>',
    )
    .requiredOption('--agent <agent_id>', 'whose sessions to read (the folder under a sessions root)')
    .requiredOption('--out <dir>', 'where to write the consolidated store (new or empty directory)')
    .option('--dreamer <name>', 'heuristic (offline, deterministic) or claude (needs ANTHROPIC_API_KEY)', 'heuristic')
    .option('--model <id>', 'claude: the model (default $DREAMGATE_CLAUDE_MODEL or claude-sonnet-5-5)')
    .option('--max-cost-usd <n>', 'claude: stop before the dream could cost more than this (default 5)')
    .option('--since <time>', 'only sessions that ended after this RFC 3339 time')
    .option('--limit <n>', 'at most this many sessions, newest first (default 100)')
    .option(
      '--accept <tier>',
      'suggested: write the suggested tier to --out too, as a reviewer who accepts every suggestion (default: the applied tier only)',
    )
    .option('--json', 'print the change set as JSON instead of a diff')
    .action(dreamCommand);
}
