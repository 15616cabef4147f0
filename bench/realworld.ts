/**
 * `npm run bench -- --realworld <dir>`: what the offline dreamer does to real agents' memory. `<dir>` holds one
 * folder per store: `memory/` (SPEC §1), `sessions/<agent>/*.jsonl` (SPEC §2) and, optionally, `expect.json`
 * (bench/realworldExpect.ts). Each store is dreamed the way a user dreams it, through the `dream` command: with
 * no sessions (nothing new to learn: little should change), with its sessions (`--out` as it is: the applied
 * tier), and with `--accept suggested` when the change set has a suggested tier. The outputs are measured by
 * checks of the benchmark's own (bench/realworldChecks.ts) and against expect.json (bench/realworldScore.ts).
 */
import { mkdir, mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dreamCommand, type DreamOptions } from '../app/commands/dream.js';
import type { ChangeSet } from '../src/memory/changeSet.js';
import { renderChangeSet } from '../src/memory/diff.js';
import { LocalDirStore } from '../src/memory/localDir.js';
import type { MemoryStore } from '../src/memory/store.js';
import { redactStore } from '../src/dream/prepare.js';
import { selectSessions } from '../src/sources/sessions.js';
import { InvalidInput, errorMessage } from '../src/util/errors.js';
import { churn, lostLines, nonBlank, structureBreaks, type Files } from './realworldChecks.js';
import { readExpect, type Expect } from './realworldExpect.js';
import { looseChangeSet, scoreTruth, type DreamOutput, type TruthFigures } from './realworldScore.js';
import { sessionLines } from './realworldRedactions.js';

export interface DreamFigures {
  churn: { lines: number; share: number };
  structureBreaks: string[];
  linesLost: string[];
  quarantined: string[];
  held: number;
  redactions: number;
  superseded: number;
  duplicatesRemoved: number;
  findings: number;
  tiers: { applied: number; suggested: number };
}

export interface StoreFigures {
  store: string;
  agent: string;
  files: number;
  lines: number;
  bytes: number;
  sessions: number;
  invalidSessions: string[];
  seconds: number;
  empty: DreamFigures;
  withSessions: DreamFigures;
  truth?: TruthFigures;
}

const filesOf = (store: MemoryStore): Files => new Map(store.files);

/** Runs `dream --json` in this process and returns what it printed; an invalid session is reported, not fatal. */
async function dreamOnce(opts: DreamOptions & { accept?: string }): Promise<{ json: string; invalid?: string }> {
  const write = process.stdout.write.bind(process.stdout);
  let json = '';
  process.stdout.write = ((chunk: string | Uint8Array) => {
    json += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  }) as typeof process.stdout.write;
  try {
    await dreamCommand(opts);
    return { json };
  } catch (err) {
    if (err instanceof InvalidInput && json.trim().startsWith('{')) return { json, invalid: errorMessage(err) };
    throw err;
  } finally {
    process.stdout.write = write;
  }
}

async function dream(
  input: MemoryStore,
  opts: DreamOptions & { accept?: string },
): Promise<DreamOutput & { store: MemoryStore; invalid?: string }> {
  const { json, invalid } = await dreamOnce(opts);
  const changeSet = looseChangeSet.parse(JSON.parse(json));
  const store = await new LocalDirStore(opts.out).read();
  const text = renderChangeSet(changeSet as unknown as ChangeSet, input);
  return { files: filesOf(store), changeSet, text, store, ...(invalid ? { invalid } : {}) };
}

async function dreamFigures(
  input: MemoryStore,
  redacted: Files,
  out: DreamOutput & { store: MemoryStore },
): Promise<DreamFigures> {
  const cs = out.changeSet;
  const explained = new Set([
    ...cs.quarantined.flatMap((q) => q.removed_lines.map((r) => r.line.trim())),
    ...cs.held.flatMap((h) => (h.line ? [h.line.trim()] : [])),
  ]);
  const skippedChanged = [...input.skipped.keys()].filter((p) => out.store.fileHash(p) !== input.fileHash(p));
  // a move to /archive/ is a superseded line; any other move, a duplicate that went to its surviving copy
  const moves = cs.changes.flatMap((c) => c.moved ?? []);
  return {
    // measured against the input with its secrets redacted: a redaction is neither churn nor damage
    churn: churn(redacted, out.files),
    structureBreaks: structureBreaks(redacted, out.files, explained, skippedChanged),
    linesLost: lostLines(redacted, out.files, explained),
    quarantined: cs.quarantined.map((q) => q.session_id),
    held: cs.held.length,
    redactions: cs.redactions.filter((r) => r.where.startsWith('/')).reduce((n, r) => n + r.count, 0),
    superseded: moves.filter((m) => m.to.path.startsWith('/archive/')).length,
    duplicatesRemoved: moves.filter((m) => !m.to.path.startsWith('/archive/') && m.to.path !== m.from.path).length,
    findings: cs.findings.length,
    tiers: {
      applied: cs.changes.filter((c) => (c.tier ?? 'applied') === 'applied').length,
      suggested: cs.changes.filter((c) => c.tier === 'suggested').length,
    },
  };
}

