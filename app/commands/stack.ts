import { Option, type Command } from 'commander';
import { loadStackConfig, temporalUiUrl, type StackConfig } from '../../src/config/stack.js';
import { colours, printJson, progress } from '../output.js';
import { servers, stackDown, stackStatus, stackUp } from '../stack/servers.js';
import type { ServerName } from '../stack/binaries.js';
import { stackOption } from './options.js';

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

/** `dreamgate stack up|down|status`: the local servers. */
export function registerStack(program: Command): void {
  const stack = program.command('stack').description('the local Temporal dev server and S3 gateway (loopback only)');
  stack
    .command('up')
    .description('build or reuse the pinned servers, start them detached, wait for health, create the buckets')
    .addOption(stackOption)
    .option('--json', 'print the status as JSON')
    .action(async (opts: { stack?: string; json?: boolean }) => {
      const cfg = await loadStackConfig(opts.stack);
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
      const cfg = await loadStackConfig(opts.stack);
      await stackDown(cfg, opts.only ? [opts.only] : servers, progress);
    });
  stack
    .command('status')
    .description('health of each server')
    .addOption(stackOption)
    .option('--json', 'print as JSON')
    .action(async (opts: { stack?: string; json?: boolean }) => {
      const cfg = await loadStackConfig(opts.stack);
      const rows = await stackStatus(cfg);
      if (opts.json) printJson(rows);
      else printStatus(rows, cfg);
      if (!rows.every((r) => r.healthy)) process.exitCode = 1;
    });
}
