/**
 * Loads what the review page shows of a pending cycle, through the same code as `dreamgate review`: the
 * change set by its id (hash checked), the snapshot it was dreamed from, the evidence the dream stored beside
 * it, and the cycle's baseline and post eval reports.
 */
import type { AgentConfig } from '../../src/config/fleet.js';
import type { AgentScope } from '../../src/names/scope.js';
import { evalReportKey, evidenceKey, postReportAttempt, postReportsPrefix } from '../../src/names/keys.js';
import { CycleObjects } from '../../src/cycle/objects.js';
import { evidenceSchema, type EvidenceQuotes } from '../../src/review/evidence.js';
import { reviewView, type CaseOutcomes } from '../../src/review/view.js';
import { pendingChangeSet } from '../commands/pending.js';
import type { Context } from '../context.js';
import { scopeOf, type Pending } from '../cycleClient.js';
import type { LoadedReview } from './routes.js';

async function evidenceOf(objects: CycleObjects, scope: AgentScope, id: string): Promise<EvidenceQuotes | undefined> {
  const raw = await objects.getJson(evidenceKey(scope, id));
  const parsed = raw === undefined ? undefined : evidenceSchema.safeParse(raw);
  // a set dreamed before evidence was recorded (or an object changed in S3) names its events without quotes
  return parsed?.success ? parsed.data : undefined;
}

/** The baseline report, and the newest post report (a model dreamer may have dreamed again). */
async function reportsOf(objects: CycleObjects, scope: AgentScope, cycleId: string) {
  const posts = (await objects.list(postReportsPrefix(scope, cycleId))).filter((k) => postReportAttempt(k));
  const attempt = (k: string) => postReportAttempt(k)!;
  const newest = posts.sort((a, b) => attempt(a) - attempt(b)).at(-1);
  const [baseline, post] = await Promise.all([
    objects.getJson<CaseOutcomes>(evalReportKey(scope, cycleId, 'baseline')),
    newest ? objects.getJson<CaseOutcomes>(newest) : undefined,
  ]);
  return { ...(baseline ? { baseline } : {}), ...(post ? { post } : {}) };
}

export async function loadReview(ctx: Context, agent: AgentConfig, pending: Pending): Promise<LoadedReview> {
  const { state, handle } = pending;
  const scope = scopeOf(ctx.fleet, agent);
  const objects = new CycleObjects(ctx.s3, ctx.storage.snapshotsBucket);
  const id = state.changeSetId!;
  const [changeSet, base, evidence, reports] = await Promise.all([
    pendingChangeSet(ctx, agent, pending),
    ctx.snapshotStore().then((s) => s.restore(scope, state.snapshotId!)),
    evidenceOf(objects, scope, id),
    reportsOf(objects, scope, state.cycleId),
  ]);
  const view = await reviewView({
    changeSetId: id,
    changeSet,
    base,
    ...(evidence ? { evidence } : {}),
    reports,
    cycle: {
      fleet: state.fleet,
      agent: state.agentId,
      cycleId: state.cycleId,
      workflowId: handle.workflowId,
      ...(state.reviewDeadline ? { reviewDeadline: state.reviewDeadline } : {}),
      ...(state.baseline !== undefined ? { baseline: state.baseline } : {}),
      ...(state.post !== undefined ? { post: state.post } : {}),
      ...(state.delta !== undefined ? { delta: state.delta } : {}),
      reviewers: state.reviewers,
      signedDecisions: state.signedDecisions,
    },
  });
  return { view, changeSet };
}
