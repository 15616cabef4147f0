import type { AgentScope } from '../../src/names/scope.js';
import { CycleObjects } from '../../src/cycle/objects.js';
import type { ChangeSet } from '../../src/memory/changeSet.js';
import { renderChangeSet } from '../../src/memory/diff.js';
import type { AuditRecord } from '../../src/audit/audit.js';
import { InvalidInput } from '../../src/util/errors.js';
import { safeName, safeText } from '../../src/util/display.js';
import { colours, printJson } from '../output.js';
import { cycleEnd } from '../cycleEnd.js';
import { listCycles, scopeOf } from '../cycleClient.js';
import { withContext, type CommonOptions, type Context } from '../context.js';
import { verifiedLog } from './auditLog.js';
import { sessionNamer } from '../../src/sessions/labels.js';
import { changeSetHint } from './redactHint.js';
import { shortId } from '../../src/names/ids.js';

/** A cycle's scores as its audit records give them: baseline, post (each attempt), revised, verify. */
function scoresOf(records: AuditRecord[]): { step: string; score: number; failing: string[] }[] {
  return records
    .filter((r) => /-scored$|^verified$|^gate-failed$/.test(r.event) && typeof r.data?.score === 'number')
    .map((r) => ({
      step: r.event.replace(/-scored$/, ''),
      score: r.data!.score as number,
      failing: Array.isArray(r.data!.failing) ? (r.data!.failing as unknown[]).map(String) : [],
    }));
}

/** The run a `--cycle` names (a run id, or a prefix of 8 or more of it), else the agent's latest. */
async function pickRun(ctx: Context, scope: AgentScope, cycle?: string) {
  const rows = await listCycles(await ctx.client(), scope, { limit: 50 });
  const row = cycle ? rows.find((r) => r.runId === cycle || (cycle.length >= 8 && r.runId.startsWith(cycle))) : rows[0];
  if (!row)
    throw new InvalidInput(
      cycle
        ? `no cycle ${safeName(cycle, 60)} of ${scope.id} among its last 50 (see \`dreamgate status ${scope.id}\`)`
        : `${scope.id} has no cycles yet`,
    );
  return row;
}

/**
 * `dreamgate show <agent> [--cycle <run>]`: any past cycle (by default the latest) with its outcome and why,
 * its scores, and its change set as `review` shows it, kept, discarded or rejected alike. Needs no worker.
 */
export async function showCommand(agentId: string, opts: CommonOptions & { cycle?: string }): Promise<void> {
  await withContext(opts, async (ctx) => {
    const agent = ctx.agentOrTeam(agentId);
    const scope = scopeOf(ctx.fleet, agent);
    const row = await pickRun(ctx, scope, opts.cycle);
    const end = await cycleEnd(await ctx.client(), row.workflowId, row.runId);
    const log = await verifiedLog(ctx, scope);
    const records = log.keys.flatMap((k) => (k.record?.cycle_id === row.runId ? [k.record] : []));
    const stored = [...records].reverse().find((r) => /^change-set-(revised|stored)$/.test(r.event));
    const id = typeof stored?.data?.changeSet === 'string' ? stored.data.changeSet : undefined;
    const snapshot = records.find((r) => r.event === 'snapshot-taken')?.data?.snapshot;
    const changeSet: ChangeSet | undefined = id
      ? await new CycleObjects(ctx.s3, ctx.storage.snapshotsBucket).loadChangeSet(scope, id)
      : undefined;
    const scores = scoresOf(records);
    const outcome = end?.outcome ?? 'running';
    const reason = end?.reason ?? '';
    if (opts.json)
      return printJson({ ...row, outcome, reason, scores, changeSetId: id, snapshot, changeSet, intact: log.intact });
    const c = colours();
    process.stdout.write(
      `${c.bold(`${agentId} cycle ${safeName(row.runId, 60)}`)} · ${row.startTime.toISOString().slice(0, 16).replace('T', ' ')} · ${safeName(outcome, 40)}${reason ? `: ${safeText(reason)}` : ''}\n`,
    );
    for (const s of scores)
      process.stdout.write(
        c.dim(
          `  ${s.step.padEnd(9)} ${s.score.toFixed(3)}${s.failing.length ? `  failing: ${s.failing.join(', ')}` : ''}\n`,
        ),
      );
    if (!log.intact)
      process.stdout.write(c.red(`  the audit log has problems: see \`dreamgate history ${agentId}\`\n`));
    if (!changeSet) return void process.stdout.write(`\nno change set: the cycle ended before a dream\n`);
    process.stdout.write(`\n${c.bold(`change set ${shortId(id!)}`)}\n${c.dim(`id ${id}`)}\n\n`);
    const base = typeof snapshot === 'string' ? await (await ctx.snapshotStore()).restore(scope, snapshot) : undefined;
    process.stdout.write(renderChangeSet(changeSet, base ?? { get: () => undefined }, c, sessionNamer(changeSet)));
    const hint = end?.outcome === 'kept' ? changeSetHint(changeSet, agentId) : undefined;
    if (hint) process.stdout.write(c.yellow(`${hint}\n`));
  });
}
