import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { AgentScope } from '../names/scope.js';
import { refusalKey, refusalsHourPrefix, refusalsPrefix } from '../names/keys.js';
import { putIfAbsent } from '../s3/createOnly.js';

/**
 * A call an activity refused: what was asked, by which workflow run (as Temporal named it), and why. Kept in
 * the audit bucket (create-only, under its retention) beside the agent's log, where `dreamgate history` lists
 * them; at most `perHour` an hour per agent, so a flood of refused calls cannot fill the bucket (the worker's
 * log has every one).
 */
export interface Refusal {
  activity: string;
  why: string;
  workflowId: string;
  workflowType: string;
  runId: string;
  at: string;
}

const perHour = 20;

export async function keepRefusal(s3: S3Client, bucket: string, scope: AgentScope, r: Refusal): Promise<boolean> {
  const hour = refusalsHourPrefix(scope, r.at);
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: hour, MaxKeys: perHour }));
  for (let n = listed.KeyCount ?? 0; n < perHour; n++) {
    const slot = {
      Bucket: bucket,
      Key: refusalKey(scope, r.at, n),
      Body: JSON.stringify(r),
      ContentType: 'application/json',
    };
    if ((await putIfAbsent(s3, slot)) === 'created') return true; // else another refusal took this slot: the next one
  }
  return false;
}

/** The newest refusals kept for an agent (at most `limit`), oldest first. */
export async function readRefusals(s3: S3Client, bucket: string, scope: AgentScope, limit = 20): Promise<Refusal[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: refusalsPrefix(scope), ContinuationToken: token }),
    );
    for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  const out: Refusal[] = [];
  for (const key of keys.sort().slice(-limit)) {
    try {
      const body = await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();
      const r = JSON.parse(body) as Partial<Refusal>;
      out.push({
        activity: String(r.activity ?? ''),
        why: String(r.why ?? ''),
        workflowId: String(r.workflowId ?? ''),
        workflowType: String(r.workflowType ?? ''),
        runId: String(r.runId ?? ''),
        at: String(r.at ?? ''),
      });
    } catch {
      continue; // not one a worker kept: a refusal list is information, not evidence
    }
  }
  return out;
}
