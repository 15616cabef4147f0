import { createHash } from 'node:crypto';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { httpStatus } from '../s3/errors.js';
import { mapLimit } from '../util/concurrency.js';
import { InvalidInput } from '../util/errors.js';

/** One event of a cycle. Keys, hashes, scores and names only: never memory content. */
export interface AuditRecord {
  agent_id: string;
  cycle_id: string;
  /** When the cycle started (ISO): orders cycles in the log. */
  cycle_started_at: string;
  seq: number;
  event: string;
  at: string;
  actor?: string;
  data?: Record<string, unknown>;
  /** sha256 of the agent's previous record: the chain (absent in records written before it). */
  prev?: string | null;
}

export class AuditConflict extends Error {
  override readonly name = 'AuditConflict';
}

/**
 * The append-only audit log: one create-only object per event (If-None-Match: *) in the Object Lock bucket,
 * under COMPLIANCE retention, so a record can be neither overwritten nor deleted while it is retained.
 */
export class AuditLog {
  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
    private readonly retentionDays: number,
  ) {}

  key(r: Pick<AuditRecord, 'agent_id' | 'cycle_id' | 'cycle_started_at' | 'seq' | 'event'>): string {
    for (const [name, v] of [
      ['agent id', r.agent_id],
      ['cycle id', r.cycle_id],
      ['event', r.event],
    ] as const) {
      if (!/^[A-Za-z0-9][A-Za-z0-9._:-]{0,200}$/.test(v))
        throw new InvalidInput(`audit ${name} ${JSON.stringify(v)} has characters outside [A-Za-z0-9._:-]`);
    }
    const started = r.cycle_started_at.replace(/[:.]/g, '');
    return `agents/${r.agent_id}/${started}_${r.cycle_id}/${String(r.seq).padStart(4, '0')}-${r.event}.json`;
  }

  /**
   * Appends a record. A retry of the same record is a no-op; a different record under the same key is an
   * AuditConflict (the log is never rewritten).
   */
  async append(record: AuditRecord): Promise<{ key: string; created: boolean }> {
    const key = this.key(record);
    const body = Buffer.from(JSON.stringify(record), 'utf8');
    try {
      await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ContentType: 'application/json',
          ContentMD5: createHash('md5').update(body).digest('base64'),
          IfNoneMatch: '*',
          ObjectLockMode: 'COMPLIANCE',
          ObjectLockRetainUntilDate: new Date(Date.now() + this.retentionDays * 86_400_000),
        }),
      );
      return { key, created: true };
    } catch (err) {
      if (httpStatus(err) !== 412) throw err;
      const existing = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      if ((await existing.Body!.transformToString('utf-8')) === body.toString('utf8')) return { key, created: false };
      throw new AuditConflict(`audit record ${key} already exists with different content; the log is append-only`);
    }
  }

  /** An agent's log in order: cycles by start time, events by sequence. */
  async read(agentId: string, cycleId?: string): Promise<AuditRecord[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.s3.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: `agents/${agentId}/`, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) keys.push(o.Key!);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    const wanted = cycleId ? keys.filter((k) => k.split('/')[2]!.endsWith(`_${cycleId}`)) : keys;
    wanted.sort();
    return mapLimit(wanted, 16, async (key) => {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return JSON.parse(await out.Body!.transformToString('utf-8')) as AuditRecord;
    });
  }
}
