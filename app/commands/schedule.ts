import { safeName } from '../../src/util/display.js';
import { colours, printJson } from '../output.js';
import { withContext, type CommonOptions } from '../context.js';
import { applySchedule, listSchedules, scheduleHandle } from '../schedules.js';
import type { Command } from 'commander';
import { fleetOption, stackOption } from './options.js';

export async function scheduleCommand(
  action: 'apply' | 'list' | 'pause' | 'resume' | 'trigger',
  opts: CommonOptions & { note?: string },
): Promise<void> {
  await withContext(opts, async (ctx) => {
    const client = await ctx.client();
    if (action === 'apply') {
      const r = await applySchedule(client, ctx.fleet);
      return opts.json
        ? printJson(r)
        : void process.stdout.write(`${r.created ? 'created' : 'updated'} schedule ${r.id}\n`);
    }
    if (action === 'list') {
      const rows = await listSchedules(client);
      if (opts.json) return printJson(rows);
      if (rows.length === 0)
        process.stdout.write('no dreamgate schedules; create one with `dreamgate schedule apply`\n');
      for (const r of rows) {
        const state = r.paused
          ? colours().yellow(`paused${r.note ? ` (${safeName(r.note, 200)})` : ''}`)
          : colours().green('active');
        process.stdout.write(
          `${r.id}  ${state}  next: ${r.nextRuns.join(', ') || '—'}${r.timezone ? ` (UTC; schedule in ${r.timezone})` : ''}\n`,
        );
      }
      return;
    }
    const handle = await scheduleHandle(client, ctx.fleet);
    if (action === 'pause') await handle.pause(opts.note ?? 'paused from the dreamgate CLI');
    if (action === 'resume') await handle.unpause(opts.note ?? 'resumed from the dreamgate CLI');
    if (action === 'trigger') await handle.trigger();
    if (opts.json) printJson({ id: handle.scheduleId, action });
    else process.stdout.write(`${action}${action.endsWith('e') ? 'd' : 'ed'} schedule ${handle.scheduleId}\n`);
  });
}

/** `dreamgate schedule apply|list|pause|resume|trigger`: the fleet's nightly Temporal Schedule. */
export function registerSchedule(program: Command): void {
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
}
