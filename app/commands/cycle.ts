import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { CycleObjects } from '../../src/cycle/objects.js';
import { blame, type FileChange } from '../../src/cycle/blame.js';
import type { AgentConfig } from '../../src/config/fleet.js';
import { scopedName, teamId, type AgentScope } from '../../src/config/scope.js';
import { signedText, type Decision, type Verdict } from '../../src/cycle/decision.js';
import { reviseChanges } from '../../src/cycle/revise.js';
import { knownLines, screenDocument } from '../../src/dream/guard.js';
import { checkRecordedDecision, fingerprintOf, signText, type RecordedSignature } from '../../src/cycle/signing.js';
import type { CycleState, DecisionResult } from '../../src/cycle/types.js';
import { changeSetSchema, suggestionsOf, type ChangeSet } from '../../src/memory/changeSet.js';
import { renderChangeSet } from '../../src/memory/diff.js';
import { sessionNamer, type SessionLabel } from '../../src/sessions/labels.js';
import { printBlame } from './blameView.js';
import { changeSetHint, historyHint } from './redactHint.js';
import { openStore } from '../../src/memory/open.js';
import { assertPath } from '../../src/memory/paths.js';
import { decodeUtf8 } from '../../src/memory/store.js';
import { AuditLog, type AuditRecord } from '../../src/snapshots/audit.js';
import { sha256Hex, type ChainReport, type RecordStatus } from '../../src/snapshots/chain.js';
import { safeName, safeText } from '../../src/util/display.js';
import { InvalidInput } from '../../src/util/errors.js';
import { colours, printJson, progress } from '../../src/cli/output.js';
import { readRefusals } from '../../src/cycle/refusals.js';
import { decide, pendingReview, rollbackAgent, scopeOf, type Pending } from '../cycles.js';
import { reviewerName, withContext, type CommonOptions, type Context } from '../context.js';

const c = () => colours();

export function formatScores(s: Pick<CycleState, 'baseline' | 'post' | 'delta' | 'usage' | 'attempts'>): string {
  if (s.baseline === undefined) return '';
  const spend = s.usage
    ? `; model: ${s.usage.requests} request(s), ${s.usage.tokens} tokens, $${s.usage.costUsd.toFixed(4)}${s.attempts ? ` over ${s.attempts} attempts` : ''}`
    : '';
  return `baseline ${s.baseline.toFixed(3)}${s.post !== undefined ? ` → ${s.post.toFixed(3)} (Δ ${s.delta! >= 0 ? '+' : ''}${s.delta!.toFixed(3)})` : ''}${spend}`;
}

/** An agent of the fleet, or its team store (`@team`). */
export function agentOf(ctx: Context, id: string): AgentConfig {
  if (id === teamId) {
    if (!ctx.fleet.team) throw new InvalidInput(`fleet ${ctx.fleet.fleet} has no team store`);
    return ctx.fleet.team;
  }
  return ctx.agent(id);
}

/** The pending change set: content-addressed by its id, its hash checked. */
export async function pendingChangeSet(ctx: Context, agent: AgentConfig, pending: Pending): Promise<ChangeSet> {
  const objects = new CycleObjects(ctx.s3, ctx.storage.snapshotsBucket);
  return objects.loadChangeSet(scopeOf(ctx.fleet, agent), pending.state.changeSetId!);
}

