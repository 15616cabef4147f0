import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { LRUCache } from 'lru-cache';
import { putIfAbsent } from '../s3/createOnly.js';
import { httpStatus } from '../s3/errors.js';
import { keyVersions } from '../s3/versions.js';
import { clearedWithBlobCaches } from '../util/blobCache.js';
import { mapLimit } from '../util/concurrency.js';
import { InvalidInput } from '../util/errors.js';
import { MemoryStore, sha256, type OpaqueFile } from '../memory/store.js';
import { legacyId, type AgentScope } from '../names/scope.js';
import { blobKey, blobsPrefix, manifestKey } from '../names/keys.js';

/** What a snapshot's manifest holds: the store's shape and hashes; contents live in blobs. */
export interface Manifest {
  format: 1;
  /** Absent in manifests written before fleets had namespaces. */
  fleet?: string;
  agent_id: string;
  sha256: string;
  label: string;
  taken_at: string;
  /** `skipped` marks a file the dream could not take as memory (kept as an opaque blob), with why. */
  files: { path: string; sha256: string; bytes: number; skipped?: string }[];
}

export interface SnapshotInfo {
  /** The manifest's S3 VersionId: the snapshot's id and the rollback point. */
  id: string;
  agentId: string;
  sha256: string;
  label: string;
  takenAt: string;
  files: number;
  /** Written before fleets had namespaces (under `agents/<id>/`): readable, never written again. */
  legacy?: boolean;
}

export interface SnapshotCost {
  /** Requests that wrote (PUT) and bytes they carried. */
  putRequests: number;
  bytesWritten: number;
  /** Requests that only read or listed. */
  readRequests: number;
}

/** What a restore asks about a blob that is gone: which blob a signed redaction marker says replaced it. */
export interface RedactionLookup {
  replacement(scope: AgentScope, old: string, legacy: boolean): Promise<string | undefined>;
  /** Changes whenever a marker of the agent is added: restores cached before it are not reused after. */
  generation(scope: AgentScope): Promise<string>;
}

export class SnapshotCorrupt extends Error {
  override readonly name = 'SnapshotCorrupt';
}

/** A restored store, and what its hash must be (the manifest's, or as signed redaction markers changed it). */
interface Restored {
  store: MemoryStore;
  sha256: string;
  manifestSha256: string;
  redacted: number;
}

/** Restored stores by version and redaction generation, least recently used first. */
const restored = new Map<string, Restored>();
const restoredCapacity = 16;

/**
 * Blob texts a worker read or wrote, by agent, sha256 and redaction generation (a redaction is never hidden by
 * an earlier read): a fleet's many agents push each other's restored stores out, not their blobs. Bounded by
 * characters, least recently used dropped first; every restored store is still checked against its hash.
 */
const blobTexts = new LRUCache<string, string>({
  maxSize: 32 * 2 ** 20,
  sizeCalculation: (t) => Math.max(1, t.length),
});
clearedWithBlobCaches(blobTexts);

/** The redaction generation a worker last listed, by agent (what a snapshot it writes is cached under). */
const listedGenerations = new LRUCache<string, string>({ max: 10_000 });
clearedWithBlobCaches(listedGenerations);

/** Forgets restored stores and blobs (benchmarks measure a cold restore; tests, another worker). */
export function clearRestoreCache(): void {
  for (const c of [restored, blobTexts, listedGenerations]) c.clear();
}

/** A file's bytes as stored: its text, or the bytes of a file the store keeps unread. */
const bytesOf = (store: MemoryStore, path: string): Uint8Array =>
  store.skipped.get(path)?.bytes ?? Buffer.from(store.get(path)!, 'utf8');

/**
 * Snapshots in a versioned bucket: each file is a content-addressed blob written once, and each snapshot
 * is a new version of the agent's manifest. A snapshot of an unchanged store writes one manifest; a
 * slightly changed store writes only the changed blobs.
 */
