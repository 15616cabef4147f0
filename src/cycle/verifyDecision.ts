import { createHash } from 'node:crypto';
import type { AgentConfig } from '../config/fleet.js';
import { scopedName, type AgentScope } from '../names/scope.js';
import { canonicalJson } from '../util/canonicalJson.js';
import { decisionRefusal, parseDecision, signedText, type Decision, type Verdict } from './decision.js';
import { verifySignature } from './signing.js';
import type { DecisionResult } from './types.js';

/** How far a signed decision's time may lie before the cycle started or after now (clock skew). */
const skewMs = 5 * 60_000;

/** The cycle a decision is checked for: its run, when it started, the change set it waits on. */
export interface DecisionTarget {
  scope: AgentScope;
  run: string;
  startedAt: string;
  /** The full id of the pending change set. */
  pending: string;
}

/** What a decision is recorded and bound by: its canonical JSON's sha256 (a revision names the one it obeys). */
export const decisionDigest = (d: Decision): string => createHash('sha256').update(canonicalJson(d)).digest('hex');

/**
 * Checks a decision against the worker's own configuration, wherever it is acted on (the review's check, a
 * revision, a promotion, its audit record): a listed reviewer, the pending change set, this cycle, an edit
 * among this cycle's objects and, when the agent's reviewers have keys, a signature by the deciding
 * reviewer's key over the decision and this cycle (`ssh-keygen -Y verify`). Never throws for a bad decision.
 */
export async function verifyDecision(
  agent: AgentConfig,
  t: DecisionTarget,
  verdict: Verdict,
  raw: unknown,
): Promise<DecisionResult & { decision?: Decision }> {
  const no = (why: string): DecisionResult => ({ accepted: false, why });
  const parsed = parseDecision(verdict, raw);
  if (!parsed.ok) return no(parsed.why);
  const d = parsed.decision;
  const name = scopedName(t.scope);
  const target = { scope: t.scope, cycleId: t.run, pending: t.pending, reviewers: agent.reviewers };
  const why = decisionRefusal(d, target);
  if (why) return no(why);
  const accepted = { accepted: true as const, changeSetId: t.pending, reviewer: d.reviewer, decision: d };
  const keys = agent.reviewerKeys;
  if (!keys) return accepted;
  const key = keys[d.reviewer];
  if (!key) return no(`${d.reviewer} has no key configured`);
  if (!d.signature) return no(`${name} requires signed decisions; ${d.reviewer}'s is unsigned`);
  const at = d.at ? Date.parse(d.at) : NaN;
  if (!Number.isFinite(at)) return no('a signed decision carries its time (at)');
  if (at < Date.parse(t.startedAt) - skewMs || at > Date.now() + skewMs)
    return no(`signed at ${d.at}, outside this cycle (started ${t.startedAt})`);
  const text = signedText(
    { fleet: t.scope.fleet, agent: t.scope.id, cycle: t.run, changeSetId: t.pending, verdict },
    d,
  );
  const v = await verifySignature(text, d.signature, d.reviewer, [key]);
  return v.ok ? { ...accepted, fingerprint: v.fingerprint } : no(v.why);
}
