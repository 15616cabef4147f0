import type { AgentScope } from '../../src/names/scope.js';
import { AuditLog, type AuditRecord } from '../../src/audit/audit.js';
import type { ChainReport, RecordStatus } from '../../src/audit/chain.js';
import { safeText } from '../../src/util/display.js';
import type { Context } from '../context.js';
import { colours } from '../output.js';

export type Report = ChainReport<AuditRecord>;

/** The record statuses dreamgate vouches for: an added or forked "approved" is not an approval. */
export const vouched: ReadonlySet<RecordStatus> = new Set(['ok', 'legacy', 'unsealed']);

/**
 * An agent's audit log, read as written and verified (see `AuditLog.verify`): each record's signature checked
 * with the workers' public keys; the chain's head is its newest signed record (no memo or state anyone with
 * namespace or S3 access could set names it).
 */
export async function verifiedLog(ctx: Context, agent: AgentScope): Promise<Report> {
  const keys = await ctx.auditKeys();
  const log = new AuditLog(ctx.s3, ctx.storage.auditBucket, ctx.stack.s3.buckets.audit.retentionDays);
  return log.verify(agent, { keys });
}

/** Says plainly what verification found; sets exit code 1 when the log was tampered with. */
export function reportProblems(report: Report, what: string): void {
  if (report.intact) return;
  process.exitCode = 1;
  process.stderr.write(
    `${colours().red(`warning: the audit log of ${what} was changed outside dreamgate`)} (${report.problems.length} problem(s)):\n`,
  );
  for (const p of report.problems.slice(0, 50)) process.stderr.write(`  ${safeText(p)}\n`);
  if (report.problems.length > 50) process.stderr.write(`  … and ${report.problems.length - 50} more\n`);
}
