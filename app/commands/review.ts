import type { Command } from 'commander';
import { formatScores } from '../../src/cycle/format.js';
import { suggestionsOf } from '../../src/memory/changeSet.js';
import { renderChangeSet } from '../../src/memory/diff.js';
import { sessionNamer } from '../../src/sessions/labels.js';
import { safeName } from '../../src/util/display.js';
import { withContext, type CommonOptions } from '../context.js';
import { pendingReview, scopeOf } from '../cycleClient.js';
import { colours, printJson } from '../output.js';
import { approveCommand, rejectCommand } from './approve.js';
import { reviewWebCommand, serveCommand } from './desk.js';
import { cycleCommand, keyOption } from './options.js';
import { pendingChangeSet } from './pending.js';
import { changeSetHint } from './redactHint.js';

const c = () => colours();

export async function reviewCommand(agentId: string, opts: CommonOptions): Promise<void> {
  await withContext(opts, async (ctx) => {
    const agent = ctx.agentOrTeam(agentId);
    const pending = await pendingReview(await ctx.client(), ctx.fleet, agent);
    const { handle, state } = pending;
    const cs = await pendingChangeSet(ctx, agent, pending);
    if (opts.json)
      return printJson({
        workflowId: handle.workflowId,
        cycle: state.cycleId,
        changeSetId: state.changeSetId,
        state,
        changeSet: cs,
      });
    const base = await (await ctx.snapshotStore()).restore(scopeOf(ctx.fleet, agent), state.snapshotId!);
    const id = state.changeSetId!;
    process.stdout.write(
      `${c().bold(`change set ${safeName(id.slice(0, 12))}`)} of ${agentId} · ${formatScores(state)} · cycle ${safeName(handle.workflowId, 160)} (run ${safeName(state.cycleId, 60)})\n${c().dim(`id ${safeName(id, 64)}`)}\n\n`,
    );
    process.stdout.write(renderChangeSet(cs, base, c(), sessionNamer(cs)));
    const sign = state.signedDecisions ? ' --key <your ssh key>' : '';
    const accept = suggestionsOf(cs).size > 0 ? ' [--accept <n>…|all]' : '';
    process.stdout.write(
      `\napprove: dreamgate approve ${agentId} ${id.slice(0, 12)}${sign} [--only <path>…]${accept}   reject: dreamgate reject ${agentId} ${id.slice(0, 12)}${sign} --reason "…"\n`,
    );
    process.stdout.write(c().dim(`or decide on a page: dreamgate review ${agentId} --web\n`));
    if (state.reviewDeadline) process.stdout.write(c().dim(`discarded at ${state.reviewDeadline} unless decided\n`));
    const hint = changeSetHint(cs, agentId);
    if (hint) process.stdout.write(c().yellow(`${hint}\n`));
  });
}

/** `dreamgate review`, `serve`, `approve` and `reject`: the human gate. */
export function registerReview(program: Command): void {
  cycleCommand(
    program,
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
  cycleCommand(program, 'serve', 'a read-only review desk of the fleet’s pending reviews, for a team behind a proxy')
    .option('--listen <host:port>', 'where to listen (put your authentication proxy in front)', '127.0.0.1:8080')
    .action(serveCommand);
  cycleCommand(
    program,
    'approve',
    'approve the change set you reviewed (update "approve"; the answer says accepted or why not)',
  )
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
  cycleCommand(program, 'reject', 'reject the change set you reviewed (update "reject")')
    .argument('<agent>')
    .argument('<change-set-id>', 'the id `dreamgate review` printed (a prefix of 8 or more hex digits is enough)')
    .requiredOption('--reason <text>', 'why, for the audit log')
    .option('--as <reviewer>', 'your reviewer name')
    .addOption(keyOption)
    .action(rejectCommand);
}
