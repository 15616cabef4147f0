import { colours, printJson } from '../output.js';
import { scopedName } from '../../src/config/scope.js';
import { recordForAgent } from '../cycleClient.js';
import { reviewerName, withContext, type CommonOptions } from '../context.js';
import { assertWorker } from '../pollers.js';
import { queueOf } from '../temporal/settings.js';
import type { Command } from 'commander';
import { cycleCommand } from './options.js';

/**
 * `dreamgate resume <agent>`: an agent paused after two discards for the same failing cases dreams again.
 * The resumption is an audit record the agent's own workflow appends (a worker signs it), so the next cycle's
 * check, which reads only signed records, sees it.
 */
export async function resumeCommand(agentId: string, opts: CommonOptions & { as?: string }): Promise<void> {
  await withContext(opts, async (ctx) => {
    const agent = ctx.agent(agentId);
    const client = await ctx.client();
    await assertWorker(client, queueOf(client.temporal, ctx.fleet), ctx.fleet.file);
    const actor = reviewerName(opts.as);
    const r = await recordForAgent(client, ctx.fleet, agent, { event: 'agent-resumed', actor, data: {} }, (line) =>
      process.stderr.write(`${colours(process.stderr).dim(line)}\n`),
    );
    const name = scopedName({ fleet: agent.fleet, id: agent.id });
    if (opts.json) printJson({ agent: agent.id, resumed: true, by: actor, record: r.key });
    else process.stdout.write(`resumed ${name} as ${actor}: its next cycle dreams again\n`);
  });
}

/** `dreamgate resume`: an agent paused after two discards dreams again. */
export function registerResume(program: Command): void {
  cycleCommand(program, 'resume', 'let an agent paused after two discards for the same failing cases dream again')
    .argument('<agent>')
    .option('--as <name>', 'who, for the audit log')
    .action(resumeCommand);
}