export class SnapshotStore {
  /**
   * @param series `snapshot` for the rollback points of the live store, `candidate` for dreamed stores
   * awaiting the gate and review; both share the agent's blobs.
   * @param redactions where a restore learns which blob replaced one that `dreamgate redact` removed (the
   * markers in the audit bucket); without it, a redacted snapshot cannot be restored.
   */
  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
    private readonly series: 'snapshot' | 'candidate' = 'snapshot',
    private readonly redactions?: RedactionLookup,
  ) {}

  /** Everything of one agent lives under its fleet's namespace; `legacy` reads what was written before. */
  private manifestKey = (agent: AgentScope, legacy = false) => manifestKey(agent, this.series, legacy);
  private blobKey = (agent: AgentScope, hash: string, legacy = false) => blobKey(agent, hash, legacy);

  /**
   * Takes a snapshot labelled `label` (e.g. the cycle and step). Idempotent: if the newest snapshot has
   * the same label and hash, its id is returned and nothing is written.
   */
  async take(
    agent: AgentScope,
    store: MemoryStore,
    label: string,
    takenAt = new Date(),
  ): Promise<SnapshotInfo & { cost: SnapshotCost }> {
    const cost: SnapshotCost = { putRequests: 0, bytesWritten: 0, readRequests: 0 };
    const latest = await this.latest(agent, cost);
    if (latest && latest.label === label && latest.sha256 === store.hash()) return { ...latest, cost };

    const existing = await this.storedBlobs(agent, cost);

    const files: Manifest['files'] = [...store.paths(), ...store.skipped.keys()].sort().map((path) => ({
      path,
      sha256: store.fileHash(path)!,
      bytes: bytesOf(store, path).length,
      ...(store.skipped.has(path) ? { skipped: store.skipped.get(path)!.reason } : {}),
    }));
    const missing = [...new Map(files.filter((f) => !existing.has(f.sha256)).map((f) => [f.sha256, f.path])).entries()];
    await this.putBlobs(agent, store, missing, cost);

    const manifest: Manifest = {
      format: 1,
      fleet: agent.fleet,
      agent_id: agent.id,
      sha256: store.hash(),
      label,
      taken_at: takenAt.toISOString(),
      files,
    };
    const body = Buffer.from(JSON.stringify(manifest), 'utf8');
    const out = await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: this.manifestKey(agent),
        Body: body,
        ContentType: 'application/json',
        Metadata: {
          'store-sha256': manifest.sha256,
          label: encodeURIComponent(label),
          files: String(files.length),
          'taken-at': manifest.taken_at,
        },
      }),
    );
    cost.putRequests++;
    cost.bytesWritten += body.length;
    if (!out.VersionId) throw new Error(`bucket ${this.bucket} returned no VersionId: versioning must be on`);
    // the store in hand, under the generation last listed: once a marker is added it is never listed again
    const gen = await this.generation(agent, true);
    for (const f of files)
      if (f.skipped === undefined) blobTexts.set(this.textKey(agent, f.sha256, gen), store.get(f.path)!);
    this.remember(`${this.cacheKey(agent, out.VersionId)}\0${gen}`, {
      store,
      sha256: store.hash(),
      manifestSha256: manifest.sha256,
      redacted: 0,
    });
    return {
      id: out.VersionId,
      agentId: agent.id,
      sha256: manifest.sha256,
      label,
      takenAt: manifest.taken_at,
      files: files.length,
      cost,
    };
  }

  /** The hashes of the blobs already stored for the agent (content-addressed: each is written once). */
  private async storedBlobs(agent: AgentScope, cost: SnapshotCost): Promise<Set<string>> {
    const existing = new Set<string>();
    let token: string | undefined;
    do {
      const page = await this.s3.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: blobsPrefix(agent),
          ContinuationToken: token,
        }),
      );
      cost.readRequests++;
      for (const o of page.Contents ?? []) existing.add(o.Key!.split('/').pop()!);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return existing;
  }

  /** Writes the blobs not stored yet, 16 at once, each create-only. */
  private async putBlobs(
    agent: AgentScope,
    store: MemoryStore,
    missing: [hash: string, path: string][],
    cost: SnapshotCost,
  ): Promise<void> {
    await mapLimit(missing, 16, async ([hash, path]) => {
      const body = bytesOf(store, path);
      // `exists`: another writer stored the same blob
      await putIfAbsent(this.s3, {
        Bucket: this.bucket,
        Key: this.blobKey(agent, hash),
        Body: body,
        ContentType: store.skipped.has(path) ? 'application/octet-stream' : 'text/plain; charset=utf-8',
      });
      cost.putRequests++;
      cost.bytesWritten += body.length;
    });
  }

  private async latest(agent: AgentScope, cost: SnapshotCost): Promise<SnapshotInfo | undefined> {
    try {
      const head = await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.manifestKey(agent) }));
      cost.readRequests++;
      return this.info(agent, head.VersionId!, head.Metadata ?? {});
    } catch (err) {
      cost.readRequests++;
      if (httpStatus(err) === 404) return undefined;
      throw err;
    }
  }

  private info(agent: AgentScope, id: string, meta: Record<string, string>, legacy = false): SnapshotInfo {
    return {
      id,
      agentId: agent.id,
      sha256: meta['store-sha256'] ?? '',
      label: decodeURIComponent(meta.label ?? ''),
      takenAt: meta['taken-at'] ?? '',
      files: Number(meta.files ?? 0),
      ...(legacy ? { legacy: true } : {}),
    };
  }

  /** An agent's snapshots, newest first (those written before fleets had namespaces marked `legacy`). */
  async list(agent: AgentScope): Promise<SnapshotInfo[]> {
    const versions: { id: string; legacy: boolean }[] = [];
    for (const legacy of [false, true]) {
      const key = this.manifestKey(agent, legacy);
      for (const id of (await keyVersions(this.s3, this.bucket, key)).versions) versions.push({ id, legacy });
    }
    const infos = await mapLimit(versions, 8, async (v) => {
      const head = await this.s3.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: this.manifestKey(agent, v.legacy), VersionId: v.id }),
      );
      return this.info(agent, v.id, head.Metadata ?? {}, v.legacy);
    });
    return infos.sort((a, b) => (a.takenAt < b.takenAt ? 1 : a.takenAt > b.takenAt ? -1 : 0));
  }

  /** A snapshot's manifest, from the agent's namespace, or else from where it was kept before namespaces. */
  async manifest(agent: AgentScope, snapshotId: string): Promise<Manifest & { legacy?: boolean }> {
    for (const legacy of [false, true]) {
      let out;
      try {
        out = await this.s3.send(
          new GetObjectCommand({ Bucket: this.bucket, Key: this.manifestKey(agent, legacy), VersionId: snapshotId }),
        );
      } catch (err) {
        if (httpStatus(err) === 404 || httpStatus(err) === 400) continue;
        throw err;
      }
      const manifest = JSON.parse(await out.Body!.transformToString('utf-8')) as Manifest;
      // a version id names one object only; the manifest must also say it is this agent's
      if (manifest.agent_id !== (legacy ? legacyId(agent) : agent.id) || (!legacy && manifest.fleet !== agent.fleet))
        throw new SnapshotCorrupt(`snapshot ${snapshotId} does not belong to ${agent.fleet}/${agent.id}`);
      return legacy ? { ...manifest, legacy: true } : manifest;
    }
    throw new InvalidInput(`snapshot ${snapshotId} of agent ${agent.fleet}/${agent.id} does not exist`);
  }

  /**
   * Restores a snapshot exactly: every blob and the whole store are checked against their sha256. A version
   * never changes, so a cycle that restores the same snapshot several times downloads it once per process.
   */
  async restore(agent: AgentScope, snapshotId: string): Promise<MemoryStore> {
    return (await this.restoreChecked(agent, snapshotId)).store;
  }

  /**
   * A restore, with the hash the manifest records and how many blobs signed redaction markers replaced. The
   * in-process cache is keyed by the agent's redaction markers as they stand (a redaction, or a marker
   * someone added, is never hidden by an earlier download), and a cached store is checked against its hash.
   */
  async restoreChecked(agent: AgentScope, snapshotId: string): Promise<Restored> {
    const gen = await this.generation(agent);
    const key = `${this.cacheKey(agent, snapshotId)}\0${gen}`;
    const hit = restored.get(key);
    if (hit) {
      if (hit.store.hash() !== hit.sha256)
        throw new SnapshotCorrupt(`snapshot ${snapshotId}: the copy in memory does not match its sha256`);
      restored.delete(key); // most recently used last
      restored.set(key, hit);
      return hit;
    }
    const r = await this.download(agent, snapshotId, gen);
    this.remember(key, r);
    return r;
  }

  /** The agent's redaction generation as listed now, or (`last`) as this worker last listed it. */
  private async generation(agent: AgentScope, last = false): Promise<string> {
    const key = `${this.bucket}\0${agent.fleet}\0${agent.id}`;
    const known = last ? listedGenerations.get(key) : undefined;
    if (known !== undefined) return known;
    const gen = (await this.redactions?.generation(agent)) ?? '';
    listedGenerations.set(key, gen);
    return gen;
  }

  /** A blob's text in the cache: its agent's (and namespace's) under the redaction generation it was read in. */
  private textKey(agent: AgentScope, hash: string, gen: string, legacy = false): string {
    return `${this.bucket}\0${agent.fleet}\0${agent.id}\0${legacy ? 'legacy' : ''}\0${hash}\0${gen}`;
  }

  private cacheKey(agent: AgentScope, id: string): string {
    return `${this.bucket}\0${this.series}\0${agent.fleet}\0${agent.id}\0${id}`;
  }

  private remember(key: string, r: Restored): void {
    restored.set(key, r);
    while (restored.size > restoredCapacity) restored.delete(restored.keys().next().value!);
  }

  private async download(agent: AgentScope, snapshotId: string, gen: string): Promise<Restored> {
    const manifest = await this.manifest(agent, snapshotId);
    const files: [string, string][] = [];
    const skipped: [string, OpaqueFile][] = [];
    const replaced = new Map<string, string>();
    await mapLimit(manifest.files, 16, async (f) => {
      const textKey = this.textKey(agent, f.sha256, gen, manifest.legacy);
      const known = f.skipped === undefined ? blobTexts.get(textKey) : undefined;
      if (known !== undefined) return void files.push([f.path, known]);
      let expected = f.sha256;
      let bytes = await this.blob(agent, f.sha256, manifest.legacy);
      if (bytes === undefined) {
        // gone: redacted (a marker a worker signed, in the locked audit bucket, names its replacement), or lost
        const replacement = await this.redactions?.replacement(agent, f.sha256, Boolean(manifest.legacy));
        bytes = replacement ? await this.blob(agent, replacement, manifest.legacy) : undefined;
        if (!replacement || bytes === undefined)
          throw new SnapshotCorrupt(
            `snapshot ${snapshotId}: the blob of ${f.path} is missing${replacement ? '' : ' and no signed redaction marker replaces it'}`,
          );
        expected = replacement;
        replaced.set(f.path, replacement);
      }
      if (sha256(bytes) !== expected)
        throw new SnapshotCorrupt(`snapshot ${snapshotId}: blob of ${f.path} does not match its sha256`);
      if (f.skipped !== undefined) skipped.push([f.path, { bytes, reason: f.skipped }]);
      else {
        const text = Buffer.from(bytes).toString('utf8');
        if (expected === f.sha256) blobTexts.set(textKey, text); // a replacement is read under its marker only
        files.push([f.path, text]);
      }
    });
    const store = MemoryStore.from(files, { maxFiles: Infinity, maxFileBytes: Infinity }, undefined, skipped);
    // the whole store hashes as the manifest says; a redacted one differs by design, each replaced blob checked
    // against the hash its signed marker names
    if (replaced.size === 0 && store.hash() !== manifest.sha256)
      throw new SnapshotCorrupt(`snapshot ${snapshotId}: restored store does not match its sha256`);
    return { store, sha256: store.hash(), manifestSha256: manifest.sha256, redacted: replaced.size };
  }

  private async blob(agent: AgentScope, hash: string, legacy?: boolean): Promise<Uint8Array | undefined> {
    try {
      const out = await this.s3.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.blobKey(agent, hash, legacy) }),
      );
      return await out.Body!.transformToByteArray();
    } catch (err) {
      if (httpStatus(err) === 404) return undefined;
      throw err;
    }
  }
}
