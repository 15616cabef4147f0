/**
 * What an audit record may say, and what proves it. The worker signs every record it appends, so it appends
 * only what it can vouch for: a record of something that happened (a snapshot, a dream, a score, a decision,
 * a promotion, a rollback, a restore, a redaction) takes its facts from the proof the activity that did it
 * sealed, never from the workflow's words; the rest is the cycle's narrative (a lock waited on, a page that
 * failed, how the cycle ended), bounded, with no one's name on it but a refused decision's.
 *
 * Pure: the workflow builds the same data from the same results (so its stubs and the real worker agree).
 */
import type { Decision, Verdict } from './decision.js';
import type { DreamRef, EvalSummary, PromoteResult, RollbackResult, SnapshotRef, VerifyResult } from './types.js';

/** What a record of a fact carries as its proof, by the activity result that proves it. */
export interface RecordProof {
  snapshot?: SnapshotRef;
  dream?: DreamRef;
  eval?: EvalSummary;
  decision?: { verdict: Verdict; decision: Decision; via: 'update' | 'signal' };
  promote?: PromoteResult;
  verify?: VerifyResult;
  rollback?: RollbackResult;
  restore?: { snapshotId: string; previous: string; sha256: string; files: number; seal?: string };
  redaction?: { blobs: { old: string; new: string; paths: string[]; found: Record<string, number> }[]; seal?: string };
}

/** Events that are narrative: no proof, bounded data, no actor (but a refused decision names who sent it). */
export const narrativeEvents = new Set([
  'review-required',
  'review-continued',
  'decisions-ignored',
  'decision-ignored',
  'rollback-failed',
  'store-locked',
  'conflict',
  'page-failed',
  'notify-failed',
  'review-failed',
  'reminder-failed',
  'cycle-kept',
  'cycle-discarded',
  'cycle-rolled_back',
  'cycle-rejected',
  'cycle-timed_out',
  'cycle-skipped',
  'cycle-conflict',
  'cycle-failed',
  'agent-paused',
  'agent-resumed',
  'pause-failed',
]);

/** Which proof each fact needs, and the narrative keys the workflow may add beside its facts. */
export const factEvents: Record<string, { proof: keyof RecordProof; extra: string[] }> = {
  'snapshot-taken': { proof: 'snapshot', extra: [] },
  'change-set-stored': { proof: 'dream', extra: [] },
  'change-set-revised': { proof: 'dream', extra: [] },
  'baseline-scored': { proof: 'eval', extra: [] },
  'post-scored': { proof: 'eval', extra: [] },
  'revised-scored': { proof: 'eval', extra: [] },
  'gate-failed': { proof: 'eval', extra: ['threshold', 'redream'] },
  approved: { proof: 'decision', extra: [] },
  rejected: { proof: 'decision', extra: [] },
  promoted: { proof: 'promote', extra: [] },
  verified: { proof: 'verify', extra: [] },
  'rolled-back': { proof: 'rollback', extra: ['why', 'verifyScore'] },
  'manual-rollback': { proof: 'restore', extra: [] },
  redacted: { proof: 'redaction', extra: ['snapshotsChanged', 'candidatesChanged', 'snapshots', 'candidates'] },
};

export const scoreData = (e: EvalSummary) => ({
  score: e.score,
  passed: e.passed,
  cases: e.cases,
  failing: e.failing,
  report: e.reportKey,
});

export const snapshotData = (s: SnapshotRef) => ({ snapshot: s.snapshotId, sha256: s.sha256, files: s.files });

export const dreamData = (d: DreamRef) => ({
  changeSet: d.changeSetId,
  candidate: d.candidateId,
  summary: d.summary,
  sessions: d.sessionsUsed,
  ...(d.dropped > 0 ? { dropped: d.dropped } : {}),
  ...(d.usage ? { usage: d.usage } : {}),
});

export const revisedData = (d: DreamRef) => ({ changeSet: d.changeSetId, summary: d.summary });

export const promotedData = (r: PromoteResult) => ({
  changeSet: r.changeSetId,
  expectedSha256: r.expectedSha256,
  rebased: r.rebased,
  agentWrites: r.agentWrites,
  ...(r.merged?.length ? { merged: r.merged } : {}),
  ...(r.newestSessionAt !== undefined ? { newestSessionAt: r.newestSessionAt } : {}),
});

export const verifiedData = (v: VerifyResult, e: EvalSummary) => ({
  matches: v.matches,
  mismatched: v.mismatched,
  ...(v.asPromoted !== undefined ? { asPromoted: v.asPromoted } : {}),
  ...scoreData(e),
});

export const rolledBackData = (r: RollbackResult) => ({ restored: r.restored, keptAgentWrites: r.keptAgentWrites });

/** A decision's record: what was decided, how it came, and the signature that makes it the reviewer's. */
export function decisionData(
  changeSet: string | undefined,
  verdict: Verdict,
  d: Decision,
  via: 'update' | 'signal',
  fingerprint: string | undefined,
): Record<string, unknown> {
  const signature = fingerprint ? { signedBy: fingerprint, signature: d.signature, signedAt: d.at } : { signed: false };
  return verdict === 'approve'
    ? {
        changeSet,
        via,
        comment: d.comment,
        onlyPaths: d.onlyPaths,
        edited: d.editedSha256,
        restoredSessions: d.restoredSessions,
        acceptedSuggestions: d.acceptedSuggestions,
        ...signature,
      }
    : { changeSet, via, reason: d.reason, ...signature };
}

/** Narrative data: JSON values only, at most this many bytes. */
export const maxNarrativeBytes = 8_192;
