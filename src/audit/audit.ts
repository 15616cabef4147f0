import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { legacyId, type AgentScope } from '../names/scope.js';
import {
  type AuditPlace,
  auditRecordKey,
  auditRunPrefix,
  isAuditRunOf,
  legacyAuditRecordKey,
  legacyPrefix,
  scopePrefix,
} from '../names/keys.js';
import { LRUCache } from 'lru-cache';
import { createOnly } from '../s3/createOnly.js';
import { httpStatus } from '../s3/errors.js';
import { objectVersionPages } from '../s3/versions.js';
import { clearedWithBlobCaches } from '../util/blobCache.js';
import { mapLimit } from '../util/concurrency.js';
import { InvalidInput } from '../util/errors.js';
import type { AuditKey } from '../cycle/workerKey.js';
import { canonicalJson } from '../util/canonicalJson.js';
import { sha256Hex, verifyChain, type ChainReport, type StoredKey } from './chain.js';
import { signedBy, type Signature } from './signatures.js';
import { isSha256 } from '../names/ids.js';

/** One event of a cycle. Keys, hashes, scores and names only: never memory content. */
export interface AuditRecord extends AuditPlace {
  at: string;
  actor?: string;
  data?: Record<string, unknown>;
  /**
   * sha256 (hex) of the bytes of this agent's previous record, `null` for the first record of the chain;
   * absent only in records written before the chain existed.
   */
  prev?: string | null;
  /** The worker's signature over the rest (Ed25519); absent only in records written before seals. */
  sig?: Signature;
}

/** A record as stored: where, its bytes' sha256 (the next record's `prev`), and what it says. */
export interface StoredRecord {
  key: string;
  sha256: string;
  record: AuditRecord;
}

export class AuditConflict extends Error {
  override readonly name = 'AuditConflict';
}

/**
 * The bytes of object versions this worker wrote or read, by bucket, key and version id. A version id names one
 * set of bytes for good (S3 never changes a version; the audit bucket's Object Lock keeps it), so reading a
 * record again (the next record's chain check, the agent's standing, the pause check, night after night) needs
 * no request; every check still runs on these bytes. Which versions exist is always listed from S3.
 */
const versionBytes = new LRUCache<string, Uint8Array>({
  maxSize: 16 * 2 ** 20,
  sizeCalculation: (b) => Math.max(1, b.length),
});
clearedWithBlobCaches(versionBytes);
const versionKey = (bucket: string, key: string, versionId: string) => `${bucket}\0${key}\0${versionId}`;

/** The bytes a record is stored as (canonical JSON): its sha256 is what the next record's `prev` names. */
export const recordBytes = (record: AuditRecord): Buffer => Buffer.from(canonicalJson(record), 'utf8');

/** The sha256 a record has once stored: what the next record of its agent carries as `prev`. */
export const recordHash = (record: AuditRecord): string => sha256Hex(recordBytes(record));

/** Whether stored bytes hold `record` but for some fields (a record written again at a later time). */
function sameBut(fields: (keyof AuditRecord)[], stored: Uint8Array, record: AuditRecord): boolean {
  try {
    const was = JSON.parse(Buffer.from(stored).toString('utf8')) as AuditRecord;
    const like = Object.fromEntries(fields.map((f) => [f, record[f]]));
    return canonicalJson({ ...was, ...like }) === canonicalJson(record);
  } catch {
    return false;
  }
}

// The audit bucket's Object Lock is checked in one place, with the other bucket checks a worker makes at start.
export { checkAuditLock, type AuditLockStatus } from '../s3/checks.js';

/**
 * The append-only audit log: one create-only object per event (If-None-Match: *) in the Object Lock bucket,
 * under COMPLIANCE retention, under the agent's namespace. Each record carries the sha256 of the agent's
 * previous record, so `verify` can tell a record dreamgate wrote from one added, replaced, hidden or removed
 * by anyone else who can write to the bucket.
 */
