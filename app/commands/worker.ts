import { Option, type Command } from 'commander';
import { loadStackConfig } from '../../src/config/stack.js';
import { describeTuning, hasWorkerNodeFlags, parseTuning, workerNodeFlags } from '../../src/config/tuning.js';
import { connectClient, runProof } from '../client.js';
import { printJson, progress } from '../output.js';
import { stackOption } from './options.js';
import { workerKeyCommand } from './workerKey.js';
import { shortId } from '../../src/names/ids.js';

type WorkerOptions = {
  stack?: string;
  metrics?: string;
  tracing?: boolean;
  fleet?: string[];
  fleetSha256?: string;
} & Record<'maxActivities' | 'maxWorkflowTasks' | 'targetCpu', string | undefined>;

/** `dreamgate worker`: serves the fleets it is given until interrupted. */
async function workerCommand(opts: WorkerOptions): Promise<void> {
  const cfg = await loadStackConfig(opts.stack);
  const tuning = parseTuning(opts);
  // the worker SDK and OpenTelemetry load here, not when any other command (or `--help`) starts
  const { installRuntime, observabilitySettings } = await import('../observability.js');
  const { createWorker } = await import('../worker.js');
  const observability = observabilitySettings(opts);
  const { tracing } = await installRuntime(observability);
  const fleets = { sources: opts.fleet ?? [], ...(opts.fleetSha256 ? { sha256: opts.fleetSha256 } : {}) };
  const w = await createWorker(cfg, {}, { fleets, tuning, ...(tracing ? { tracing } : {}) });
  for (const f of w.fleets.fleets())
    progress(`serving fleet ${f} (configuration ${shortId(w.fleets.current(f).sha256)}, ${w.fleets.current(f).file})`);
  const queues = w.worker.queues.map((q) => `"${q}"`).join(', ');
  progress(
    `worker polling task queue(s) ${queues} on namespace ${w.worker.options.namespace}${describeTuning(tuning)}`,
  );
  if (!hasWorkerNodeFlags())
    progress(
      `V8's default young generation: NODE_OPTIONS=${workerNodeFlags.join(' ')} takes about a third less CPU per dream`,
    );
  if (observability.metrics) progress(`metrics: http://${observability.metrics}/metrics`);
  if (tracing)
    progress(
      `tracing: OTLP/HTTP to ${process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? process.env.OTEL_EXPORTER_OTLP_ENDPOINT ?? 'http://localhost:4318'}`,
    );
  try {
    await w.worker.run();
  } finally {
    await w.close();
  }
}

/** `dreamgate proof`: the wiring proof, a workflow whose activity writes to the versioned bucket. */
async function proofCommand(opts: { stack?: string; message: string; json?: boolean }): Promise<void> {
  const cfg = await loadStackConfig(opts.stack);
  const client = await connectClient(cfg);
  try {
    const run = await runProof(client, opts.message, undefined, progress);
    if (opts.json) printJson(run);
    else
      process.stdout.write(
        `wrote s3://${run.object.bucket}/${run.object.key} version ${run.object.versionId}\n${run.url}\n`,
      );
  } finally {
    await client.close();
  }
}

/** `dreamgate worker`, `worker-key` and `proof`: running and keying the workers. */
export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description(
      'run a dreamgate worker until interrupted (Ctrl-C drains and stops it); it runs only the fleets it is given',
    )
    .addOption(stackOption)
    .addOption(
      new Option(
        '--metrics <host:port>',
        "serve Prometheus metrics at http://<host:port>/metrics: the SDK's and dreamgate_* (off by default)",
      ).env('DREAMGATE_METRICS_ADDRESS'),
    )
    .option('--tracing', 'OpenTelemetry traces over OTLP/HTTP to $OTEL_EXPORTER_OTLP_ENDPOINT (or DREAMGATE_TRACING=1)')
    .addOption(
      new Option(
        '--fleet <source...>',
        'fleet configs this worker serves: files (read again when they change) or s3://bucket/key#sha256=<hex> (default $DREAMGATE_FLEET or ./dreamgate.yml)',
      ),
    )
    .option('--fleet-sha256 <hex>', 'the sha256 an S3 fleet config must have')
    .option(
      '--max-activities <n>',
      'activities it runs at once: dreams, evaluations, snapshots… (default 100; $DREAMGATE_MAX_ACTIVITIES)',
    )
    .option('--max-workflow-tasks <n>', 'workflow tasks it runs at once (default 40; $DREAMGATE_MAX_WORKFLOW_TASKS)')
    .option(
      '--target-cpu <fraction>',
      "take a new activity only while the machine's CPU is under this (0.8 is 80 %; $DREAMGATE_TARGET_CPU)",
    )
    .action(workerCommand);

  program
    .command('worker-key')
    .description("make the workers' key (seals proofs, signs audit records) or print its public key")
    .option('--out <file>', 'write a new key file (0600; never overwritten) and print its public key')
    .option('--public <file>', "print a key file's public key, as DREAMGATE_AUDIT_KEY takes it")
    .option('--json', 'print the result as JSON')
    .action(async (opts: { out?: string; public?: string; json?: boolean }) => workerKeyCommand(opts));

  program
    .command('proof')
    .description('run the wiring proof: a workflow whose activity writes an object to the versioned bucket')
    .addOption(stackOption)
    .option('--message <text>', 'what to write', 'hello from dreamgate')
    .option('--json', 'print the result as JSON')
    .action(proofCommand);
}
