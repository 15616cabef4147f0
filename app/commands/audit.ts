import type { Command } from 'commander';
import type { AgentConfig } from '../../src/config/fleet.js';
import { scopedName } from '../../src/names/scope.js';
import { readRefusals } from '../../src/cycle/refusals.js';
import { checkDecisionSignatures, decisionEvents, type RecordedSignature } from '../../src/cycle/signing.js';
import type { RecordStatus } from '../../src/audit/chain.js';
import { safeName, safeText } from '../../src/util/display.js';
import { withContext, type CommonOptions, type Context } from '../context.js';
import { colours, printJson } from '../output.js';
import { blameCommand } from './blame.js';
import { reportProblems, verifiedLog, vouched, type Report } from './auditLog.js';
import { redactCommand } from './redact.js';
import { historyHint } from './redactHint.js';
import { cycleCommand } from './options.js';
import { shortId } from '../../src/names/ids.js';

const c = () => colours();

type Shown = Report['keys'];

export async function snapshotsCommand(agentId: string, opts: CommonOptions): Promise<void> {
  await withContext(opts, async (ctx) => {
    const list = await (await ctx.snapshotStore()).list(ctx.agent(agentId));
    if (opts.json) return printJson(list);
    if (list.length === 0) process.stdout.write(`no snapshots of ${agentId} yet\n`);
    for (const s of list)
      process.stdout.write(
        `${s.id}  ${safeName(s.takenAt, 30)}  ${String(s.files).padStart(5)} files  ${safeName(shortId(s.sha256))}  ${c().dim(safeName(s.label, 120))}${s.legacy ? c().dim('  (before fleet namespaces)') : ''}\n`,
      );
  });
}

const statusMark: Record<RecordStatus, string> = {
  ok: ' ',
  legacy: '·',
  unsealed: '·',
  added: '!',
  forked: '?',
  forged: '!',
};

/** A record's data as `key=value` pairs: primitives only, every value escaped and cut to one short line. */
function formatData(data: Record<string, unknown> | undefined): string {
  return (
    Object.entries(data ?? {})
      // the signature itself is kept in the record (--json); `signedBy`, its key's fingerprint, says who signed
      .filter(([k, v]) => v !== undefined && v !== null && typeof v !== 'object' && k !== 'signature')
      .map(([k, v]) => `${safeName(k, 40)}=${typeof v === 'number' ? Number(v.toFixed(3)) : safeName(v, 160)}`)
      .join(' ')
  );
}

/** The decisions' signatures checked again; one that does not hold makes the log a problem. */
async function checkedSignatures(report: Report, shown: Shown, agent: AgentConfig) {
  const signatures = await checkDecisionSignatures(shown, agent.reviewerKeys ?? {});
  for (const [key, status] of signatures)
    if (status === 'invalid') {
      report.intact = false;
      report.problems.push(
        `${key}: the decision's signature does not cover what the record says, or not by the key it names`,
      );
    }
  return signatures;
}

async function printHistoryJson(
  ctx: Context,
  agent: AgentConfig,
  report: Report,
  shown: Shown,
  signatures: Map<string, RecordedSignature>,
): Promise<void> {
  reportProblems(report, scopedName(agent));
  printJson({
    agent: scopedName(agent),
    intact: report.intact,
    ...(report.head ? { head: report.head } : {}),
    refused: await readRefusals(ctx.s3, ctx.storage.auditBucket, agent),
    problems: report.problems,
    records: shown.map((k) => ({
      ...k.record,
      audit: {
        key: k.key,
        sha256: k.sha256,
        status: k.status,
        ...(k.replacedBy ? { replacedBy: k.replacedBy } : {}),
        ...(k.hidden ? { hidden: true } : {}),
        ...(k.missingBefore ? { missingBefore: true } : {}),
        ...(k.notes.length ? { notes: k.notes } : {}),
        ...(signatures.has(k.key) ? { signature: signatures.get(k.key) } : {}),
      },
    })),
  });
}

/** The first line of `history`: how many records, and whether the chain holds. */
function printHistoryHead(agent: AgentConfig, report: Report): void {
  const chained = report.keys.filter((k) => k.status === 'ok').length;
  const legacy = report.keys.filter((k) => k.status === 'legacy' || k.status === 'unsealed').length;
  process.stdout.write(
    `${c().bold(scopedName(agent))}: ${report.keys.length} record(s); ${
      report.intact
        ? c().green(`chain intact`) +
          (report.head ? c().dim(` (${chained} signed by a worker, head ${shortId(report.head)})`) : '')
        : c().red(`${report.problems.length} problem(s), see below`)
    }${legacy ? c().dim(`; ${legacy} written before the chain or its seals (·), not verifiable`) : ''}\n`,
  );
}

