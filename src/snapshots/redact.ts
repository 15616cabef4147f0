import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { AgentScope } from '../names/scope.js';
import { blobKey, blobsPrefix, redactionMarkerKey, redactionsPrefix } from '../names/keys.js';
import { sha256 } from '../memory/store.js';
import { putIfAbsent } from '../s3/createOnly.js';
import { keyVersions, objectVersionPages } from '../s3/versions.js';
import type { AuditKey, WorkerKey } from '../cycle/workerKey.js';
import { signedBy, signed } from '../audit/signatures.js';
import { mapLimit } from '../util/concurrency.js';
import { canonicalJson } from '../util/canonicalJson.js';
import type { RedactionLookup, SnapshotStore } from './snapshots.js';
import { isSha256 } from '../names/ids.js';

/**
 * Removing a secret from an agent's older snapshots (as Managed Agents memory versions can be redacted).
 * A snapshot is a manifest version naming content-addressed blobs; a blob holding a secret is rewritten
 * as a new, redacted blob and the old one is deleted with all its versions. The manifests stay as they
 * are (a snapshot keeps its id, so the audit records that name it stay true), and a redaction marker in the
 * Object Lock bucket tells a later restore which blob replaced which, so the changed hash is explained
 * rather than taken for tampering. The redaction itself is an audit record with the old and new hashes.
 */

/** How a text's secrets are found and replaced: dreamgate's screening, plus literals the operator names. */
export type Redactor = (text: string) => Promise<{ text: string; found: Record<string, number> }>;

/** One blob that held a secret. */
export interface BlobRedaction {
  old: string;
  new: string;
  /** The memory paths it was stored under, in the snapshots that name it. */
  paths: string[];
  /** What was found: kind → count. Never the secret. */
  found: Record<string, number>;
  legacy?: boolean;
}

export interface RedactionPlan {
  blobs: BlobRedaction[];
  /** Snapshot ids (manifest versions) that name a redacted blob: rollback points whose content changes. */
  snapshots: string[];
  /** Candidate ids that name one. */
  candidates: string[];
}

export interface RedactionMarker {
  fleet: string;
  agent_id: string;
  old: string;
  new: string;
  at: string;
  by: string;
  /** The audit record that says so. */
  record: string;
}

/**
 * Reads redaction markers from the audit bucket (the oldest version of each: the one dreamgate wrote) and
 * takes one only with a valid worker signature: a worker signs a marker once it has checked that the new blob
 * only removes text from the old one, so a marker anyone else adds never puts text back into a snapshot.
 */
export class RedactionIndex implements RedactionLookup {
  /** @param keys the workers' public keys (a worker's own; DREAMGATE_AUDIT_KEY for the command line) */
  constructor(
    private readonly s3: S3Client,
    readonly auditBucket: string,
    private readonly keys: () => readonly AuditKey[],
  ) {}

  async replacement(scope: AgentScope, old: string, legacy: boolean): Promise<string | undefined> {
    const key = redactionMarkerKey(scope, old, legacy);
    const oldest = (await keyVersions(this.s3, this.auditBucket, key)).versions.at(-1);
    if (!oldest) return undefined;
    const out = await this.s3.send(new GetObjectCommand({ Bucket: this.auditBucket, Key: key, VersionId: oldest }));
    let m: Partial<RedactionMarker>;
    try {
      m = JSON.parse(await out.Body!.transformToString('utf-8')) as Partial<RedactionMarker>;
    } catch {
      return undefined;
    }
    if (!signedBy(m, this.keys())) return undefined;
    if (m.old !== old || m.agent_id !== scope.id || m.fleet !== scope.fleet) return undefined;
    return isSha256(m.new) ? m.new : undefined;
  }

  /**
   * Every marker version of the agent (its namespace's and, before namespaces, its legacy prefix's): the two
   * listings are sent side by side, so a restore waits for one round trip, not two.
   */
  async generation(scope: AgentScope): Promise<string> {
    const listed = await Promise.all(
      [redactionsPrefix(scope), redactionsPrefix(scope, true)].map(async (prefix) => {
        const seen: string[] = [];
        for await (const page of objectVersionPages(this.s3, this.auditBucket, prefix))
          for (const v of page.Versions ?? []) seen.push(`${v.Key}@${v.VersionId}`);
        return seen;
      }),
    );
    return listed.flat().sort().join('\n');
  }

  /** Writes a marker once, signed by the worker, create-only, under COMPLIANCE retention. */
  async mark(
    scope: AgentScope,
    unsigned: RedactionMarker,
    legacy: boolean,
    retentionDays: number,
    key: WorkerKey,
  ): Promise<void> {
    const marker = signed(unsigned, key);
    const body = Buffer.from(canonicalJson(marker), 'utf8');
    // `exists`: a rerun of the same redaction
    await putIfAbsent(
      this.s3,
      {
        Bucket: this.auditBucket,
        Key: redactionMarkerKey(scope, marker.old, legacy),
        Body: body,
        ContentType: 'application/json',
      },
      { lockDays: retentionDays },
    );
  }
}