/** Dreams one store three ways and measures it. */
async function scoreStore(dir: string, name: string, work: string): Promise<StoreFigures> {
  const started = Date.now();
  const root = join(dir, name);
  const expectFile = join(root, 'expect.json');
  const expect: Expect | undefined = (await stat(expectFile).catch(() => undefined))
    ? await readExpect(expectFile)
    : undefined;
  const sessionsRoot = join(root, 'sessions');
  const agents = (await readdir(sessionsRoot, { withFileTypes: true }).catch(() => []))
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const agent = expect?.agent ?? agents[0] ?? 'agent';
  const input = await new LocalDirStore(join(root, 'memory')).read();
  // the input as a dream redacts it (a secret's other copies too, and those a session's user handed over)
  const redactedWith = async (handed: ReadonlySet<string>): Promise<Files> =>
    new Map([...(await redactStore(input.files, handed))].map(([p, r]) => [p, r.text] as const));
  const handed = agents.includes(agent)
    ? new Set((await selectSessions(sessionsRoot, agent)).sessions.flatMap((s) => s.handed))
    : new Set<string>();
  const noSessions = join(work, name, 'no-sessions');
  await mkdir(join(noSessions, agent), { recursive: true });
  const base = { memory: join(root, 'memory'), agent, dreamer: 'heuristic', json: true };
  const empty = await dream(input, { ...base, sessions: noSessions, out: join(work, name, 'empty') });
  const applied = await dream(input, { ...base, sessions: sessionsRoot, out: join(work, name, 'applied') });
  // `--accept suggested` adds the suggested tier and nothing else: with none, its output is the applied one
  const accepted = applied.changeSet.changes.some((c) => c.tier === 'suggested')
    ? await dream(input, { ...base, sessions: sessionsRoot, out: join(work, name, 'accepted'), accept: 'suggested' })
    : applied;
  const sessions = (await readdir(join(sessionsRoot, agent)).catch(() => [])).filter((f) => f.endsWith('.jsonl'));
  await rm(join(work, name), { recursive: true, force: true });
  const sources = [
    ...[...input.files.values()].flatMap((t) => t.split('\n')),
    ...(await Promise.all(sessions.map((f) => readFile(join(sessionsRoot, agent, f), 'utf8')))).flatMap(sessionLines),
  ];
  return {
    store: name,
    agent,
    files: input.size,
    lines: [...input.files.values()].reduce((n, t) => n + nonBlank(t).length, 0),
    bytes: [...input.files.values()].reduce((n, t) => n + Buffer.byteLength(t), 0),
    sessions: sessions.length,
    invalidSessions: applied.invalid ? [applied.invalid] : [],
    seconds: (Date.now() - started) / 1000,
    empty: await dreamFigures(input, await redactedWith(new Set()), empty),
    withSessions: await dreamFigures(input, await redactedWith(handed), applied),
    ...(expect
      ? {
          truth: scoreTruth(expect, {
            input: filesOf(input),
            sessions: sessions.length,
            empty,
            applied,
            accepted,
            sources,
          }),
        }
      : {}),
  };
}

/**
 * Every `<dir>/<store>/` with a `memory/` folder, in name order (a symbolic link to a store counts, so a selection
 * of stores can be a folder of links); anything else in `<dir>` is passed over.
 */
export async function realworldBenchmark(dir: string, log: (line: string) => void = () => {}): Promise<StoreFigures[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((err: unknown) => {
    throw new InvalidInput(`--realworld ${dir}: cannot read the directory (${errorMessage(err)})`);
  });
  const stores: string[] = [];
  for (const e of entries
    .filter((e) => e.isDirectory() || e.isSymbolicLink())
    .sort((a, b) => a.name.localeCompare(b.name)))
    if ((await stat(join(dir, e.name, 'memory')).catch(() => undefined))?.isDirectory()) stores.push(e.name);
  if (stores.length === 0)
    throw new InvalidInput(
      `--realworld ${dir}: no store in it (expected <store>/memory/ and <store>/sessions/<agent>/)`,
    );
  const work = await mkdtemp(join(tmpdir(), 'dg-realworld-'));
  try {
    const out: StoreFigures[] = [];
    for (const [i, name] of stores.entries()) {
      log(`realworld ${i + 1}/${stores.length}: ${name}…`);
      out.push(await scoreStore(dir, name, work));
    }
    return out;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
