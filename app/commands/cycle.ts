import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { CycleObjects } from '../../src/cycle/objects.js';
import { blame, type FileChange } from '../../src/cycle/blame.js';
import type { CycleState } from '../../src/cycle/types.js';
import { applyChanges } from '../../src/memory/apply.js';
import { changeSetSchema, type ChangeSet } from '../../src/memory/changeSet.js';
import { renderChangeSet } from '../../src/memory/diff.js';
import { openStore } from '../../src/memory/open.js';
import { assertPath } from '../../src/memory/paths.js';
import { decodeUtf8 } from '../../src/memory/store.js';
import { AuditLog, type AuditRecord } from '../../src/snapshots/audit.js';
import { sha256Hex, type ChainReport, type RecordStatus } from '../../src/snapshots/chain.js';
import { cycleWorkflowId, scopedName, type AgentScope } from '../../src/config/scope.js';
import { safeName, safeText } from '../../src/util/display.js';
import { workflowUrl } from '../temporal/settings.js';
import { InvalidInput } from '../../src/util/errors.js';
import { colours, printJson, progress } from '../../src/cli/output.js';
import { approve, cycleState, listCycles, pendingReview, reject, startCycle } from '../cycles.js';
import { reviewerName, withContext, type CommonOptions, type Context } from '../context.js';

const c = () => colours();

function formatScores(s: Pick<CycleState, 'baseline' | 'post' | 'delta' | 'usage' | 'attempts'>): string {
  if (s.baseline === undefined) return '';
  const spend = s.usage
    ? `; model: ${s.usage.requests} request(s), ${s.usage.tokens} tokens, $${s.usage.costUsd.toFixed(4)}${s.attempts ? ` over ${s.attempts} attempts` : ''}`
    : '';
  return `baseline ${s.baseline.toFixed(3)}${s.post !== undefined ? ` → ${s.post.toFixed(3)} (Δ ${s.delta! >= 0 ? '+' : ''}${s.delta!.toFixed(3)})` : ''}${spend}`;
}

export async function runCommand(
  agentId: string,
  opts: CommonOptions & { wait?: boolean; follow?: boolean },
): Promise<void> {
  await withContext(opts, async (ctx) => {
    const agent = ctx.agent(agentId);
    const client = await ctx.client();
    const handle = await startCycle(client, ctx.fleet, agent, 'manual');
    const url = workflowUrl(client.temporal, handle.workflowId);
    progress(`started ${handle.workflowId} (${agent.mode}) — ${url}`);
    if (opts.follow === false) {
      if (opts.json) printJson({ workflowId: handle.workflowId, url });
      return;
    }
    // live progress: one line a stage, read from the cycle's query
    let last = '';
    let state: CycleState | undefined;
    for (;;) {
      const desc = await handle.describe();
      state = await cycleState(handle).catch(() => state);
      const line = state ? `${state.stage}${formatScores(state) ? `  ${formatScores(state)}` : ''}` : 'starting';
      if (line !== last) progress(line);
      last = line;
      if (desc.status.name !== 'RUNNING') break;
      if (state?.stage === 'review' && !opts.wait) {
        progress(
          `waiting for review by ${agent.reviewers.join(', ')}: \`dreamgate review ${agent.id}\`, then \`dreamgate approve ${agent.id}\` or \`dreamgate reject ${agent.id} --reason …\``,
        );
        break;
      }
      await sleep(500);
    }
    const final = await handle.describe();
    if (final.status.name === 'RUNNING') {
      if (opts.json) printJson({ workflowId: handle.workflowId, url, state });
      return;
    }
    const result = final.status.name === 'COMPLETED' ? await handle.result() : undefined;
    if (opts.json)
      printJson({ workflowId: handle.workflowId, url, status: final.status.name, result: result ?? state });
    else {
      const outcome = result?.outcome ?? 'failed';
      const paint = outcome === 'kept' ? c().green : outcome === 'skipped' ? c().yellow : c().red;
      process.stdout.write(
        `${paint(outcome)} ${agent.id}: ${safeText(result?.reason ?? state?.reason ?? final.status.name)}\n${formatScores(result ?? state ?? {})}\n${url}\n`,
      );
    }
    if (!result) process.exitCode = 1;
  });
}

