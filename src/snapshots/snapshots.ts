import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { httpStatus } from '../s3/errors.js';
import { mapLimit } from '../util/concurrency.js';
import { InvalidInput } from '../util/errors.js';
import { MemoryStore, sha256, type OpaqueFile } from '../memory/store.js';

/** What a snapshot's manifest holds: the store's shape and hashes; contents live in blobs. */
export interface Manifest {
  format: 1;
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
}

export interface SnapshotCost {
  /** Requests that wrote (PUT) and bytes they carried. */
  putRequests: number;
  bytesWritten: number;
  /** Requests that only read or listed. */
  readRequests: number;
}

export class SnapshotCorrupt extends Error {
  override readonly name = 'SnapshotCorrupt';
}

/** Restored stores by version (immutable), least recently used first. */
const restored = new Map<string, MemoryStore>();
const restoredCapacity = 16;

/** Forgets restored stores (benchmarks measure a cold restore). */
export function clearRestoreCache(): void {
  restored.clear();
}

/**
 * Snapshots in a versioned bucket: each file is a content-addressed blob written once, and each snapshot
 * is a new version of the agent's manifest. A snapshot of an unchanged store writes one manifest; a
 * slightly changed store writes only the changed blobs.
 */
export class SnapshotStore {
  /**
   * @param series `snapshot` for the rollback points of the live store, `candidate` for dreamed stores
   * awaiting the gate and review; both share the agent's blobs.
   */
  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
    private readonly series: 'snapshot' | 'candidate' = 'snapshot',
  ) {}

  private prefix(agentId: string): string {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(agentId))
      throw new InvalidInput(`agent id ${JSON.stringify(agentId)}: use letters, digits, ".", "_" and "-"`);
    return `agents/${agentId}/`;
  }
  private manifestKey = (agentId: string) =>
    `${this.prefix(agentId)}${this.series === 'snapshot' ? 'manifest' : 'candidate'}.json`;
  private blobKey = (agentId: string, hash: string) => `${this.prefix(agentId)}blobs/${hash.slice(0, 2)}/${hash}`;

  /**
   * Takes a snapshot labelled `label` (e.g. the cycle and step). Idempotent: if the newest snapshot has
   * the same label and hash, its id is returned and nothing is written.
   */
  async take(
    agentId: string,
    store: MemoryStore,
    label: string,
    takenAt = new Date(),
  ): Promise<SnapshotInfo & { cost: SnapshotCost }> {
    const cost: SnapshotCost = { putRequests: 0, bytesWritten: 0, readRequests: 0 };
    const latest = await this.latest(agentId, cost);
    if (latest && latest.label === label && latest.sha256 === store.hash()) return { ...latest, cost };

    const existing = new Set<string>();
    let token: string | undefined;
    do {
      const page = await this.s3.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: `${this.prefix(agentId)}blobs/`,
          ContinuationToken: token,
        }),
      );
      cost.readRequests++;
      for (const o of page.Contents ?? []) existing.add(o.Key!.split('/').pop()!);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);

    const bytesOf = (path: string): Uint8Array =>
      store.skipped.get(path)?.bytes ?? Buffer.from(store.get(path)!, 'utf8');
    const files: Manifest['files'] = [...store.paths(), ...store.skipped.keys()].sort().map((path) => ({
      path,
      sha256: store.fileHash(path)!,
      bytes: bytesOf(path).length,
      ...(store.skipped.has(path) ? { skipped: store.skipped.get(path)!.reason } : {}),
    }));
    const missing = [...new Map(files.filter((f) => !existing.has(f.sha256)).map((f) => [f.sha256, f.path])).entries()];
    await mapLimit(missing, 16, async ([hash, path]) => {
      const body = bytesOf(path);
      try {
        await this.s3.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: this.blobKey(agentId, hash),
            Body: body,
            IfNoneMatch: '*',
            ContentType: store.skipped.has(path) ? 'application/octet-stream' : 'text/plain; charset=utf-8',
          }),
        );
      } catch (err) {
        if (httpStatus(err) !== 412) throw err; // 412: another writer stored the same blob
      }
      cost.putRequests++;
      cost.bytesWritten += body.length;
    });

    const manifest: Manifest = {
      format: 1,
      agent_id: agentId,
      sha256: store.hash(),
      label,
      taken_at: takenAt.toISOString(),
      files,
    };
    const body = Buffer.from(JSON.stringify(manifest), 'utf8');
    const out = await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: this.manifestKey(agentId),
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
    this.remember(agentId, out.VersionId, store); // the version just written is the store in hand
    return {
      id: out.VersionId,
      agentId,
      sha256: manifest.sha256,
      label,
      takenAt: manifest.taken_at,
      files: files.length,
      cost,
    };
  }

  private async latest(agentId: string, cost: SnapshotCost): Promise<SnapshotInfo | undefined> {
    try {
      const head = await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.manifestKey(agentId) }));
      cost.readRequests++;
      return this.info(agentId, head.VersionId!, head.Metadata ?? {});
    } catch (err) {
      cost.readRequests++;
      if (httpStatus(err) === 404) return undefined;
      throw err;
    }
  }

  private info(agentId: string, id: string, meta: Record<string, string>): SnapshotInfo {
    return {
      id,
      agentId,
      sha256: meta['store-sha256'] ?? '',
      label: decodeURIComponent(meta.label ?? ''),
      takenAt: meta['taken-at'] ?? '',
      files: Number(meta.files ?? 0),
    };
  }

  /** An agent's snapshots, newest first. */
  async list(agentId: string): Promise<SnapshotInfo[]> {
    const versions: { id: string; modified: number }[] = [];
    let keyMarker: string | undefined;
    let versionMarker: string | undefined;
    do {
      const page = await this.s3.send(
        new ListObjectVersionsCommand({
          Bucket: this.bucket,
          Prefix: this.manifestKey(agentId),
          KeyMarker: keyMarker,
          VersionIdMarker: versionMarker,
        }),
      );
      for (const v of page.Versions ?? [])
        if (v.Key === this.manifestKey(agentId))
          versions.push({ id: v.VersionId!, modified: v.LastModified?.getTime() ?? 0 });
      keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
      versionMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
    } while (keyMarker);
    const infos = await mapLimit(versions, 8, async (v) => {
      const head = await this.s3.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: this.manifestKey(agentId), VersionId: v.id }),
      );
      return this.info(agentId, v.id, head.Metadata ?? {});
    });
    return infos.sort((a, b) => (a.takenAt < b.takenAt ? 1 : a.takenAt > b.takenAt ? -1 : 0));
  }

  async manifest(agentId: string, snapshotId: string): Promise<Manifest> {
    let out;
    try {
      out = await this.s3.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.manifestKey(agentId), VersionId: snapshotId }),
      );
    } catch (err) {
      if (httpStatus(err) === 404 || httpStatus(err) === 400)
        throw new InvalidInput(`snapshot ${snapshotId} of agent ${agentId} does not exist`);
      throw err;
    }
    return JSON.parse(await out.Body!.transformToString('utf-8')) as Manifest;
  }

  /**
   * Restores a snapshot exactly: every blob and the whole store are checked against their sha256. A version
   * never changes, so a cycle that restores the same snapshot several times downloads it once per process.
   */
  async restore(agentId: string, snapshotId: string): Promise<MemoryStore> {
    const key = this.cacheKey(agentId, snapshotId);
    const hit = restored.get(key);
    if (hit) {
      restored.delete(key); // most recently used last
      restored.set(key, hit);
      return hit;
    }
    const store = await this.download(agentId, snapshotId);
    this.remember(agentId, snapshotId, store);
    return store;
  }

  private cacheKey(agentId: string, id: string): string {
    return `${this.bucket}\0${this.series}\0${agentId}\0${id}`;
  }

  private remember(agentId: string, id: string, store: MemoryStore): void {
    restored.set(this.cacheKey(agentId, id), store);
    while (restored.size > restoredCapacity) restored.delete(restored.keys().next().value!);
  }

  private async download(agentId: string, snapshotId: string): Promise<MemoryStore> {
    const manifest = await this.manifest(agentId, snapshotId);
    const files: [string, string][] = [];
    const skipped: [string, OpaqueFile][] = [];
    await mapLimit(manifest.files, 16, async (f) => {
      const out = await this.s3.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.blobKey(agentId, f.sha256) }),
      );
      const bytes = await out.Body!.transformToByteArray();
      if (sha256(bytes) !== f.sha256)
        throw new SnapshotCorrupt(`snapshot ${snapshotId}: blob of ${f.path} does not match its sha256`);
      if (f.skipped !== undefined) skipped.push([f.path, { bytes, reason: f.skipped }]);
      else files.push([f.path, Buffer.from(bytes).toString('utf8')]);
    });
    const store = MemoryStore.from(files, { maxFiles: Infinity, maxFileBytes: Infinity }, undefined, skipped);
    if (store.hash() !== manifest.sha256)
      throw new SnapshotCorrupt(`snapshot ${snapshotId}: restored store does not match its sha256`);
    return store;
  }
}
