import { Context } from '@temporalio/activity';
import type { ActivityInboundCallsInterceptor, ActivityInterceptorsFactory } from '@temporalio/worker';
import { performance } from 'node:perf_hooks';
import type { DreamgateClient } from '../app/client.js';
import { createWorker } from '../app/worker.js';
import { FleetRegistry } from '../src/config/registry.js';
import type { StackConfig } from '../src/config/stack.js';
import { storageSettings } from '../src/config/storage.js';
import { defaultLimits } from '../src/memory/limits.js';
import { createS3Client, type S3RequestCount } from '../src/s3/client.js';
import { overheadTable } from './report.js';
import { cycleOverhead, warmUp, type OverheadRow } from './servers.js';

/**
 * `npm run bench -- --overhead <files>[,<files>…] [--runs <n>]`: only the cycle-overhead rows, for the store
 * sizes named, and where each cycle's time and S3 requests go, activity by activity (local ones included).
 */

/** The activity an S3 request was sent from (its type, `-` outside any activity). */
function currentActivity(): string {
  try {
    return Context.current().info.activityType;
  } catch {
    return '-';
  }
}

/**
 * Requests by command, as the S3 client counts them, kept apart by the activity that sent them: `get` and
 * `set` of a command name read and write that command's count under the activity running now.
 */
export class RequestsByActivity extends Map<string, number> {
  /** Called with each clear (a new measurement): the activity clock starts again with the counts. */
  onClear?: () => void;

  override clear(): void {
    super.clear();
    this.onClear?.();
  }

  override get(command: string): number | undefined {
    return super.get(`${currentActivity()}\0${command}`);
  }

  override set(command: string, n: number): this {
    return super.set(`${currentActivity()}\0${command}`, n);
  }

  /** Requests by command, whatever the activity. */
  totals(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [k, n] of this.entries()) {
      const command = k.split('\0')[1]!;
      out.set(command, (out.get(command) ?? 0) + n);
    }
    return out;
  }

  /** activity → command → requests. */
  byActivity(): Map<string, Map<string, number>> {
    const out = new Map<string, Map<string, number>>();
    for (const [k, n] of this.entries()) {
      const [activity, command] = k.split('\0') as [string, string];
      const m = out.get(activity) ?? new Map<string, number>();
      out.set(activity, m.set(command, n));
    }
    return out;
  }
}

/** Wall time of each activity the worker runs (local and remote), by type. */
export class ActivityClock {
  readonly spent = new Map<string, { calls: number; ms: number }>();

  readonly interceptor: ActivityInterceptorsFactory = (ctx) => {
    const clock = this.spent;
    const inbound: ActivityInboundCallsInterceptor = {
      async execute(input, next) {
        const t = performance.now();
        try {
          return await next(input);
        } finally {
          const type = `${ctx.info.activityType}${ctx.info.isLocal ? ' (local)' : ''}`;
          const s = clock.get(type) ?? { calls: 0, ms: 0 };
          clock.set(type, { calls: s.calls + 1, ms: s.ms + performance.now() - t });
        }
      },
    };
    return { inbound };
  };

  clear(): void {
    this.spent.clear();
  }
}

/** A table of one cycle: each activity's calls, wall time, and S3 requests by command. */
export function activityTable(clock: ActivityClock, requests: RequestsByActivity): string[] {
  const byActivity = requests.byActivity();
  // the floor's no-op activities run after the cycle: not the cycle's
  const rows = [...clock.spent.entries()]
    .filter(([type]) => !type.startsWith('noop'))
    .sort((a, b) => b[1].ms - a[1].ms);
  const cell = (m?: Map<string, number>) =>
    m
      ? [...m.entries()]
          .sort((a, b) => b[1] - a[1])
          .map(([c, n]) => `${c} ${n}`)
          .join(', ')
      : '';
  return [
    '| activity | calls | wall time | S3 requests |',
    '| --- | --- | --- | --- |',
    ...rows.map(
      ([type, s]) =>
        `| ${type} | ${s.calls} | ${s.ms.toFixed(1)} ms | ${cell(byActivity.get(type.replace(/ \(local\)$/, '')))} |`,
    ),
    ...(byActivity.has('-') ? [`| (outside activities) | | | ${cell(byActivity.get('-'))} |`] : []),
  ];
}

/** The store sizes `--overhead` knows: any number of files of about 1 KB, within the agent's file limit. */
const shapeOf = (files: number) =>
  files > defaultLimits.maxFiles ? { details: 15, limits: { ...defaultLimits, maxFiles: files } } : {};

/** Runs the cycle-overhead rows only, each with its activity table printed after it. */
export async function overheadOnly(
  cfg: StackConfig,
  c0: DreamgateClient,
  sizes: number[],
  runs: number,
  print: (line: string) => void,
): Promise<OverheadRow[]> {
  const storage = storageSettings(cfg);
  const s3 = createS3Client(storage);
  const requests = new RequestsByActivity();
  const clock = new ActivityClock();
  const taskQueue = `bench-overhead-${process.pid}`;
  const w = await createWorker(
    cfg,
    {
      taskQueue,
      maxConcurrentActivityTaskExecutions: 20,
      maxConcurrentWorkflowTaskExecutions: 20,
      interceptors: { activity: [clock.interceptor] },
    },
    { fleets: new FleetRegistry(), s3Requests: requests as S3RequestCount },
  );
  requests.onClear = () => clock.clear();
  const running = w.worker.run();
  const client = { ...c0, temporal: { ...c0.temporal, taskQueue, sharedQueue: true } };
  const rows: OverheadRow[] = [];
  try {
    await warmUp(client, w.fleets, s3, storage.snapshotsBucket);
    for (const files of sizes) {
      print(`cycle overhead: ${files} files (${runs} run(s))…`);
      // the activity table is of the last run (each run clears the counts before its cycle)
      const row = await cycleOverhead(
        client,
        w.fleets,
        s3,
        storage.snapshotsBucket,
        files,
        runs,
        shapeOf(files),
        requests,
      );
      rows.push({ ...row, s3Requests: Object.fromEntries(requests.totals()) });
      print(`\n${files} files: where the cycle's time and requests go (last run)\n`);
      print(activityTable(clock, requests).join('\n'));
    }
    print(`\n${overheadTable(rows, false).join('\n')}\n`);
    return rows;
  } finally {
    w.worker.shutdown();
    await running;
    await w.close();
    s3.destroy();
  }
}