export async function statusCommand(agentId: string | undefined, opts: CommonOptions): Promise<void> {
  await withContext(opts, async (ctx) => {
    const client = await ctx.client();
    const agents = agentId ? [ctx.agent(agentId)] : ctx.fleet.agents;
    const rows = [];
    for (const agent of agents) {
      const cycles = await listCycles(client, agent, { limit: agentId ? 10 : 1 });
      for (const cy of cycles) {
        const state =
          cy.status === 'RUNNING'
            ? await cycleState(client.client.workflow.getHandle(cy.workflowId, cy.runId)).catch(() => undefined)
            : undefined;
        rows.push({
          agent: agent.id,
          mode: agent.mode,
          ...cy,
          ...(state ? { stage: state.stage, waitingFor: state.waitingFor } : {}),
        });
      }
      if (cycles.length === 0) rows.push({ agent: agent.id, mode: agent.mode, status: 'no cycles yet' });
    }
    if (opts.json) return printJson(rows);
    for (const r of rows) {
      const outcome =
        'outcome' in r && r.outcome ? r.outcome : 'stage' in r && r.stage ? `running: ${r.stage}` : r.status;
      const delta = 'delta' in r && r.delta !== undefined ? ` Δ ${r.delta >= 0 ? '+' : ''}${r.delta.toFixed(3)}` : '';
      const when = 'startTime' in r && r.startTime ? r.startTime.toISOString().replace('T', ' ').slice(0, 16) : '';
      // what a cycle reports (its stage, what it waits for) is shown escaped, like every recorded text
      process.stdout.write(
        `${safeName(r.agent).padEnd(22)} ${r.mode.padEnd(9)} ${when.padEnd(16)} ${safeName(outcome, 60).padEnd(22)}${delta}  ${'workflowId' in r ? c().dim(safeName(r.workflowId ?? '', 160)) : ''}\n`,
      );
      if ('waitingFor' in r && r.waitingFor)
        process.stdout.write(c().dim(`    waiting for ${safeName(r.waitingFor, 300)}\n`));
    }
  });
}

async function loadChangeSet(ctx: Context, key: string): Promise<ChangeSet> {
  const raw = await new CycleObjects(ctx.s3, ctx.storage.snapshotsBucket).getJson(key);
  if (!raw) throw new Error(`change set ${key} is missing from s3://${ctx.storage.snapshotsBucket}`);
  return changeSetSchema.parse(raw);
}

