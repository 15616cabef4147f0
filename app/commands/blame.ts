import { blame, blameHistory, type BlameLine } from '../../src/cycle/blame.js';
import { showSession, type SessionLabel } from '../../src/sessions/labels.js';
import { safeName, safeText } from '../../src/util/display.js';
import { colours } from '../output.js';
import { CycleObjects } from '../../src/cycle/objects.js';
import { openStore } from '../../src/sources/openStore.js';
import { assertPath } from '../../src/memory/paths.js';
import { InvalidInput } from '../../src/util/errors.js';
import { withContext, type CommonOptions } from '../context.js';
import { reportProblems, verifiedLog, vouched } from './auditLog.js';
import { scopedName } from '../../src/names/scope.js';
import { printJson } from '../output.js';
import { shortSessionId } from '../../src/names/ids.js';

/**
 * `blame` as a reader sees it: per line the cycle that brought it, who approved it and its sessions, with a
 * redaction or a move said beside the line; then each session shown, when it started and what its user said.
 */
export function printBlame(lines: BlameLine[], labels: Record<string, SessionLabel>): void {
  const c = colours();
  const width = Math.max(16, ...lines.map((l) => Math.min(60, l.cycleId?.length ?? 0)));
  const shown = new Set<string>();
  for (const l of lines) {
    l.sessions.forEach((s) => shown.add(s));
    const first = l.sessions[0] !== undefined ? safeName(shortSessionId(l.sessions[0]), 40) : '';
    const sessions = l.sessions.length > 1 ? `${first} +${l.sessions.length - 1}` : first;
    const who =
      l.origin === 'dream'
        ? `${safeName(l.cycleId, 60).padEnd(width)} ${safeName(l.approvedBy ?? 'automatic', 40).padEnd(14)} ${sessions.padEnd(20)}`
        : `${(l.origin === 'agent' ? 'the agent, since' : 'before dreamgate').padEnd(width)} ${''.padEnd(14)} ${sessions.padEnd(20)}`;
    const note = [
      l.redactedBy ? `a secret redacted by ${safeName(l.redactedBy, 60)}` : '',
      l.movedFrom ? `moved from ${safeName(l.movedFrom, 200)}` : '',
    ].filter(Boolean);
    process.stdout.write(`${c.dim(who)} │ ${safeText(l.line)}${note.length ? c.dim(`  (${note.join('; ')})`) : ''}\n`);
  }
  if (shown.size === 0) return;
  process.stdout.write(c.dim('\nsessions:\n'));
  for (const id of shown)
    process.stdout.write(
      c.dim(`  ${safeName(shortSessionId(id), 40).padEnd(20)} ${safeText(showSession(id, labels[id]))}\n`),
    );
}

export async function blameCommand(agentId: string, path: string, opts: CommonOptions): Promise<void> {
  await withContext(opts, async (ctx) => {
    const agent = ctx.agent(agentId);
    assertPath(path, 'blame');
    const current = (
      await openStore(agent.store, { s3: ctx.s3, ...(agent.limits ? { limits: agent.limits } : {}) }).read()
    ).get(path);
    if (current === undefined) throw new InvalidInput(`${path} is not in the live store of ${agentId}`);
    const report = await verifiedLog(ctx, agent);
    // only records dreamgate wrote count: an added or forked "approved" is not an approval
    const trusted = report.keys.flatMap((k) => (k.record && vouched.has(k.status) ? [k.record] : []));
    const snaps = await ctx.snapshotStore();
    const objects = new CycleObjects(ctx.s3, ctx.storage.snapshotsBucket);
    const { history, labels, warnings } = await blameHistory(agent, path, trusted, {
      objects,
      restore: (id) => snaps.restore(agent, id),
    });
    const lines = blame(current, history);
    if (opts.json) {
      reportProblems(report, scopedName(agent));
      return printJson({
        intact: report.intact && warnings.length === 0,
        problems: [...report.problems, ...warnings],
        lines,
        sessions: labels,
      });
    }
    printBlame(lines, labels);
    for (const w of warnings) process.stderr.write(`${colours().red('warning:')} ${safeText(w)}\n`);
    if (warnings.length) process.exitCode = 1;
    reportProblems(report, scopedName(agent));
  });
}
