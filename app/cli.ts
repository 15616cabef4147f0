import { Option, type Command } from 'commander';
import { loadStackConfig, temporalUiUrl, type StackConfig } from '../src/config/stack.js';
import { colours, printJson, progress } from '../src/cli/output.js';
import { dreamCommand } from '../src/cli/dream.js';
import { evalCommand } from '../src/cli/evaluate.js';
import { newProgram, runProgram } from '../src/cli/run.js';
import { servers, stackDown, stackStatus, stackUp } from './stack/servers.js';
import type { ServerName } from './stack/binaries.js';
import { connectClient, runProof } from './client.js';
import {
  approveCommand,
  blameCommand,
  historyCommand,
  rejectCommand,
  reviewCommand,
  rollbackCommand,
  snapshotsCommand,
} from './commands/cycle.js';
import { cancelCommand } from './commands/cancel.js';
import { runCommand } from './commands/run.js';
import { showCommand } from './commands/show.js';
import { statusCommand } from './commands/status.js';
import { reviewWebCommand, serveCommand } from './commands/desk.js';
import { redactCommand } from './commands/redact.js';
import { fleetRunCommand, fleetStatusCommand } from './commands/fleet.js';
import { scheduleCommand } from './commands/schedule.js';
import { workerKeyCommand } from './commands/workerKey.js';
import { initCommand } from './commands/init.js';
import { hookInstallCommand, hookSessionEndCommand } from './commands/hook.js';
import { suiteDeriveCommand } from '../src/cli/suite.js';
import { runDemo } from './demo.js';
import { installRuntime, observabilitySettings } from './observability.js';
import { createWorker } from './worker.js';
import { describeTuning, parseTuning } from '../src/config/tuning.js';

const stackOption = new Option('--stack <file>', 'the local stack config').env('DREAMGATE_STACK_CONFIG');

async function stackConfig(opts: { stack?: string }): Promise<StackConfig> {
  return loadStackConfig(opts.stack);
}

function printStatus(rows: Awaited<ReturnType<typeof stackStatus>>, cfg: StackConfig): void {
  const c = colours();
  for (const r of rows) {
    const state = r.healthy ? c.green('healthy') : c.red('down');
    const owner = r.pid ? `pid ${r.pid}` : r.healthy ? 'started elsewhere' : '';
    process.stdout.write(
      `${r.server.padEnd(9)} ${state.padEnd(r.healthy ? 17 : 14)} ${r.address.padEnd(24)} ${owner}\n`,
    );
  }
  if (rows.find((r) => r.server === 'temporal')?.healthy) process.stdout.write(`Temporal UI: ${temporalUiUrl(cfg)}\n`);
  process.stdout.write(c.dim(`binaries:    ${cfg.binCache}\n`));
}