export async function reviewCommand(agentId: string, opts: CommonOptions): Promise<void> {
  await withContext(opts, async (ctx) => {
    const agent = agentOf(ctx, agentId);
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

/** `--edit /path=file`: the reviewer's own version of a memory file. */
async function readEdits(edits: string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of edits) {
    const at = e.indexOf('=');
    if (at < 1) throw new InvalidInput(`--edit ${e}: expected /memory/path=local-file`);
    const path = e.slice(0, at);
    assertPath(path, '--edit');
    const file = e.slice(at + 1);
    const bytes = await readFile(file).catch(() => {
      throw new InvalidInput(`--edit ${e}: cannot read ${file}`);
    });
    out[path] = decodeUtf8(bytes, `--edit ${file}`);
  }
  return out;
}

interface DecisionOptions extends CommonOptions {
  as?: string;
  key?: string;
}

/**
 * The pending cycle, checked against the change-set id the reviewer names: a decision is for what the
 * reviewer saw, never whatever is pending now.
 */
export async function pendingFor(ctx: Context, agent: AgentConfig, changeSetId: string): Promise<Pending> {
  if (!/^[0-9a-f]{8,64}$/.test(changeSetId))
    throw new InvalidInput(
      `change set id "${safeName(changeSetId)}": expected at least 8 hex digits, as \`dreamgate review\` prints it`,
    );
  const pending = await pendingReview(await ctx.client(), ctx.fleet, agent);
  const id = pending.state.changeSetId!;
  if (!id.startsWith(changeSetId))
    throw new InvalidInput(
      `change set ${changeSetId} is not the one waiting for review: ${scopedName(scopeOf(ctx.fleet, agent))} waits for ${id.slice(0, 12)} (cycle ${pending.state.cycleId}); see it with \`dreamgate review ${pending.state.agentId}\``,
    );
  return pending;
}

/** Signs a decision with the reviewer's key where the agent requires it, and sends it: the Update's answer. */
export async function signAndDecide(
  pending: Pending,
  verdict: Verdict,
  decision: Decision,
  key: string | undefined,
): Promise<DecisionResult> {
  const { state } = pending;
  const keyFile = key ?? process.env.DREAMGATE_SIGNING_KEY;
  if (state.signedDecisions && !keyFile)
    throw new InvalidInput(
      `${state.fleet}/${state.agentId} requires signed decisions: pass --key <your ssh key> (or set DREAMGATE_SIGNING_KEY); a public key file works with the key in ssh-agent`,
    );
  if (keyFile)
    decision.signature = await signText(
      signedText(
        { fleet: state.fleet, agent: state.agentId, cycle: state.cycleId, changeSetId: state.changeSetId!, verdict },
        decision,
      ),
      keyFile,
    );
  return decide(pending, verdict, decision);
}

/** Reports a decision's answer; a refusal exits 2 saying why. */
function report(pending: Pending, verdict: Verdict, answer: DecisionResult, opts: CommonOptions): void {
  const { state } = pending;
  const id = state.changeSetId!.slice(0, 12);
  if (!answer.accepted)
    throw new InvalidInput(
      `${verdict === 'approve' ? 'approval' : 'rejection'} of change set ${id} refused: ${answer.why}`,
    );
  if (opts.json) printJson({ workflowId: pending.handle.workflowId, cycle: state.cycleId, ...answer });
  else
    process.stdout.write(
      `${verdict === 'approve' ? 'approved' : 'rejected'} change set ${id} of ${state.agentId} as ${answer.reviewer}${answer.fingerprint ? ` (signed, ${answer.fingerprint})` : ''}; follow it with \`dreamgate status ${state.agentId}\`\n`,
    );
}

/**
 * `--accept 2 3`, `--accept 2,3` or `--accept all` (also `suggested`, as `dream --accept` says it): the
 * numbers `dreamgate review` prints beside each suggestion.
 */
export function parseAccept(values: readonly string[]): number[] | 'all' {
  const words = values.flatMap((v) => v.split(',')).map((v) => v.trim());
  if (words.length > 0 && words.every((w) => w === 'all' || w === 'suggested')) return 'all';
  return words.map((w) => {
    if (!/^[1-9]\d{0,8}$/.test(w))
      throw new InvalidInput(
        `--accept ${safeName(w, 40)}: expected the numbers \`dreamgate review\` prints beside each suggestion ("suggestion 2: …"), or all`,
      );
    return Number(w);
  });
}

/** The suggestions an approval accepts, in ascending order; `all` is every suggestion of the change set. */
function acceptedOf(cs: ChangeSet, accept: readonly number[] | 'all'): number[] {
  const numbers = accept === 'all' ? [...suggestionsOf(cs).keys()] : [...new Set(accept)];
  if (numbers.length === 0) throw new InvalidInput('--accept all: this change set has no suggestions');
  return numbers.sort((a, b) => a - b);
}

/** What a reviewer approves: the narrowing, their own contents and restored sessions, as `approve` takes them. */
export interface ApprovalRequest {
  only?: string[];
  /** Suggestions accepted, by the number `review` prints (or every one). */
  accept?: number[] | 'all';
  edits?: Record<string, string>;
  restore?: string[];
  comment?: string;
  as?: string;
  key?: string;
}

/**
 * Approves the pending change set: the reviewer checked, the revision tried here first (refused now, not
 * mid-cycle), edits put in S3 by hash, the decision signed and sent. The command line and the review page
 * both approve through here.
 */
export async function approvePending(
  ctx: Context,
  agent: AgentConfig,
  pending: Pending,
  r: ApprovalRequest,
): Promise<DecisionResult> {
  const reviewer = reviewerName(r.as);
  if (!pending.state.reviewers.includes(reviewer))
    throw new InvalidInput(
      `${reviewer} is not a reviewer of ${pending.state.fleet}/${pending.state.agentId} (reviewers: ${pending.state.reviewers.join(', ')}); name yourself with --as`,
    );
  const own = r.edits && Object.keys(r.edits).length > 0 ? r.edits : undefined;
  let accepted: number[] | undefined;
  if (r.only?.length || own || r.restore?.length || r.accept) {
    const cs = await pendingChangeSet(ctx, agent, pending);
    const snapshot = await (await ctx.snapshotStore()).restore(scopeOf(ctx.fleet, agent), pending.state.snapshotId!);
    accepted = r.accept ? acceptedOf(cs, r.accept) : undefined;
    reviseChanges(cs, snapshot, {
      ...(r.only?.length ? { onlyPaths: r.only } : {}),
      ...(own ? { edited: own } : {}),
      ...(r.restore?.length ? { restoredSessions: r.restore } : {}),
      ...(accepted ? { acceptedSuggestions: accepted } : {}),
    });
    // an edit is screened as the worker will screen it, as a document: refused here, saying why
    const known = knownLines(snapshot);
    for (const [path, text] of Object.entries(own ?? {})) {
      const why = await screenDocument(path, text, known);
      if (why) throw new InvalidInput(`--edit ${safeText(why)}: refused, as the worker would refuse it`);
    }
  }
  // edited contents travel through S3, named by their hash; the decision carries the key and the hash
  const edited = own ? await putEdits(ctx, scopeOf(ctx.fleet, agent), pending.state.cycleId, own) : undefined;
  const decision: Decision = {
    reviewer,
    changeSetId: pending.state.changeSetId!,
    cycle: pending.state.cycleId,
    at: new Date().toISOString(),
    ...(r.comment ? { comment: r.comment } : {}),
    ...(r.only?.length ? { onlyPaths: r.only } : {}),
    ...(edited ? { editedKey: edited.key, editedSha256: edited.sha256 } : {}),
    ...(r.restore?.length ? { restoredSessions: r.restore } : {}),
    ...(accepted ? { acceptedSuggestions: accepted } : {}),
  };
  return signAndDecide(pending, 'approve', decision, r.key);
}

/** Rejects the pending change set with a reason, signed where the agent requires it. */
export async function rejectPending(
  pending: Pending,
  r: { reason: string; as?: string; key?: string },
): Promise<DecisionResult> {
  const decision: Decision = {
    reviewer: reviewerName(r.as),
    changeSetId: pending.state.changeSetId!,
    cycle: pending.state.cycleId,
    at: new Date().toISOString(),
    reason: r.reason,
  };
  return signAndDecide(pending, 'reject', decision, r.key);
}

export async function approveCommand(
  agentId: string,
  changeSetId: string,
  opts: DecisionOptions & { only?: string[]; edit?: string[]; restore?: string[]; accept?: string[]; comment?: string },
): Promise<void> {
  await withContext(opts, async (ctx) => {
    const agent = agentOf(ctx, agentId);
    for (const p of opts.only ?? []) assertPath(p, '--only');
    const accept = opts.accept ? parseAccept(opts.accept) : undefined;
    const edits = opts.edit?.length ? await readEdits(opts.edit) : undefined;
    const pending = await pendingFor(ctx, agent, changeSetId);
    const { accept: _, ...rest } = opts;
    const answer = await approvePending(ctx, agent, pending, {
      ...rest,
      ...(edits ? { edits } : {}),
      ...(accept ? { accept } : {}),
    });
    report(pending, 'approve', answer, opts);
  });
}

async function putEdits(ctx: Context, scope: AgentScope, cycleId: string, edits: Record<string, string>) {
  const body = JSON.stringify(edits, null, 1);
  const sha256 = createHash('sha256').update(body).digest('hex');
  return new CycleObjects(ctx.s3, ctx.storage.snapshotsBucket).putJson(
    CycleObjects.cycleKey(scope, cycleId, `edits-${sha256.slice(0, 16)}.json`),
    edits,
  );
}

export async function rejectCommand(
  agentId: string,
  changeSetId: string,
  opts: DecisionOptions & { reason: string },
): Promise<void> {
  await withContext(opts, async (ctx) => {
    const pending = await pendingFor(ctx, agentOf(ctx, agentId), changeSetId);
    report(pending, 'reject', await rejectPending(pending, opts), opts);
  });
}

export async function snapshotsCommand(agentId: string, opts: CommonOptions): Promise<void> {
  await withContext(opts, async (ctx) => {
    const list = await (await ctx.snapshotStore()).list(ctx.agent(agentId));
    if (opts.json) return printJson(list);
    if (list.length === 0) process.stdout.write(`no snapshots of ${agentId} yet\n`);
    for (const s of list)
      process.stdout.write(
        `${s.id}  ${safeName(s.takenAt, 30)}  ${String(s.files).padStart(5)} files  ${safeName(s.sha256.slice(0, 12))}  ${c().dim(safeName(s.label, 120))}${s.legacy ? c().dim('  (before fleet namespaces)') : ''}\n`,
      );
  });
}

/**
 * An agent's audit log, read as written and verified (see `AuditLog.verify`): each record's signature checked
 * with the workers' public keys; the chain's head is its newest signed record (no memo or state anyone with
 * namespace or S3 access could set names it).
 */
export async function verifiedLog(ctx: Context, agent: AgentScope): Promise<ChainReport<AuditRecord>> {
  const keys = await ctx.auditKeys();
  const log = new AuditLog(ctx.s3, ctx.storage.auditBucket, ctx.stack.s3.buckets.audit.retentionDays);
  return log.verify(agent, { keys });
}

/** The records of a reviewer's decision, which must carry a signature where reviewers have keys. */
const decisions = new Set(['approved', 'rejected']);

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

/**
 * The signatures of the decisions shown, checked again from their records (see `checkRecordedDecision`),
 * against the keys the agent's reviewers have now. By record key; records without a signature are left out.
 */
async function checkSignatures(
  keys: { key: string; record?: AuditRecord }[],
  reviewerKeys: Record<string, string>,
): Promise<Map<string, RecordedSignature>> {
  const fingerprints = new Map<string, string>();
  const out = new Map<string, RecordedSignature>();
  for (const { key, record } of keys) {
    if (!record || !decisions.has(record.event) || typeof record.data?.signature !== 'string') continue;
    const reviewer = record.actor ?? '';
    const configured = reviewerKeys[reviewer];
    if (configured && !fingerprints.has(reviewer))
      fingerprints.set(reviewer, await fingerprintOf(configured).catch(() => ''));
    out.set(key, await checkRecordedDecision(record, [fingerprints.get(reviewer) ?? ''].filter(Boolean)));
  }
  return out;
}

/** Says plainly what verification found; sets exit code 1 when the log was tampered with. */
function reportProblems(report: ChainReport<AuditRecord>, what: string): void {
  if (report.intact) return;
  process.exitCode = 1;
  process.stderr.write(
    `${c().red(`warning: the audit log of ${what} was changed outside dreamgate`)} (${report.problems.length} problem(s)):\n`,
  );
  for (const p of report.problems.slice(0, 50)) process.stderr.write(`  ${safeText(p)}\n`);
  if (report.problems.length > 50) process.stderr.write(`  … and ${report.problems.length - 50} more\n`);
}

export async function historyCommand(agentId: string, opts: CommonOptions & { cycle?: string }): Promise<void> {
  await withContext(opts, async (ctx) => {
    const agent = ctx.agent(agentId);
    const report = await verifiedLog(ctx, agent);
    const shown = report.keys.filter((k) => !opts.cycle || k.record?.cycle_id === opts.cycle);
    const reviewerKeys = agent.reviewerKeys ?? {};
    const signed = Object.keys(reviewerKeys).length > 0;
    const signatures = await checkSignatures(shown, reviewerKeys);
    for (const [key, status] of signatures)
      if (status === 'invalid') {
        report.intact = false;
        report.problems.push(
          `${key}: the decision's signature does not cover what the record says, or not by the key it names`,
        );
      }
    if (opts.json) {
      reportProblems(report, scopedName(agent));
      return printJson({
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
    const chained = report.keys.filter((k) => k.status === 'ok').length;
    const legacy = report.keys.filter((k) => k.status === 'legacy' || k.status === 'unsealed').length;
    process.stdout.write(
      `${c().bold(scopedName(agent))}: ${report.keys.length} record(s); ${
        report.intact
          ? c().green(`chain intact`) +
            (report.head ? c().dim(` (${chained} signed by a worker, head ${report.head.slice(0, 12)})`) : '')
          : c().red(`${report.problems.length} problem(s), see below`)
      }${legacy ? c().dim(`; ${legacy} written before the chain or its seals (·), not verifiable`) : ''}\n`,
    );
    let cycle: string | undefined;
    for (const k of shown) {
      const r = k.record;
      if (k.missingBefore) process.stdout.write(c().red(`  ! a record is missing here\n`));
      if (r && r.cycle_id !== cycle) process.stdout.write(`${c().bold(safeName(r.cycle_id, 120))}\n`);
      cycle = r?.cycle_id;
      const status = statusMark[k.status];
      // where reviewers have keys, a decision that carries no signature is shown as such
      // and one whose signature, checked again, does not cover the record or is not by a key the reviewer has
      const unsigned = signed && r && decisions.has(r.event) && typeof r.data?.signedBy !== 'string';
      const sig = signatures.get(k.key);
      const mark =
        (unsigned ? c().red('UNSIGNED ') : '') +
        (sig === 'invalid' ? c().red('BAD SIGNATURE ') : '') +
        (sig === 'unknown-key' ? c().red('SIGNED BY A KEY NOT CONFIGURED NOW ') : '');
      const line = r
        ? `${safeName(r.at, 19).slice(0, 19).replace('T', ' ')}  ${safeName(r.event, 40).padEnd(18)} ${r.actor ? `by ${safeName(r.actor, 60)} ` : ''}${mark}${c().dim(formatData(r.data))}`
        : `${safeName(k.key, 160)}`;
      process.stdout.write(`${k.status === 'ok' || k.status === 'legacy' ? status : c().red(status)} ${line}\n`);
      for (const note of k.status === 'legacy' || k.status === 'unsealed' ? k.notes.slice(1) : k.notes)
        process.stdout.write(c().red(`    ! ${safeText(note)}\n`));
    }
    const vouched = new Set(['ok', 'legacy', 'unsealed']);
    const hint = historyHint(
      shown.flatMap((k) => (k.record && vouched.has(k.status) ? [k.record] : [])),
      agentId,
    );
    if (hint) process.stdout.write(c().yellow(`${hint}\n`));
    const refused = await readRefusals(ctx.s3, ctx.storage.auditBucket, agent);
    if (refused.length > 0) process.stdout.write(c().bold(`refused calls (${refused.length}, newest last)\n`));
    for (const r of refused)
      process.stdout.write(
        c().red(
          `  ${safeName(r.at, 19).replace('T', ' ')}  ${safeName(r.activity, 40)} from workflow ${safeName(r.workflowId, 120)} (${safeName(r.workflowType, 60)}): ${safeName(r.why, 300)}\n`,
        ),
      );
    reportProblems(report, scopedName(agent));
  });
}

export async function rollbackCommand(
  agentId: string,
  opts: CommonOptions & { to: string; as?: string },
): Promise<void> {
  await withContext(opts, async (ctx) => {
    const agent = agentOf(ctx, agentId);
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
    const vouched = new Set(['ok', 'legacy', 'unsealed']);
    const trusted = report.keys.filter((k) => k.record && vouched.has(k.status));
    const byCycle = new Map<string, AuditRecord[]>();
    for (const { record: r } of trusted) byCycle.set(r!.cycle_id, [...(byCycle.get(r!.cycle_id) ?? []), r!]);
    const objects = new CycleObjects(ctx.s3, ctx.storage.snapshotsBucket);
    const snaps = await ctx.snapshotStore();
    const history: FileChange[] = [];
    const labels: Record<string, SessionLabel> = {};
    const warnings: string[] = [];
    for (const [cycleId, rs] of byCycle) {
      if (!rs.some((r) => r.event === 'cycle-kept')) continue;
      const stored = [...rs].reverse().find((r) => r.event === 'change-set-revised' || r.event === 'change-set-stored');
      const id = stored?.data?.changeSet;
      // v1 records name the change set's key; v2 change sets are content-addressed by their id
      const key = stored?.data?.key ?? (typeof id === 'string' ? CycleObjects.changeSetKey(agent, id) : undefined);
      const snapshotId = rs.find((r) => r.event === 'snapshot-taken')?.data?.snapshot;
      if (typeof key !== 'string' || typeof snapshotId !== 'string') continue;
      // the change set lives in the (unlocked) snapshots bucket: it must still be what the log recorded
      const text = await objects.getText(key);
      if (text === undefined || (typeof id === 'string' && sha256Hex(text) !== id)) {
        warnings.push(
          `cycle ${cycleId}: its change set ${text === undefined ? 'is missing' : 'does not match the sha256 the audit log recorded'}; its lines are shown as the agent's`,
        );
        continue;
      }
      const cs = changeSetSchema.parse(JSON.parse(text));
      const change = cs.changes.find((ch) => ch.path === path || ch.new_path === path);
      if (!change) continue;
      const base = await snaps.restore(agent, snapshotId);
      const approval = rs.find((r) => r.event === 'approved');
      history.push({
        cycleId,
        at: rs[0]!.cycle_started_at,
        ...(approval?.actor ? { approvedBy: approval.actor } : {}),
        before: base.get(change.path),
        after: change.op === 'delete' ? undefined : (change.after ?? base.get(change.path)),
        evidence: change.evidence,
        reason: change.reason,
        movedIn: (change.moved ?? [])
          .filter((m) => m.to.path === path)
          .map((m) => ({ line: m.to.line, from: `${m.from.path}:${m.from.line}` })),
      });
      Object.assign(labels, cs.sessions?.labels ?? {});
    }
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
    for (const w of warnings) process.stderr.write(`${c().red('warning:')} ${safeText(w)}\n`);
    if (warnings.length) process.exitCode = 1;
    reportProblems(report, scopedName(agent));
  });
}
