import type { Command } from 'commander';
import { reviewerName, withContext, type CommonOptions } from '../context.js';
import { rollbackAgent } from '../cycleClient.js';
import { printJson, progress } from '../output.js';
import { cycleCommand } from './options.js';

export async function rollbackCommand(
  agentId: string,
  opts: CommonOptions & { to: string; as?: string },
): Promise<void> {
  await withContext(opts, async (ctx) => {
    const agent = ctx.agentOrTeam(agentId);
    // the agent's own workflow does it: refused while a cycle runs, recorded in the agent's audit chain
    progress(`rolling ${agentId} back to snapshot ${opts.to} (the store as it is becomes a snapshot first)`);
    const r = await rollbackAgent(await ctx.client(), ctx.fleet, agent, opts.to, reviewerName(opts.as));
    if (opts.json)
      printJson({ restored: opts.to, sha256: r.sha256, previousSnapshot: r.previous, auditHead: r.auditHead });
    else
      process.stdout.write(
        `restored ${agentId} to snapshot ${opts.to} (${r.files} files); the store as it was is snapshot ${r.previous}\n`,
      );
  });
}

/** `dreamgate rollback`: the live store restored to a snapshot, through the agent's own workflow. */
export function registerRollback(program: Command): void {
  cycleCommand(
    program,
    'rollback',
    'restore an agent’s live store to a snapshot, through the agent’s own workflow (refused while a cycle runs; the current store is snapshotted first)',
  )
    .argument('<agent>')
    .requiredOption('--to <snapshot>', 'a snapshot id from `dreamgate snapshots`')
    .option('--as <name>', 'who, for the audit log')
    .action(rollbackCommand);
}
