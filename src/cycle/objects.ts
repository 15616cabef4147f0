import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { scopePrefix, type AgentScope } from '../config/scope.js';
import { httpStatus } from '../s3/errors.js';

/** JSON artefacts of cycles (change sets, eval reports, agent state) in the snapshots bucket. */
export class CycleObjects {
  constructor(
    readonly s3: S3Client,
    readonly bucket: string,
  ) {}

  /** A cycle's artefact, in its agent's namespace: `fleets/<fleet>/agents/<id>/cycles/<cycle>/<name>`. */
  static cycleKey(agent: AgentScope, cycleId: string, name: string): string {
    return `${scopePrefix(agent)}cycles/${cycleId}/${name}`;
  }

  /** The agent's durable state (approval streak, last kept session). */
  static stateKey(agent: AgentScope): string {
    return `${scopePrefix(agent)}state.json`;
  }

  async putJson(key: string, value: unknown): Promise<{ key: string; sha256: string }> {
    const body = JSON.stringify(value, null, 1);
    await this.s3.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: 'application/json' }),
    );
    return { key, sha256: createHash('sha256').update(body).digest('hex') };
  }

  async getText(key: string): Promise<string | undefined> {
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return await out.Body!.transformToString('utf-8');
    } catch (err) {
      if (httpStatus(err) === 404) return undefined;
      throw err;
    }
  }

  async getJson<T>(key: string): Promise<T | undefined> {
    const text = await this.getText(key);
    return text === undefined ? undefined : (JSON.parse(text) as T);
  }

  /** Creates a marker once; false when it already existed (the side effect it guards already happened). */
  async markOnce(key: string): Promise<boolean> {
    try {
      await this.s3.send(
        new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: new Date().toISOString(), IfNoneMatch: '*' }),
      );
      return true;
    } catch (err) {
      if (httpStatus(err) === 412) return false;
      throw err;
    }
  }

  /** Keys under a prefix, in order. */
  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.s3.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) keys.push(o.Key!);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys.sort();
  }

  async exists(key: string): Promise<boolean> {
    return (await this.getText(key)) !== undefined;
  }
}