export class AuditLog {
  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
    private readonly retentionDays: number,
  ) {}

  /** Where a record is stored: `fleets/<fleet>/agents/<id>/<cycle start>_<cycle>/<seq>-<event>.json`. */
  key(r: Pick<AuditRecord, 'fleet' | 'agent_id' | 'cycle_id' | 'cycle_started_at' | 'seq' | 'event'>): string {
    return auditRecordKey(r);
  }

  /**
   * Appends a record and returns its key and sha256 (the next record's `prev`). A retry of the same record
   * is a no-op; a different record under the same key is an AuditConflict (the log is never rewritten).
   */
  async append(record: AuditRecord): Promise<{ key: string; created: boolean; sha256: string }> {
    const key = this.key(record);
    if (record.prev !== null && !isSha256(record.prev))
      throw new InvalidInput(`audit record ${key}: "prev" must be the sha256 of the previous record, or null`);
    const body = recordBytes(record);
    const sha256 = sha256Hex(body);
    const put = await createOnly(
      this.s3,
      { Bucket: this.bucket, Key: key, Body: body, ContentType: 'application/json' },
      { lockDays: this.retentionDays },
    );
    if (put.put === 'created') {
      if (put.versionId) versionBytes.set(versionKey(this.bucket, key, put.versionId), new Uint8Array(body));
      return { key, created: true, sha256 };
    }
    const existing = await this.original(key);
    if (existing && Buffer.from(existing).equals(body)) return { key, created: false, sha256 };
    // a step run again because its workflow task was (a local activity whose result Temporal had not yet
    // recorded) writes the same record at a later time: the first one stands, and is the chain's
    if (existing && sameBut(['at'], existing, record)) return { key, created: false, sha256: sha256Hex(existing) };
    throw new AuditConflict(`audit record ${key} already exists with different content; the log is append-only`);
  }

  /**
   * The record already stored where `record` goes, when it says the same but for its time and signature (a
   * step run again after its workflow task was lost, at a later time): its key and sha256; else undefined.
   */
  async storedAgain(record: AuditRecord): Promise<{ key: string; sha256: string } | undefined> {
    const key = this.key(record);
    const existing = await this.original(key);
    if (!existing || !sameBut(['at', 'sig'], existing, record)) return undefined;
    return { key, sha256: sha256Hex(existing) };
  }

  /**
   * The sha256 of the agent's newest record, in key order (cycle start, then sequence), before `beforeKey`
   * if given; null when the agent has no chained record yet. For a writer that does not keep the head itself:
   * the head kept in the agent's workflow is what an S3 writer cannot change.
   */
  async head(scope: AgentScope, beforeKey?: string): Promise<string | null> {
    const keys = (await this.versions(scopePrefix(scope)))
      .map((k) => k.key)
      .filter((k) => beforeKey === undefined || k < beforeKey)
      .sort();
    const last = keys.at(-1);
    if (!last) return null;
    const bytes = await this.original(last);
    return bytes ? sha256Hex(bytes) : null;
  }

  /** The folder of one cycle run's records: `<ns><cycle start>_<run>/`. */
  runPrefix(r: Pick<AuditRecord, 'fleet' | 'agent_id' | 'cycle_id' | 'cycle_started_at'>): string {
    return auditRunPrefix(r);
  }

  /** The records of one run that carry a valid signature by `keys` and lie where they belong, by sequence. */
  async signedIn(prefix: string, keys: readonly AuditKey[]): Promise<StoredRecord[]> {
    const listed = await this.versions(prefix);
    // the original version of each key, read side by side (a record read before comes from memory)
    const read = await mapLimit(listed, 16, async (k) => {
      const original = k.versions.at(-1);
      return { key: k.key, bytes: original ? await this.get(k.key, original) : undefined };
    });
    const out: StoredRecord[] = [];
    for (const { key, bytes } of read) {
      const record = bytes ? parseRecord(bytes) : undefined;
      if (!record || !signedBy(record, keys)) continue;
      let expected: string | undefined;
      try {
        expected = this.key(record);
      } catch {
        continue;
      }
      if (expected === key) out.push({ key, sha256: sha256Hex(bytes!), record });
    }
    return out.sort((a, b) => a.record.seq - b.record.seq);
  }

  /**
   * The signed records of the agent's newest run that has any (runs in key order: by cycle start), skipping
   * `exceptRun`; undefined when no run of the last `scan` has one (a log from before seals). Unsigned records
   * anyone added, in a run folder dated to come later, are passed over.
   */
  async newestSignedRun(
    scope: AgentScope,
    keys: readonly AuditKey[],
    exceptRun?: string,
    scan = 50,
  ): Promise<StoredRecord[] | undefined> {
    const runs = (await this.folders(scopePrefix(scope))).sort().reverse();
    for (const p of runs.filter((r) => !exceptRun || !isAuditRunOf(r, exceptRun)).slice(0, scan)) {
      const records = await this.signedIn(p, keys);
      if (records.length > 0) return records;
    }
    return undefined;
  }

  /** The signed records of the agent's newest `scan` runs, newest run first (what was decided lately). */
  async recentSignedRuns(scope: AgentScope, keys: readonly AuditKey[], scan = 20): Promise<StoredRecord[][]> {
    const runs = (await this.folders(scopePrefix(scope))).sort().reverse().slice(0, scan);
    return mapLimit(runs, 4, (p) => this.signedIn(p, keys));
  }

  /** The folders directly under a prefix (one per cycle run), hidden ones included. */
  private async folders(prefix: string): Promise<string[]> {
    const out = new Set<string>();
    for await (const page of objectVersionPages(this.s3, this.bucket, prefix, undefined, '/'))
      for (const p of page.CommonPrefixes ?? []) if (p.Prefix) out.add(p.Prefix);
    return [...out];
  }

  /** An agent's records (the original version of each) in order: cycles by start time, events by sequence. */
  async read(scope: AgentScope, cycleId?: string): Promise<AuditRecord[]> {
    const report = await this.verify(scope);
    return report.keys.filter((k) => k.record && (!cycleId || k.record.cycle_id === cycleId)).map((k) => k.record!);
  }

  /**
   * Reads an agent's log as it was written and verifies it: the chain of `prev` hashes, the oldest version
   * of each key, records hidden by delete markers or replaced by later versions, records out of place.
   * `trustedHead` is the head kept where an S3 writer cannot change it (the agent's workflow state).
   */
  async verify(
    scope: AgentScope,
    opts: { trustedHead?: string; keys?: readonly AuditKey[] } = {},
  ): Promise<ChainReport<AuditRecord>> {
    const current = scopePrefix(scope);
    const legacy = legacyPrefix(scope);
    const listed = [...(await this.versions(current)), ...(await this.versions(legacy))];
    const stored = await mapLimit(listed, 16, async (k): Promise<StoredKey> => {
      const original = k.versions.at(-1);
      const bytes = original ? await this.get(k.key, original) : undefined;
      let replacedBy = 0;
      for (const v of k.versions.slice(0, -1)) {
        const later = await this.get(k.key, v);
        if (!bytes || !later || !Buffer.from(later).equals(Buffer.from(bytes))) replacedBy++;
      }
      return { key: k.key, ...(bytes ? { original: bytes } : {}), replacedBy, hidden: k.hidden };
    });
    return verifyChain<AuditRecord>(stored, {
      parse: parseRecord,
      expectedKey: (r) => {
        if (
          r.agent_id !== (r.fleet === undefined ? legacyId(scope) : scope.id) ||
          (r.fleet ?? scope.fleet) !== scope.fleet
        )
          return { refused: 'it names another agent' };
        try {
          return r.fleet === undefined ? legacyAuditRecordKey(scope, r) : this.key(r);
        } catch (err) {
          return { refused: (err as Error).message };
        }
      },
      isLegacyKey: (key) => key.startsWith(legacy),
      ...(opts.trustedHead !== undefined ? { trustedHead: opts.trustedHead } : {}),
      ...(opts.keys ? { sealed: (r: AuditRecord) => signedBy(r, opts.keys!) } : {}),
    });
  }

  /** The bytes of a key's oldest version: the one dreamgate created. */
  private async original(key: string): Promise<Uint8Array | undefined> {
    const [k] = (await this.versions(key)).filter((x) => x.key === key);
    const v = k?.versions.at(-1);
    return v ? this.get(key, v) : undefined;
  }

  /** A version's bytes: from memory when this worker wrote or read that very version, else from S3. */
  private async get(key: string, versionId: string): Promise<Uint8Array | undefined> {
    const cached = versionBytes.get(versionKey(this.bucket, key, versionId));
    if (cached) return cached;
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, VersionId: versionId }));
      const bytes = await out.Body!.transformToByteArray();
      versionBytes.set(versionKey(this.bucket, key, versionId), bytes);
      return bytes;
    } catch (err) {
      if (httpStatus(err) === 404 || httpStatus(err) === 400) return undefined;
      throw err;
    }
  }

  /** Every key under a prefix, with its versions newest first and whether a delete marker hides it. */
  private async versions(prefix: string): Promise<{ key: string; versions: string[]; hidden: boolean }[]> {
    const byKey = new Map<string, { key: string; versions: string[]; hidden: boolean }>();
    const entry = (key: string) => {
      let e = byKey.get(key);
      if (!e) byKey.set(key, (e = { key, versions: [], hidden: false }));
      return e;
    };
    for await (const page of objectVersionPages(this.s3, this.bucket, prefix)) {
      // S3 lists the versions of a key newest first
      for (const v of page.Versions ?? []) if (v.Key && v.VersionId) entry(v.Key).versions.push(v.VersionId);
      for (const d of page.DeleteMarkers ?? []) if (d.Key && d.IsLatest) entry(d.Key).hidden = true;
    }
    return [...byKey.values()];
  }
}

function parseRecord(bytes: Uint8Array): AuditRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    return undefined;
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const r = value as Record<string, unknown>;
  const ok =
    typeof r.agent_id === 'string' &&
    typeof r.cycle_id === 'string' &&
    typeof r.cycle_started_at === 'string' &&
    typeof r.seq === 'number' &&
    typeof r.event === 'string' &&
    typeof r.at === 'string' &&
    (r.fleet === undefined || typeof r.fleet === 'string') &&
    (r.actor === undefined || typeof r.actor === 'string') &&
    (r.prev === undefined || r.prev === null || typeof r.prev === 'string') &&
    (r.sig === undefined || (typeof r.sig === 'object' && r.sig !== null));
  return ok ? (r as unknown as AuditRecord) : undefined;
}
