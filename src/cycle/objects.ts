import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';

const isStatus = (err: unknown, code: number) =>
  (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === code;

/** JSON artefacts of cycles (change sets, eval reports, agent state) in the snapshots bucket. */
export class CycleObjects {
  constructor(
    readonly s3: S3Client,
    readonly bucket: string,
  ) {}

  static cycleKey(agentId: string, cycleId: string, name: string): string {
    return `agents/${agentId}/cycles/${cycleId}/${name}`;
  }

  async putJson(
    key: string,
    value: unknown,
    opts: { createOnly?: boolean } = {},
  ): Promise<{ key: string; sha256: string }> {
    const body = JSON.stringify(value, null, 1);
    const sha256 = createHash('sha256').update(body).digest('hex');
    try {
      await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ContentType: 'application/json',
          ...(opts.createOnly ? { IfNoneMatch: '*' } : {}),
        }),
      );
    } catch (err) {
      if (!(opts.createOnly && isStatus(err, 412))) throw err;
      const existing = await this.getText(key);
      if (existing === undefined || createHash('sha256').update(existing).digest('hex') !== sha256)
        throw new Error(`${key} exists with other content`, { cause: err });
    }
    return { key, sha256 };
  }

  async getText(key: string): Promise<string | undefined> {
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return await out.Body!.transformToString('utf-8');
    } catch (err) {
      if (isStatus(err, 404)) return undefined;
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
      if (isStatus(err, 412)) return false;
      throw err;
    }
  }

  async exists(key: string): Promise<boolean> {
    return (await this.getText(key)) !== undefined;
  }
}
