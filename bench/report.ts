import { readFile, writeFile } from 'node:fs/promises';
import { cpus, platform, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../src/util/paths.js';
import { eventsLine } from './history.js';
import type { LocalDreamRow } from './localDream.js';
import type { QualityFigures } from './quality.js';
import type { ScreeningFigures } from './screening.js';
import type { FleetRow, OverheadRow, SnapshotRow } from './servers.js';

export interface Machine {
  date: string;
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
}

export function machineInfo(): Machine {
  return {
    date: new Date().toISOString(),
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${platform()} ${release()}`,
    node: process.version,
  };
}

export const machineLine = (m: Machine) => `${m.cores} × ${m.cpu}, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}`;

/** Replaces the README's block between `<!-- <tag>:start -->` and `<!-- <tag>:end -->`, formatted as the README is. */
export async function rewriteReadmeBlock(tag: string, body: string): Promise<void> {
  const readme = join(projectRoot, 'README.md');
  const text = await readFile(readme, 'utf8');
  const pattern = new RegExp(`<!-- ${tag}:start -->[\\s\\S]*<!-- ${tag}:end -->`);
  if (!pattern.test(text)) throw new Error(`README.md has no <!-- ${tag}:start --> … <!-- ${tag}:end --> block`);
  const prettier = await import('prettier');
  const formatted = await prettier.format(
    text.replace(pattern, () => `<!-- ${tag}:start -->\n${body}\n<!-- ${tag}:end -->`),
    { ...((await prettier.resolveConfig(readme)) ?? {}), filepath: readme },
  );
  await writeFile(readme, formatted);
}

const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(1)} %`);
const f1 = (x: number) => x.toFixed(1);

export function qualityTable(q: QualityFigures[]): string[] {
  const rows = [
    ['current-fact recall', (r: QualityFigures) => pct(r.currentFactRecall)],
    ['stale-fact residue', (r: QualityFigures) => pct(r.staleFactResidue)],
    ['rare facts lost (must be 0)', (r: QualityFigures) => String(r.rareFactLoss)],
    [
      'rare facts held in quarantine (a flagged session wrote them)',
      (r: QualityFigures) => String(r.rareFactsQuarantined),
    ],
    ['dedup precision', (r: QualityFigures) => pct(r.dedupPrecision)],
    ['dedup recall', (r: QualityFigures) => pct(r.dedupRecall)],
    ['lessons precision', (r: QualityFigures) => pct(r.lessonPrecision)],
    ['lessons recall', (r: QualityFigures) => pct(r.lessonRecall)],
    ['injections persisted (must be 0)', (r: QualityFigures) => String(r.injectionsPersisted)],
    ['secrets leaked (must be 0)', (r: QualityFigures) => String(r.secretsLeaked)],
    ['store size per agent (bytes)', (r: QualityFigures) => String(r.storeBytes)],
  ] as const;
  return [
    `| quality: ${q[0]!.agents} agents × ${q[0]!.cycles} nightly cycles | ${q.map((r) => r.strategy).join(' | ')} |`,
    `| --- | ${q.map(() => '---').join(' | ')} |`,
    ...rows.map(([name, fn]) => `| ${name} | ${q.map(fn).join(' | ')} |`),
  ];
}

/** A cycle's S3 requests as `PUT / GET / other` (the worker's own count, by command). */
function requestsCell(r: Record<string, number> | undefined): string {
  if (!r) return '';
  const put = r.PutObject ?? 0;
  const get = r.GetObject ?? 0;
  const all = Object.values(r).reduce((a, b) => a + b, 0);
  return `${put} / ${get} / ${all - put - get}`;
}

export function overheadTable(rows: OverheadRow[], median: boolean): string[] {
  const mb = (b: number) => (b >= 1_000_000 ? `, ${(b / 1e6).toFixed(1)} MB` : '');
  const first = rows[0];
  return [
    `| cycle overhead (heuristic, end to end${median ? ', median of 3' : ''}) | cycle | floor (no-op activities + raw upload/download) | ratio | activities (remote + local) | history events | S3 requests (PUT / GET / other) |`,
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (o) =>
        `| ${o.files} files${mb(o.bytes)} | ${f1(o.cycleMs)} ms | ${f1(o.floorMs)} ms | ${o.ratio.toFixed(2)}× | ${o.activities} + ${o.localActivities} | ${o.historyEvents} | ${requestsCell(o.s3Requests)} |`,
    ),
    ...(first
      ? ['', `Where a kept cycle's ${first.historyEvents} history events go: ${eventsLine(first.events)}.`]
      : []),
  ];
}

export function snapshotTable(
  files: number,
  s: { rows: SnapshotRow[]; restoreMs: number; rawDownloadMs: number; restoreRatio: number },
): string[] {
  return [
    `| snapshot of ${files} files, after … changed | PUT requests | bytes written | store bytes | written / store |`,
    '| --- | --- | --- | --- | --- |',
    ...s.rows.map(
      (r) => `| ${r.changed} | ${r.putRequests} | ${r.bytesWritten} | ${r.storeBytes} | ${r.bytesRatio.toFixed(3)} |`,
    ),
    `| restore vs raw parallel download | ${f1(s.restoreMs)} ms | ${f1(s.rawDownloadMs)} ms | | ${s.restoreRatio.toFixed(2)}× |`,
  ];
}

export function fleetTable(fleets: FleetRow[]): string[] {
  return [
    '| fleet run (in the benchmark’s process, 20 at a time) | seconds | cycles / minute | history events / cycle | outcomes |',
    '| --- | --- | --- | --- | --- |',
    ...fleets.map(
      (f) =>
        `| ${f.agents} agents | ${f1(f.seconds)} | ${f1(f.cyclesPerMinute)} | ${f1(f.historyEventsPerCycle)} | ${Object.entries(
          f.outcomes,
        )
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')} |`,
    ),
  ];
}

export function screeningTable(screening: ScreeningFigures[]): string[] {
  return [
    '| screening (injection detectors + secret redaction), 1 MB | ms | MB/s | × ordinary |',
    '| --- | --- | --- | --- |',
    ...screening.map((r) => `| ${r.input} | ${f1(r.ms)} | ${f1(r.mbPerSecond)} | ${r.ratio.toFixed(2)}× |`),
  ];
}

export function memoryTable(sessions: number, memory: { dreamMb: number; idleMb: number }): string[] {
  return [
    `| memory | peak RSS |`,
    '| --- | --- |',
    `| dreaming ${sessions} sessions of ~1 MB | ${f1(memory.dreamMb)} MB |`,
    `| the same process, idle (baseline) | ${f1(memory.idleMb)} MB |`,
  ];
}

export function localDreamTable(r: LocalDreamRow, runs: number): string[] {
  return [
    `| a real-shaped store dreamed locally (heuristic${runs > 1 ? `, median of ${runs}` : ''}) | dream | floor (read + parse) | ratio | dreamed again (warm caches) |`,
    '| --- | --- | --- | --- | --- |',
    `| ${Math.round(r.bytes / 1024)} KB, ${r.files} files, ${r.sessions} sessions (${r.changes} changes) | ${f1(r.dreamMs)} ms | ${f1(r.floorMs)} ms | ${r.ratio.toFixed(2)}× | ${f1(r.warmMs)} ms |`,
  ];
}
