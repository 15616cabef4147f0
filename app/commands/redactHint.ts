import { storeSecrets, type ChangeSet } from '../../src/memory/changeSet.js';
import type { AuditRecord } from '../../src/audit/audit.js';

/**
 * A dream that redacts a secret from the store leaves it in every snapshot taken before (the one its own cycle
 * took included): `review`, `show` and `history` say so, and name the command that removes it from them.
 */
export function changeSetHint(cs: ChangeSet, agentId: string): string | undefined {
  const n = storeSecrets(cs);
  if (n === 0) return undefined;
  return `this change set redacts ${n} secret(s) from the live store; the snapshots taken before it (this cycle's too) still hold them: once it is kept, run \`dreamgate redact ${agentId}\` (\`--dry-run\` first says where)`;
}

/** Kept cycles that redacted secrets from the store since the last `dreamgate redact`, in the order they ran. */
export function historyHint(records: AuditRecord[], agentId: string): string | undefined {
  const cycles = new Map<string, AuditRecord[]>();
  for (const r of records) cycles.set(r.cycle_id, [...(cycles.get(r.cycle_id) ?? []), r]);
  let pending: { cycle: string; secrets: number }[] = [];
  for (const [cycle, rs] of cycles) {
    if (rs.some((r) => r.event === 'redacted')) pending = []; // a redaction cleared the snapshots up to here
    if (!rs.some((r) => r.event === 'cycle-kept')) continue;
    const stored = [...rs].reverse().find((r) => /^change-set-(revised|stored)$/.test(r.event));
    const summary = stored?.data?.summary as Record<string, unknown> | undefined;
    const secrets = typeof summary?.secretsRedacted === 'number' ? summary.secretsRedacted : 0;
    if (secrets > 0) pending.push({ cycle, secrets });
  }
  if (pending.length === 0) return undefined;
  const total = pending.reduce((n, p) => n + p.secrets, 0);
  return `${total} secret(s) were redacted from the live store by cycle(s) ${pending.map((p) => p.cycle).join(', ')}; older snapshots still hold them: run \`dreamgate redact ${agentId}\` (\`--dry-run\` first says where)`;
}
