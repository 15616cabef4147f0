import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parse as parseYaml } from 'yaml';
import { HeuristicDreamer } from '../src/dream/heuristic.js';
import { documentKind, parseMarkdownTree } from '../src/dream/markdown.js';
import { runDream } from '../src/dream/run.js';
import { LocalDirStore } from '../src/memory/localDir.js';
import { selectSessions } from '../src/sources/sessions.js';
import { clearBlobCaches } from '../src/util/blobCache.js';
import { realShapedStore } from './realShaped.js';

export interface LocalDreamRow {
  bytes: number;
  files: number;
  sessions: number;
  /** Read the store and sessions, dream (heuristic): what `dreamgate dream` does before it writes. */
  dreamMs: number;
  /** The same store dreamed again by the same process: the next night of a worker, its per-blob caches warm. */
  warmMs: number;
  /** Read the same store and parse each file (remark for markdown, JSON, YAML): nothing less could dream it. */
  floorMs: number;
  ratio: number;
  changes: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** The floor: the store read from disk and every file parsed once. */
async function readAndParse(memory: string): Promise<void> {
  const store = await new LocalDirStore(memory).read();
  for (const [path, content] of store.files) {
    const kind = documentKind(path);
    if (kind === 'markdown') parseMarkdownTree(content);
    else if (kind === 'yaml') parseYaml(content);
    else if (kind === 'json') JSON.parse(content);
  }
}

/**
 * A real-shaped store of about `kb` KB (bench/realShaped.ts) dreamed locally by the offline dreamer, against
 * the same store's plain read and parse; the median of `runs` of each, every run on cold caches, and of the
 * same store dreamed again right after (a worker's next night: unchanged files are parsed and redacted already).
 */
export async function localDream(kb: number, runs = 3): Promise<LocalDreamRow> {
  const dir = await mkdtemp(join(tmpdir(), 'dg-bench-local-'));
  const agent = 'shaped';
  try {
    const bytes = await realShapedStore(dir, agent, kb);
    const memory = join(dir, 'memory');
    const dreams: number[] = [];
    const warm: number[] = [];
    const floors: number[] = [];
    let last = { files: 0, sessions: 0, changes: 0 };
    for (let i = 0; i < runs; i++) {
      clearBlobCaches();
      const t = performance.now();
      await readAndParse(memory);
      floors.push(performance.now() - t);
      clearBlobCaches();
      const dream = async () => {
        const t0 = performance.now();
        const store = await new LocalDirStore(memory).read();
        const sessions = await selectSessions(join(dir, 'sessions'), agent, {});
        const r = await runDream(new HeuristicDreamer(), { agentId: agent, snapshotId: null, store, sessions });
        last = { files: store.size, sessions: sessions.sessions.length, changes: r.changeSet.changes.length };
        return performance.now() - t0;
      };
      dreams.push(await dream());
      warm.push(await dream());
    }
    const [dreamMs, floorMs] = [median(dreams), median(floors)];
    return { bytes, ...last, dreamMs, warmMs: median(warm), floorMs, ratio: dreamMs / floorMs };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