export async function reviewCommand(agentId: string, opts: CommonOptions): Promise<void> {
  await withContext(opts, async (ctx) => {
    const { handle, state } = await pendingReview(await ctx.client(), ctx.agent(agentId));
    const cs = await loadChangeSet(ctx, state.changeSetKey!);
    if (opts.json) return printJson({ workflowId: handle.workflowId, state, changeSet: cs });
    const base = await ctx.snapshotStore().restore(ctx.agent(agentId), state.snapshotId!);
    process.stdout.write(
      `${c().bold(`change set ${safeName(state.changeSetId!.slice(0, 12))}`)} of ${agentId} · ${formatScores(state)} · cycle ${safeName(handle.workflowId, 160)}\n\n`,
    );
    process.stdout.write(renderChangeSet(cs, base, c()));
    process.stdout.write(
      `\napprove: dreamgate approve ${agentId} [--only <path>…]   reject: dreamgate reject ${agentId} --reason "…"\n`,
    );
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

/**
 * `--restore <session>`: a reviewer overrules a quarantine. The memory lines that session wrote, which
 * screening took out, go back into their files (appended where the dream's version no longer has them).
 */
async function restoredEdits(
  ctx: Context,
  agentId: string,
  state: CycleState,
  sessions: string[],
): Promise<Record<string, string>> {
  const cs = await loadChangeSet(ctx, state.changeSetKey!);
  const snapshot = await ctx.snapshotStore().restore(ctx.agent(agentId), state.snapshotId!);
  const candidate = applyChanges(snapshot, cs);
  const out: Record<string, string> = {};
  for (const id of sessions) {
    const q = cs.quarantined.find((x) => x.session_id === id);
    if (!q)
      throw new InvalidInput(
        `--restore ${id}: not quarantined in change set ${state.changeSetId!.slice(0, 12)} (quarantined: ${cs.quarantined.map((x) => x.session_id).join(', ') || 'none'})`,
      );
    for (const { path, line } of q.removed_lines) {
      const current = out[path] ?? candidate.get(path) ?? '';
      if (current.split('\n').includes(line)) continue;
      out[path] = `${current}${current === '' || current.endsWith('\n') ? '' : '\n'}${line}\n`;
    }
  }
  return out;
}

export async function approveCommand(
  agentId: string,
  opts: CommonOptions & { only?: string[]; edit?: string[]; restore?: string[]; as?: string; comment?: string },
): Promise<void> {
  await withContext(opts, async (ctx) => {
    for (const p of opts.only ?? []) assertPath(p, '--only');
    const own = opts.edit?.length ? await readEdits(opts.edit) : undefined;
    const { handle, state } = await pendingReview(await ctx.client(), ctx.agent(agentId));
    const restored = opts.restore?.length ? await restoredEdits(ctx, agentId, state, opts.restore) : undefined;
    for (const p of Object.keys(own ?? {}))
      if (restored && p in restored)
        throw new InvalidInput(
          `--edit ${p} and --restore both change ${p}: put the restored lines in your edit instead`,
        );
    const edits = own || restored ? { ...restored, ...own } : undefined;
    const reviewer = reviewerName(opts.as);
    if (!ctx.agent(agentId).reviewers.includes(reviewer))
      progress(
        c().yellow(
          `warning: ${reviewer} is not a listed reviewer of ${agentId}; the cycle will record and ignore this approval`,
        ),
      );
    // edited contents travel through S3; the signal carries their key and hash only
    const edited = edits
      ? await new CycleObjects(ctx.s3, ctx.storage.snapshotsBucket).putJson(
          CycleObjects.cycleKey(ctx.agent(agentId), handle.workflowId, `edits-${Date.now()}.json`),
          edits,
        )
      : undefined;
    await approve(handle, {
      reviewer,
      changeSetId: state.changeSetId!,
      ...(opts.comment || opts.restore?.length
        ? {
            comment: [opts.comment, opts.restore?.length ? `restored quarantined ${opts.restore.join(', ')}` : '']
              .filter(Boolean)
              .join('; '),
          }
        : {}),
      ...(opts.only?.length ? { onlyPaths: opts.only } : {}),
      ...(edited ? { editedKey: edited.key, editedSha256: edited.sha256 } : {}),
    });
    if (opts.json) printJson({ workflowId: handle.workflowId, reviewer, changeSetId: state.changeSetId });
    else
      process.stdout.write(
        `approved change set ${state.changeSetId!.slice(0, 12)} of ${agentId} as ${reviewer}; follow it with \`dreamgate status ${agentId}\`\n`,
      );
  });
}

export async function rejectCommand(
  agentId: string,
  opts: CommonOptions & { reason: string; as?: string },
): Promise<void> {
  await withContext(opts, async (ctx) => {
    const { handle, state } = await pendingReview(await ctx.client(), ctx.agent(agentId));
    const reviewer = reviewerName(opts.as);
    await reject(handle, { reviewer, changeSetId: state.changeSetId!, reason: opts.reason });
    if (opts.json) printJson({ workflowId: handle.workflowId, reviewer, changeSetId: state.changeSetId });
    else process.stdout.write(`rejected change set ${state.changeSetId!.slice(0, 12)} of ${agentId} as ${reviewer}\n`);
  });
}

export async function snapshotsCommand(agentId: string, opts: CommonOptions): Promise<void> {
  await withContext(opts, async (ctx) => {
    const list = await ctx.snapshotStore().list(ctx.agent(agentId));
    if (opts.json) return printJson(list);
    if (list.length === 0) process.stdout.write(`no snapshots of ${agentId} yet\n`);
    for (const s of list)
      process.stdout.write(
        `${s.id}  ${safeName(s.takenAt, 30)}  ${String(s.files).padStart(5)} files  ${safeName(s.sha256.slice(0, 12))}  ${c().dim(safeName(s.label, 120))}${s.legacy ? c().dim('  (before fleet namespaces)') : ''}\n`,
      );
  });
}

/**
 * The head of an agent's audit chain as Temporal keeps it, where an S3 writer cannot change it: the running
 * cycle's state, or the memo of the agent's newest closed run. Undefined when Temporal holds none.
 */
async function trustedHead(ctx: Context, agent: AgentScope): Promise<string | undefined> {
  try {
    const handle = (await ctx.client()).client.workflow.getHandle(cycleWorkflowId(agent));
    const desc = await handle.describe();
    if (desc.status.name === 'RUNNING') {
      const state = await handle.query<{ auditHead?: unknown }>('state');
      return typeof state.auditHead === 'string' ? state.auditHead : undefined;
    }
    const head = desc.memo?.auditHead;
    return typeof head === 'string' ? head : undefined;
  } catch {
    return undefined; // no such workflow (yet), or Temporal unreachable: the chain is checked on its own
  }
}

/** An agent's audit log, read as written and verified (see `AuditLog.verify`). */
async function verifiedLog(ctx: Context, agent: AgentScope): Promise<ChainReport<AuditRecord> & { pinned: boolean }> {
  const head = await trustedHead(ctx, agent);
  const report = await new AuditLog(ctx.s3, ctx.storage.auditBucket, ctx.stack.s3.buckets.audit.retentionDays).verify(
    agent,
    head ? { trustedHead: head } : {},
  );
  return { ...report, pinned: head !== undefined };
}

/** The records of a reviewer's decision, which must carry a signature where reviewers have keys. */
const decisions = new Set(['approved', 'rejected']);

const statusMark: Record<RecordStatus, string> = {
  ok: ' ',
  legacy: '·',
  added: '!',
  forked: '?',
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
    const signed = Object.keys((agent as { reviewerKeys?: Record<string, string> }).reviewerKeys ?? {}).length > 0;
    if (opts.json) {
      reportProblems(report, scopedName(agent));
      return printJson({
        agent: scopedName(agent),
        intact: report.intact,
        ...(report.head ? { head: report.head } : {}),
        headFromTemporal: report.pinned,
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
          },
        })),
      });
    }
    const chained = report.keys.filter((k) => k.status === 'ok').length;
    const legacy = report.keys.filter((k) => k.status === 'legacy').length;
    process.stdout.write(
      `${c().bold(scopedName(agent))}: ${report.keys.length} record(s); ${
        report.intact
          ? c().green(`chain intact`) +
            (report.head
              ? c().dim(
                  ` (${chained} chained, head ${report.head.slice(0, 12)}${report.pinned ? ', as Temporal keeps it' : ''})`,
                )
              : '')
          : c().red(`${report.problems.length} problem(s), see below`)
      }${legacy ? c().dim(`; ${legacy} written before the chain (·), not verifiable`) : ''}\n`,
    );
    let cycle: string | undefined;
    for (const k of shown) {
      const r = k.record;
      if (k.missingBefore) process.stdout.write(c().red(`  ! a record is missing here\n`));
      if (r && r.cycle_id !== cycle) process.stdout.write(`${c().bold(safeName(r.cycle_id, 120))}\n`);
      cycle = r?.cycle_id;
      const mark = statusMark[k.status];
      // where reviewers have keys, a decision that carries no signature is shown as such
      const unsigned = signed && r && decisions.has(r.event) && typeof r.data?.signedBy !== 'string';
      const line = r
        ? `${safeName(r.at, 19).slice(0, 19).replace('T', ' ')}  ${safeName(r.event, 40).padEnd(18)} ${r.actor ? `by ${safeName(r.actor, 60)} ` : ''}${unsigned ? c().red('UNSIGNED ') : ''}${c().dim(formatData(r.data))}`
        : `${safeName(k.key, 160)}`;
      process.stdout.write(`${k.status === 'ok' || k.status === 'legacy' ? mark : c().red(mark)} ${line}\n`);
      for (const note of k.status === 'legacy' ? k.notes.slice(1) : k.notes)
        process.stdout.write(c().red(`    ! ${safeText(note)}\n`));
    }
    reportProblems(report, scopedName(agent));
  });
}

