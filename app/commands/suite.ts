import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { claudeClient } from '../../src/anthropic/client.js';
import { deriveCases, type DerivedCase } from '../../src/evaluate/derive.js';
import { derivedSuiteYaml } from '../../src/evaluate/deriveYaml.js';
import type { MemoryStore } from '../../src/memory/store.js';
import { parseSessionsLocation, selectSessionsAt, type SessionSelection } from '../../src/sources/sessions.js';
import { InvalidInput } from '../../src/util/errors.js';
import { localStore, resolveLocal } from './dream.js';
import { printJson, progress } from '../output.js';
import type { Command } from 'commander';

export interface DeriveOptions {
  memory: string;
  sessions?: string;
  agent?: string;
  out?: string;
  force?: boolean;
  limit?: string;
  json?: boolean;
}

/** The store and (optionally) the sessions a derived suite is made from, read as `dream` reads them. */
export async function derivationInput(opts: {
  memory: string;
  sessions?: string;
  agent?: string;
  limit?: string;
}): Promise<{ store: MemoryStore; sessions: SessionSelection }> {
  const limit = opts.limit === undefined ? undefined : Number(opts.limit);
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0 && limit <= 1000))
    throw new InvalidInput(`--limit ${opts.limit}: expected a whole number from 1 to 1000`);
  const store = await (await localStore(opts.memory)).adapter.read();
  if (!opts.sessions) return { store, sessions: { sessions: [], invalid: [] } };
  const location = resolveLocal(opts.sessions);
  if (parseSessionsLocation(location).kind === 'local' && !opts.agent)
    throw new InvalidInput(`--sessions ${opts.sessions}: a sessions root in SPEC form needs --agent <agent_id>`);
  const sessions = await selectSessionsAt(location, opts.agent ?? 'agent', limit ? { limit } : {}, {
    claude: () => claudeClient({ maxRetries: 2 }),
  });
  return { store, sessions };
}

export function describeCases(cases: readonly DerivedCase[]): string {
  const count = (k: DerivedCase['kind']) => cases.filter((c) => c.kind === k).length;
  const facts = cases.find((c) => c.kind === 'retention')?.expect.all.length ?? 0;
  return `${facts} fact(s) to retain, ${count('current')} superseded value(s), ${count('used')} file(s) the agent read, ${count('remember')} thing(s) the user asked to remember`;
}

/** `dreamgate suite derive`: the derived suite as YAML (SPEC §3) for a person to read, edit and pin. */
export async function suiteDeriveCommand(opts: DeriveOptions): Promise<void> {
  const out = opts.out ? resolve(opts.out) : undefined;
  if (out && !opts.force && (await stat(out).catch(() => undefined)))
    throw new InvalidInput(`--out ${opts.out}: exists (add --force to replace it)`);
  const { store, sessions } = await derivationInput(opts);
  progress(`deriving from ${store.size} file(s) and ${sessions.sessions.length} session(s)`);
  const cases = await deriveCases(store, sessions.sessions);
  if (opts.json) printJson(cases);
  else {
    const header = [
      ` Derived by dreamgate suite derive from ${opts.memory}${opts.sessions ? ` and ${opts.sessions}` : ''} on ${new Date().toISOString().slice(0, 10)}.`,
      ` ${describeCases(cases)}.`,
      ' Each item asks for one line of the store holding a fact: its values and most of its words. Delete what need',
      ' not be kept, add cases of your own. A cycle derives these cases afresh each night; a suite file runs beside them.',
    ].join('\n');
    const yaml = derivedSuiteYaml(cases, header);
    if (!out) process.stdout.write(yaml);
    else {
      await mkdir(dirname(out), { recursive: true });
      const tmp = `${out}.${process.pid}.tmp`;
      await writeFile(tmp, yaml, { mode: 0o644 });
      await rename(tmp, out);
    }
  }
  progress(`${describeCases(cases)}${out ? `; written to ${out}` : ''}`);
  if (sessions.invalid.length > 0)
    throw new InvalidInput(
      `${sessions.invalid.map((i) => `invalid session left out: ${i.error}`).join('\n')}\n(the suite was derived from the other sessions)`,
    );
}

/** `dreamgate suite derive`: the suite the gate derives when none is written. */
export function registerSuite(program: Command): void {
  program
    .command('suite')
    .description('evaluation suites')
    .command('derive')
    .description(
      'the suite the gate derives when none is written: every fact of the store, superseded values, files the agent read, what users asked it to remember (YAML, SPEC §3)',
    )
    .requiredOption('--memory <store>', 'the store: a directory or claude-code:<project dir>')
    .option(
      '--sessions <sessions>',
      'its sessions: a root, claude-code:<project dir>, messages:<dir> or anthropic:<agent_id>',
    )
    .option('--agent <agent_id>', 'with a sessions root: whose sessions')
    .option('--out <file>', 'write the suite here instead of standard output')
    .option('--force', 'replace an existing --out file')
    .option('--limit <n>', 'at most this many sessions, newest first (default 100)')
    .option('--json', 'print the derived cases as JSON')
    .action(suiteDeriveCommand);
}