/** One record's line: its status mark, time, event, actor, signature marks and data. */
function recordLine(k: Shown[number], signed: boolean, sig: RecordedSignature | undefined): string {
  const r = k.record;
  // where reviewers have keys, a decision that carries no signature is shown as such
  // and one whose signature, checked again, does not cover the record or is not by a key the reviewer has
  const unsigned = signed && r && decisionEvents.has(r.event) && typeof r.data?.signedBy !== 'string';
  const mark =
    (unsigned ? c().red('UNSIGNED ') : '') +
    (sig === 'invalid' ? c().red('BAD SIGNATURE ') : '') +
    (sig === 'unknown-key' ? c().red('SIGNED BY A KEY NOT CONFIGURED NOW ') : '');
  const line = r
    ? `${safeName(r.at, 19).slice(0, 19).replace('T', ' ')}  ${safeName(r.event, 40).padEnd(18)} ${r.actor ? `by ${safeName(r.actor, 60)} ` : ''}${mark}${c().dim(formatData(r.data))}`
    : `${safeName(k.key, 160)}`;
  const status = statusMark[k.status];
  return `${k.status === 'ok' || k.status === 'legacy' ? status : c().red(status)} ${line}\n`;
}

/** The records, cycle by cycle, each with its notes. */
function printRecords(shown: Shown, signed: boolean, signatures: Map<string, RecordedSignature>): void {
  let cycle: string | undefined;
  for (const k of shown) {
    const r = k.record;
    if (k.missingBefore) process.stdout.write(c().red(`  ! a record is missing here\n`));
    if (r && r.cycle_id !== cycle) process.stdout.write(`${c().bold(safeName(r.cycle_id, 120))}\n`);
    cycle = r?.cycle_id;
    process.stdout.write(recordLine(k, signed, signatures.get(k.key)));
    for (const note of k.status === 'legacy' || k.status === 'unsealed' ? k.notes.slice(1) : k.notes)
      process.stdout.write(c().red(`    ! ${safeText(note)}\n`));
  }
}

/** Calls the agent's workflows refused (not the log's records: a refused call wrote nothing). */
async function printRefused(ctx: Context, agent: AgentConfig): Promise<void> {
  const refused = await readRefusals(ctx.s3, ctx.storage.auditBucket, agent);
  if (refused.length > 0) process.stdout.write(c().bold(`refused calls (${refused.length}, newest last)\n`));
  for (const r of refused)
    process.stdout.write(
      c().red(
        `  ${safeName(r.at, 19).replace('T', ' ')}  ${safeName(r.activity, 40)} from workflow ${safeName(r.workflowId, 120)} (${safeName(r.workflowType, 60)}): ${safeName(r.why, 300)}\n`,
      ),
    );
}

export async function historyCommand(agentId: string, opts: CommonOptions & { cycle?: string }): Promise<void> {
  await withContext(opts, async (ctx) => {
    const agent = ctx.agent(agentId);
    const report = await verifiedLog(ctx, agent);
    const shown = report.keys.filter((k) => !opts.cycle || k.record?.cycle_id === opts.cycle);
    const signatures = await checkedSignatures(report, shown, agent);
    if (opts.json) return printHistoryJson(ctx, agent, report, shown, signatures);
    printHistoryHead(agent, report);
    printRecords(shown, Object.keys(agent.reviewerKeys ?? {}).length > 0, signatures);
    const hint = historyHint(
      shown.flatMap((k) => (k.record && vouched.has(k.status) ? [k.record] : [])),
      agentId,
    );
    if (hint) process.stdout.write(c().yellow(`${hint}\n`));
    await printRefused(ctx, agent);
    reportProblems(report, scopedName(agent));
  });
}

/** `dreamgate snapshots`, `history`, `blame` and `redact`: what the agent's store and audit log hold. */
export function registerAudit(program: Command): void {
  cycleCommand(program, 'snapshots', 'an agent’s snapshots, newest first').argument('<agent>').action(snapshotsCommand);
  cycleCommand(program, 'history', 'an agent’s audit log, cycle by cycle')
    .argument('<agent>')
    .option('--cycle <id>', 'one cycle only')
    .action(historyCommand);
  cycleCommand(
    program,
    'blame',
    'for each line of a memory file: the cycle that brought it, its sessions, who approved',
  )
    .argument('<agent>')
    .argument('<path>')
    .action(blameCommand);
  cycleCommand(
    program,
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
}