export async function rollbackCommand(
  agentId: string,
  opts: CommonOptions & { to: string; as?: string },
): Promise<void> {
  await withContext(opts, async (ctx) => {
    const agent = ctx.agent(agentId);
    const snaps = ctx.snapshotStore();
    const store = await snaps.restore(agent, opts.to);
    const live = openStore(agent.store, { s3: ctx.s3 });
    const before = await live.read();
    // the live store is snapshotted first, so this rollback can itself be undone
    const safety = await snaps.take(agent, before, `manual-rollback-${new Date().toISOString()}/before`);
    await live.replaceAll(store);
    const log = new AuditLog(ctx.s3, ctx.storage.auditBucket, ctx.stack.s3.buckets.audit.retentionDays);
    const now = new Date().toISOString();
    const record: AuditRecord = {
      fleet: agent.fleet,
      agent_id: agentId,
      cycle_id: `manual-rollback-${now.replace(/[:.]/g, '')}`,
      cycle_started_at: now,
      seq: 1,
      event: 'manual-rollback',
      at: now,
      actor: reviewerName(opts.as),
      data: { to: opts.to, sha256: store.hash(), previous: safety.id },
    };
    // TODO(gate): a manual rollback is to be recorded through the agent's workflow, which keeps the chain's head
    await log.append({ ...record, prev: await log.head(agent, log.key(record)) });
    if (opts.json) printJson({ restored: opts.to, sha256: store.hash(), previousSnapshot: safety.id });
    else
      process.stdout.write(
        `restored ${agentId} to snapshot ${opts.to} (${store.size} files); the store as it was is snapshot ${safety.id}\n`,
      );
  });
}

