import type { AgentConfig } from '../config/fleet.js';
import type { AgentScope } from '../names/scope.js';
import { revises, type Decision } from './decision.js';
import { seal, unseal, type Binding, type Sealed } from './seal.js';
import type { CycleRef, DecisionResult, DreamRef, EvalSummary } from './types.js';
import { decisionDigest } from './verifyDecision.js';
import { shortId } from '../names/ids.js';

/**
 * What an activity decides for itself before it acts. Temporal's own metadata cannot tell callers apart (any
 * client names its workflow's id and type, and any workflow can schedule activities on any task queue), so
 * the workflow, its arguments and every S3 object are untrusted input: an effect needs a proof a worker made,
 * for this agent, this cycle run and this change set.
 */

/** A step that is not allowed: refused (non-retryable `Unauthorized`) and recorded as a refusal. */
export class Unauthorized extends Error {
  override readonly name = 'Unauthorized';
}

/** The kinds of proof a worker seals. */
export const proofKinds = {
  cycle: 'cycle',
  snapshot: 'snapshot',
  dream: 'dream',
  revision: 'revision',
  eval: 'eval',
  promote: 'promote',
  verify: 'verify',
  rollback: 'rollback',
  restore: 'restore',
  redaction: 'redaction',
  /** What a change set's proposals were (fingerprints) and what a reviewer's revision took from them. */
  memory: 'memory',
} as const;

export const bindingOf = (scope: AgentScope, run: string): Binding => ({ fleet: scope.fleet, agent: scope.id, run });

/**
 * The sealed fields of a cycle reference. `runId` is there only for a run that carries a cycle on after it
 * continued as new: a reference sealed before continuations existed keeps its seal.
 */
function refBody(ref: Omit<CycleRef, 'seal'>): Record<string, unknown> {
  const { fleet, agent, configHash, cycleId, startedAt, mode, runId } = ref;
  const body = { fleet, agent, configHash: configHash ?? null, cycleId, startedAt, mode: mode ?? 'review' };
  return runId === undefined ? body : { ...body, runId };
}

/** The run a reference is for: the cycle's first run, or the run it continued in. */
export const runOf = (ref: Pick<CycleRef, 'cycleId' | 'runId'>): string => ref.runId ?? ref.cycleId;

/** The cycle reference an opening (or a checked continuation) hands the workflow: sealed for that run. */
export function sealRef(key: Buffer, ref: Omit<CycleRef, 'seal'>): CycleRef {
  const { fleet, agent } = ref;
  return { ...ref, seal: seal(key, proofKinds.cycle, { fleet, agent, run: runOf(ref) }, refBody(ref)).seal };
}

/** Whether a reference's seal checks for the run it names (not whether that run is the caller). */
export function sealChecks(key: Buffer, ref: CycleRef): boolean {
  if (typeof ref.seal !== 'string') return false;
  const { fleet, agent } = ref;
  return (
    unseal(key, proofKinds.cycle, { fleet, agent, run: runOf(ref) }, { ...refBody(ref), seal: ref.seal }) !== undefined
  );
}

/**
 * The checked reference, or why not: sealed for this run, when it opened or when a worker checked that it
 * continues the run the cycle's reference was sealed for. Proofs bind to the cycle (its first run), which a
 * continued run keeps.
 */
export function checkRef(key: Buffer, ref: CycleRef, run: string): string | undefined {
  if (typeof ref.seal !== 'string') return 'the cycle did not open on a worker (its reference carries no seal)';
  if (runOf(ref) !== run) return `the cycle reference names run ${runOf(ref)}, not the run that calls (${run})`;
  return sealChecks(key, ref) ? undefined : 'the cycle reference’s seal does not check';
}

/** A change set this worker made in this run from this snapshot (a dream, or a reviewer's revision of one). */
export function madeHere(
  key: Buffer,
  b: Binding,
  dream: Sealed<DreamRef> | undefined,
  step: { snapshotId: string; changeSetId: string },
): DreamRef | string {
  const d = unseal(key, proofKinds.dream, b, dream) ?? unseal(key, proofKinds.revision, b, dream);
  if (!d) return `change set ${shortId(String(step.changeSetId))} carries no proof that this cycle’s worker made it`;
  if (d.changeSetId !== step.changeSetId || d.snapshotId !== step.snapshotId)
    return `the proof is for change set ${shortId(d.changeSetId)} from snapshot ${d.snapshotId}, not ${shortId(step.changeSetId)} from ${step.snapshotId}`;
  if (d.revises && !unseal(key, proofKinds.revision, b, dream)) return 'a revision sealed as a dream';
  return d;
}

/** What a promotion is shown: the change set's proof, the gate's two evaluations and, when reviewed, the decision. */
export interface PromotionProof {
  dream?: Sealed<DreamRef>;
  baseline?: Sealed<EvalSummary>;
  post?: Sealed<EvalSummary>;
  decision?: Decision;
}

/** The gate a worker sealed: the baseline of the snapshot and the candidate's score, within the threshold. */
export function gateRefusal(
  key: Buffer,
  b: Binding,
  d: DreamRef,
  proof: PromotionProof,
  threshold: number,
): string | undefined {
  const base = unseal(key, proofKinds.eval, b, proof.baseline);
  const post = unseal(key, proofKinds.eval, b, proof.post);
  if (!base || base.step !== 'baseline' || base.target?.series !== 'snapshot' || base.target.id !== d.snapshotId)
    return `no baseline evaluation of snapshot ${d.snapshotId} sealed in this cycle`;
  if (!post || post.target?.series !== 'candidate' || post.target.id !== d.candidateId)
    return `no evaluation of candidate ${d.candidateId} sealed in this cycle`;
  if (post.score < base.score - threshold)
    return `the gate refuses it: ${post.score.toFixed(3)} < baseline ${base.score.toFixed(3)} − ${threshold}`;
  return undefined;
}

/** Whether this promotion needs a reviewer: the cycle opened in review, or its dream quarantined a session. */
export function needsReview(mode: CycleRef['mode'], d: DreamRef, agent: Pick<AgentConfig, 'onQuarantine'>): boolean {
  const quarantined = (d.summary.quarantined ?? 0) > 0 && (agent.onQuarantine ?? 'review') === 'review';
  return mode !== 'automatic' || quarantined || d.revises !== undefined;
}

/**
 * Whether a verified approval covers this change set: the dream itself when the decision changes nothing,
 * or exactly the revision the worker made for that decision.
 */
export function approvalRefusal(d: DreamRef, v: DecisionResult & { decision?: Decision }): string | undefined {
  if (!v.accepted || !v.decision) return `no approval: ${v.accepted ? 'the decision is missing' : v.why}`;
  if (d.revises) {
    if (d.revises.decision !== decisionDigest(v.decision))
      return 'the revision was made for another decision than the one shown';
    return undefined;
  }
  if (revises(v.decision))
    return 'the approval narrows, edits or adds to the change set: only its revision may be promoted';
  return undefined;
}
