import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { AgentConfig } from '../../src/config/fleet.js';
import type { AgentScope } from '../../src/names/scope.js';
import { editsKey } from '../../src/names/keys.js';
import { signedText, type Decision, type Verdict } from '../../src/cycle/decision.js';
import { CycleObjects } from '../../src/cycle/objects.js';
import { reviseChanges } from '../../src/cycle/revise.js';
import { signText } from '../../src/cycle/signing.js';
import type { DecisionResult } from '../../src/cycle/types.js';
import { knownLines, screenDocument } from '../../src/dream/guard.js';
import { suggestionsOf, type ChangeSet } from '../../src/memory/changeSet.js';
import { assertPath } from '../../src/memory/paths.js';
import { decodeUtf8 } from '../../src/memory/store.js';
import { safeName, safeText } from '../../src/util/display.js';
import { InvalidInput } from '../../src/util/errors.js';
import { reviewerName, withContext, type CommonOptions, type Context } from '../context.js';
import { decide, scopeOf, type Pending } from '../cycleClient.js';
import { printJson } from '../output.js';
import { pendingChangeSet, pendingFor } from './pending.js';
import { shortId } from '../../src/names/ids.js';

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
  const id = shortId(state.changeSetId!);
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
    const agent = ctx.agentOrTeam(agentId);
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
  return new CycleObjects(ctx.s3, ctx.storage.snapshotsBucket).putJson(editsKey(scope, cycleId, sha256), edits);
}

export async function rejectCommand(
  agentId: string,
  changeSetId: string,
  opts: DecisionOptions & { reason: string },
): Promise<void> {
  await withContext(opts, async (ctx) => {
    const pending = await pendingFor(ctx, ctx.agentOrTeam(agentId), changeSetId);
    report(pending, 'reject', await rejectPending(pending, opts), opts);
  });
}