export async function blameCommand(agentId: string, path: string, opts: CommonOptions): Promise<void> {
  await withContext(opts, async (ctx) => {
    const agent = ctx.agent(agentId);
    assertPath(path, 'blame');
    const current = (await openStore(agent.store, { s3: ctx.s3 }).read()).get(path);
    if (current === undefined) throw new InvalidInput(`${path} is not in the live store of ${agentId}`);
    const report = await verifiedLog(ctx, agent);
    // only records dreamgate wrote count: an added or forked "approved" is not an approval
    const trusted = report.keys.filter((k) => k.record && (k.status === 'ok' || k.status === 'legacy'));
    const byCycle = new Map<string, AuditRecord[]>();
    for (const { record: r } of trusted) byCycle.set(r!.cycle_id, [...(byCycle.get(r!.cycle_id) ?? []), r!]);
    const objects = new CycleObjects(ctx.s3, ctx.storage.snapshotsBucket);
    const snaps = ctx.snapshotStore();
    const history: FileChange[] = [];
    const warnings: string[] = [];
    for (const [cycleId, rs] of byCycle) {
      if (!rs.some((r) => r.event === 'cycle-kept')) continue;
      const stored = [...rs].reverse().find((r) => r.event === 'change-set-revised' || r.event === 'change-set-stored');
      const key = stored?.data?.key;
      const id = stored?.data?.changeSet;
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
      });
    }
    const lines = blame(current, history);
    if (opts.json) {
      reportProblems(report, scopedName(agent));
      return printJson({
        intact: report.intact && warnings.length === 0,
        problems: [...report.problems, ...warnings],
        lines,
      });
    }
    const width = Math.max(16, ...lines.map((l) => Math.min(60, l.cycleId?.length ?? 0)));
    for (const l of lines) {
      const sessions =
        l.sessions.length === 0
          ? ''
          : l.sessions.length === 1
            ? safeName(l.sessions[0], 40)
            : `${safeName(l.sessions[0], 40)} +${l.sessions.length - 1}`;
      const who =
        l.origin === 'dream'
          ? `${safeName(l.cycleId, 60).padEnd(width)} ${safeName(l.approvedBy ?? 'automatic', 40).padEnd(14)} ${sessions.padEnd(20)}`
          : `${(l.origin === 'agent' ? 'the agent, since' : 'before dreamgate').padEnd(width)} ${''.padEnd(14)} ${''.padEnd(20)}`;
      process.stdout.write(`${c().dim(who)} │ ${safeText(l.line)}\n`);
    }
    for (const w of warnings) process.stderr.write(`${c().red('warning:')} ${safeText(w)}\n`);
    if (warnings.length) process.exitCode = 1;
    reportProblems(report, scopedName(agent));
  });
}