/** Escapes a literal for a regular expression. */
const literal = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** dreamgate's screening plus the literal secrets an operator names (a key known to have leaked). */
export function redactorWith(screen: Redactor, literals: string[]): Redactor {
  const known = literals.filter((l) => l.length >= 8);
  const pattern = known.length ? new RegExp(known.map(literal).join('|'), 'g') : undefined;
  return async (text) => {
    const r = await screen(text);
    if (!pattern) return r;
    let n = 0;
    const out = r.text.replace(pattern, () => {
      n++;
      return '[REDACTED:named-secret]';
    });
    return n ? { text: out, found: { ...r.found, 'named-secret': (r.found['named-secret'] ?? 0) + n } } : r;
  };
}

/**
 * Finds every blob of an agent's snapshots and candidates that holds a secret, and what it becomes
 * redacted. Reads every manifest version (to name the snapshots and paths) and every blob once.
 */
export async function planRedaction(
  s3: S3Client,
  bucket: string,
  scope: AgentScope,
  stores: { snapshots: SnapshotStore; candidates: SnapshotStore },
  redactor: Redactor,
  opts: { legacy?: boolean; onProgress?: (line: string) => void } = {},
): Promise<{ plan: RedactionPlan; contents: Map<string, Buffer> }> {
  const onProgress = opts.onProgress ?? (() => {});
  const manifests: { id: string; kind: 'snapshot' | 'candidate'; files: { path: string; sha256: string }[] }[] = [];
  for (const [kind, store] of [
    ['snapshot', stores.snapshots],
    ['candidate', stores.candidates],
  ] as const) {
    // objects from before namespaces are shared by every fleet with an agent of this id: only when asked
    const list = (await store.list(scope)).filter((s) => opts.legacy || !s.legacy);
    onProgress(`reading ${list.length} ${kind} manifest(s)`);
    for (const s of await mapLimit(list, 8, async (info) => ({ info, m: await store.manifest(scope, info.id) })))
      manifests.push({ id: s.info.id, kind, files: s.m.files });
  }
  const paths = new Map<string, Set<string>>();
  for (const m of manifests)
    for (const f of m.files) paths.set(f.sha256, (paths.get(f.sha256) ?? new Set()).add(f.path));

  const blobs: { key: string; hash: string; legacy: boolean }[] = [];
  for (const legacy of opts.legacy ? [false, true] : [false]) {
    const prefix = blobsPrefix(scope, legacy);
    let token: string | undefined;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) blobs.push({ key: o.Key!, hash: o.Key!.split('/').pop()!, legacy });
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }
  onProgress(`screening ${blobs.length} blob(s) for secrets`);
  const contents = new Map<string, Buffer>();
  const found: BlobRedaction[] = [];
  await mapLimit(blobs, 8, async (b) => {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: b.key }));
    const bytes = Buffer.from(await out.Body!.transformToByteArray());
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      return; // a skipped (binary) file: not text a secret detector reads
    }
    const r = await redactor(text);
    if (r.text === text) return;
    const redacted = Buffer.from(r.text, 'utf8');
    const hash = sha256(redacted);
    contents.set(hash, redacted);
    found.push({
      old: b.hash,
      new: hash,
      paths: [...(paths.get(b.hash) ?? [])].sort(),
      found: r.found,
      ...(b.legacy ? { legacy: true } : {}),
    });
  });
  found.sort((a, b) =>
    a.old < b.old ? -1 : a.old > b.old ? 1 : Number(Boolean(a.legacy)) - Number(Boolean(b.legacy)),
  );
  const hit = new Set(found.map((f) => f.old));
  const named = (kind: 'snapshot' | 'candidate') =>
    manifests.filter((m) => m.kind === kind && m.files.some((f) => hit.has(f.sha256))).map((m) => m.id);
  return { plan: { blobs: found, snapshots: named('snapshot'), candidates: named('candidate') }, contents };
}

/** Writes the redacted blobs (never over an existing one): first, so no snapshot is ever left without content. */
export async function writeRedactedBlobs(
  s3: S3Client,
  bucket: string,
  scope: AgentScope,
  plan: RedactionPlan,
  contents: Map<string, Buffer>,
): Promise<void> {
  await mapLimit(plan.blobs, 8, async (b) => {
    const key = blobKey(scope, b.new, b.legacy);
    await putIfAbsent(s3, {
      Bucket: bucket,
      Key: key,
      Body: contents.get(b.new)!,
      ContentType: 'text/plain; charset=utf-8',
    });
  });
}

/** Deletes every version of the blobs that held a secret: last, once the record and the markers exist. */
export async function deleteOldBlobs(
  s3: S3Client,
  bucket: string,
  scope: AgentScope,
  plan: RedactionPlan,
): Promise<number> {
  let deleted = 0;
  for (const b of plan.blobs) {
    const key = blobKey(scope, b.old, b.legacy);
    const { versions, deleteMarkers } = await keyVersions(s3, bucket, key);
    for (const versionId of [...versions, ...deleteMarkers]) {
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
      deleted++;
    }
  }
  return deleted;
}