export function buildProgram(): Command {
  const program = newProgram(
    'dreamgate',
    'Durable, gated memory consolidation ("dreaming") for AI agents, on Temporal and S3.',
  );

  const stack = program.command('stack').description('the local Temporal dev server and S3 gateway (loopback only)');
  stack
    .command('up')
    .description('build or reuse the pinned servers, start them detached, wait for health, create the buckets')
    .addOption(stackOption)
    .option('--json', 'print the status as JSON')
    .action(async (opts: { stack?: string; json?: boolean }) => {
      const cfg = await stackConfig(opts);
      const result = await stackUp(cfg, progress);
      if (opts.json) printJson(result);
      else printStatus(result.status, cfg);
    });
  stack
    .command('down')
    .description('stop the servers this clone started')
    .addOption(stackOption)
    .addOption(new Option('--only <server>', 'stop one server').choices(servers as ServerName[]))
    .action(async (opts: { stack?: string; only?: ServerName }) => {
      const cfg = await stackConfig(opts);
      await stackDown(cfg, opts.only ? [opts.only] : servers, progress);
    });
  stack
    .command('status')
    .description('health of each server')
    .addOption(stackOption)
    .option('--json', 'print as JSON')
    .action(async (opts: { stack?: string; json?: boolean }) => {
      const cfg = await stackConfig(opts);
      const rows = await stackStatus(cfg);
      if (opts.json) printJson(rows);
      else printStatus(rows, cfg);
      if (!rows.every((r) => r.healthy)) process.exitCode = 1;
    });

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
    .action(
      async (
        opts: { stack?: string; metrics?: string; tracing?: boolean; fleet?: string[]; fleetSha256?: string } & Record<
          'maxActivities' | 'maxWorkflowTasks' | 'targetCpu',
          string | undefined
        >,
      ) => {
        const cfg = await stackConfig(opts);
        const tuning = parseTuning(opts);
        const observability = observabilitySettings(opts);
        const { tracing } = await installRuntime(observability);
        const fleets = { sources: opts.fleet ?? [], ...(opts.fleetSha256 ? { sha256: opts.fleetSha256 } : {}) };
        const w = await createWorker(cfg, {}, { fleets, tuning, ...(tracing ? { tracing } : {}) });
        for (const f of w.fleets.fleets())
          progress(
            `serving fleet ${f} (configuration ${w.fleets.current(f).sha256.slice(0, 12)}, ${w.fleets.current(f).file})`,
          );
        const queues = w.worker.queues.map((q) => `"${q}"`).join(', ');
        progress(
          `worker polling task queue(s) ${queues} on namespace ${w.worker.options.namespace}${describeTuning(tuning)}`,
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
      },
    );

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
    .action(async (opts: { stack?: string; message: string; json?: boolean }) => {
      const cfg = await stackConfig(opts);
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
    });

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

  program
    .command('eval')
    .description('score a memory store against an eval suite (SPEC §3), with store-health figures')
    .requiredOption('--memory <store>', 'the memory store to score: a directory or claude-code:<project dir>')
    .option('--suite <file>', 'the eval suite (YAML)')
    .option('--baseline <store>', 'the store before the dream: derive a suite from it and score --memory with it')
    .option('--sessions <sessions>', 'with --baseline: the sessions the derived suite also learns from')
    .option('--agent <agent_id>', 'with --sessions in SPEC form: whose sessions')
    .option('--evaluator <command>', 'an external evaluator: given the store directory, prints {"score": 0.93}')
    .option('--scorer <name>', 'deterministic (default) or claude: Claude answers each question from the store')
    .option('--model <id>', 'claude: the model (default $DREAMGATE_CLAUDE_MODEL or claude-sonnet-5-5)')
    .option('--json', 'print the evaluation as JSON')
    .action(evalCommand);

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

  const hook = program
    .command('hook')
    .description('Claude Code’s SessionEnd hook: a dream asked for when enough sessions have gathered');
  hook
    .command('install')
    .description("write the hook into the project's .claude/settings.json (or settings.local.json with --local)")
    .addOption(new Option('--fleet <file>', 'the fleet config (default ./dreamgate.yml)').env('DREAMGATE_FLEET'))
    .addOption(stackOption)
    .option('--agent <agent_id>', 'the Claude Code agent (default: the fleet’s only one)')
    .option('--local', 'write .claude/settings.local.json (not committed) instead')
    .option('--json', 'print what was written as JSON')
    .action(hookInstallCommand);
  hook
    .command('session-end')
    .description(
      'what the hook runs, detached: ask for a dream when a day has passed since the last consolidation and minNewSessions sessions have gathered (logged in $XDG_STATE_HOME/dreamgate/session-end.log)',
    )
    .addOption(new Option('--fleet <file>', 'the fleet config (default ./dreamgate.yml)').env('DREAMGATE_FLEET'))
    .addOption(stackOption)
    .option('--agent <agent_id>', 'the Claude Code agent (default: the fleet’s only one)')
    .option('--session <id>', 'the session that just ended (not counted)')
    .option('--min-hours <n>', 'hours since the last consolidation before a dream is asked for', '24')
    .option('--json', 'print the decision as JSON')
    .action(hookSessionEndCommand);

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

  const fleetOption = new Option('--fleet <file>', 'the fleet config (default ./dreamgate.yml)').env('DREAMGATE_FLEET');
  const cycleCommand = (name: string, description: string) =>
    program
      .command(name)
      .description(description)
      .addOption(fleetOption)
      .addOption(stackOption)
      .option('--json', 'print as JSON');

  cycleCommand('run', 'start a dream cycle for an agent now and follow it')
    .argument('<agent>')
    .option('--wait', 'keep following while the cycle waits for review')
    .option('--no-follow', 'start it and return')
    .option('--now', 'consolidate now: dream even with fewer new sessions than minNewSessions')
    .action(runCommand);
  cycleCommand(
    'status',
    'latest cycles of every agent (or ten of one): how each ended and why, or where a running one is; exit 1 when no worker polls',
  )
    .argument('[agent]')
    .action(statusCommand);
  cycleCommand(
    'cancel',
    'end the agent’s running cycle cleanly: it rolls back what it promoted; with no worker, one that wrote nothing ends at once',
  )
    .argument('<agent>')
    .option('--reason <text>', 'why, for the record')
    .option('--as <name>', 'who (default $DREAMGATE_REVIEWER or your login)')
    .option('--no-wait', 'request it and return')
    .action(cancelCommand);
  cycleCommand('show', 'a past cycle (the latest by default): its outcome and why, its scores and its change set')
    .argument('<agent>')
    .option('--cycle <run>', 'the cycle’s run id (or 8+ characters of it), as `dreamgate status <agent>` lists it')
    .action(showCommand);
  const keyOption = new Option(
    '--key <file>',
    'sign the decision with this SSH key (a private key, or a public key whose private half is in ssh-agent)',
  ).env('DREAMGATE_SIGNING_KEY');
  cycleCommand(
    'review',
    'the pending change set as a coloured diff, with both scores and each change’s reason and evidence',
  )
    .argument('<agent>')
    .option('--web', 'review and decide on a page served on loopback (a one-time token in its URL)')
    .option('--no-open', 'with --web: print the URL, do not open a browser')
    .option('--as <reviewer>', 'with --web: your reviewer name (default $DREAMGATE_REVIEWER or your login)')
    .addOption(keyOption)
    .action((agent: string, opts: Parameters<typeof reviewWebCommand>[1] & { web?: boolean }) =>
      opts.web ? reviewWebCommand(agent, opts) : reviewCommand(agent, opts),
    );
  cycleCommand('serve', 'a read-only review desk of the fleet’s pending reviews, for a team behind a proxy')
    .option('--listen <host:port>', 'where to listen (put your authentication proxy in front)', '127.0.0.1:8080')
    .action(serveCommand);
  cycleCommand('approve', 'approve the change set you reviewed (update "approve"; the answer says accepted or why not)')
    .argument('<agent>')
    .argument('<change-set-id>', 'the id `dreamgate review` printed (a prefix of 8 or more hex digits is enough)')
    .option('--only <paths...>', 'approve only these paths of the applied tier (the narrowed set is evaluated again)')
    .option(
      '--accept <n...>',
      'accept these suggestions too, by the number `review` prints ("suggestion 2: …"), or `all` (evaluated again); without it no suggestion is promoted',
    )
    .option('--edit <path=file...>', 'approve with your own content for a memory path (evaluated again)')
    .option(
      '--restore <session...>',
      'overrule a hold or a quarantine: put back the held memory lines these sessions wrote (evaluated again)',
    )
    .option('--as <reviewer>', 'your reviewer name (default $DREAMGATE_REVIEWER or your login)')
    .option('--comment <text>', 'a note for the audit log')
    .addOption(keyOption)
    .action(approveCommand);
  cycleCommand('reject', 'reject the change set you reviewed (update "reject")')
    .argument('<agent>')
    .argument('<change-set-id>', 'the id `dreamgate review` printed (a prefix of 8 or more hex digits is enough)')
    .requiredOption('--reason <text>', 'why, for the audit log')
    .option('--as <reviewer>', 'your reviewer name')
    .addOption(keyOption)
    .action(rejectCommand);
  cycleCommand(
    'rollback',
    'restore an agent’s live store to a snapshot, through the agent’s own workflow (refused while a cycle runs; the current store is snapshotted first)',
  )
    .argument('<agent>')
    .requiredOption('--to <snapshot>', 'a snapshot id from `dreamgate snapshots`')
    .option('--as <name>', 'who, for the audit log')
    .action(rollbackCommand);
  cycleCommand('snapshots', 'an agent’s snapshots, newest first').argument('<agent>').action(snapshotsCommand);
  cycleCommand('history', 'an agent’s audit log, cycle by cycle')
    .argument('<agent>')
    .option('--cycle <id>', 'one cycle only')
    .action(historyCommand);
  cycleCommand('blame', 'for each line of a memory file: the cycle that brought it, its sessions, who approved')
    .argument('<agent>')
    .argument('<path>')
    .action(blameCommand);
  cycleCommand(
    'redact',
    'remove secrets from an agent’s older snapshots: rewrites the file versions that hold one, records old and new hashes',
  )
    .argument('<agent>')
    .option('--secret-file <file>', 'also redact these literal secrets, one a line (e.g. a key known to have leaked)')
    .option('--dry-run', 'say what holds a secret, change nothing')
    .option(
      '--legacy',
      'also rewrite snapshots kept before fleet namespaces (agents/<id>/…), shared by every fleet with an agent of this id',
    )
    .option('--as <name>', 'who, for the audit log')
    .action(redactCommand);
  const schedule = program.command('schedule').description('the nightly Temporal Schedule of the fleet');
  for (const [action, description] of [
    ['apply', 'create or update the schedule from the fleet config'],
    ['list', 'schedules with their next run times'],
    ['pause', 'pause the schedule'],
    ['resume', 'resume the schedule'],
    ['trigger', 'run the fleet now, through the schedule'],
  ] as const) {
    schedule
      .command(action)
      .description(description)
      .addOption(fleetOption)
      .addOption(stackOption)
      .option('--json', 'print as JSON')
      .option('--note <text>', 'why (pause, resume)')
      .action((opts) => scheduleCommand(action, opts));
  }
  const fleetCmd = program.command('fleet').description('the fleet run');
  fleetCmd
    .command('run')
    .description(
      'dream every agent now (child workflows, `concurrency` at a time), then the team store; shows its progress',
    )
    .addOption(fleetOption)
    .addOption(stackOption)
    .option('--json', 'print as JSON')
    .option('--no-follow', 'start it and return')
    .action(fleetRunCommand);
  fleetCmd
    .command('status')
    .description('the newest fleet run of the fleet: done, running, waiting for review, failed, not started')
    .addOption(fleetOption)
    .addOption(stackOption)
    .option('--json', 'print as JSON')
    .action(fleetStatusCommand);

  program
    .command('demo')
    .description('the main job of `npm start`: stack up, a worker, the proof workflow, and its Temporal UI link')
    .addOption(stackOption)
    .action(runDemo);

  return program;
}

export async function main(argv = process.argv): Promise<void> {
  const code = await runProgram(buildProgram(), argv);
  process.exitCode = code === 0 ? ((process.exitCode as number | undefined) ?? 0) : code;
  // a failed connection attempt may leave a native handle behind: a failed command ends now, never hangs
  if (code !== 0) process.exit(code);
}
