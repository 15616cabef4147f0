import { S3Client } from '@aws-sdk/client-s3';

/** Server-side encryption of every object dreamgate writes: SSE-S3, or SSE-KMS with an optional key id. */
export type S3Encryption = { mode: 'AES256' } | { mode: 'aws:kms'; kmsKeyId?: string };

export interface S3Settings {
  /** Set for S3-compatible servers (the local gateway); unset for AWS S3. */
  endpoint?: string;
  /** Unset for AWS S3 when the profile (or the SDK's chain) names it. */
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** A named profile of the shared AWS config and credentials files (AWS_PROFILE). */
  profile?: string;
  encryption?: S3Encryption;
}

/** Requests sent, by command (`PutObject`, `GetObject`…): what a benchmark counts per cycle. */
export type S3RequestCount = Map<string, number>;

/**
 * Keep-alive sockets, enough for the store operations that run at once (each sends at most 16 requests at a
 * time) without queueing behind one another.
 */
const agentOptions = { keepAlive: true, maxSockets: 64 };

/** The commands that create objects: the encryption headers go on each of them. */
const writes = new Set(['PutObjectCommand', 'CopyObjectCommand', 'CreateMultipartUploadCommand']);

/**
 * One S3 client for AWS and for S3-compatible servers. Path-style addressing and checksums only "when
 * required" are what self-hosted gateways need, and they are applied only when an endpoint is set, so
 * the same code keeps AWS's defaults. With encryption settings, a middleware puts them on every write, so
 * no code path that creates an object can forget them.
 */
export function createS3Client(s: S3Settings, count?: S3RequestCount): S3Client {
  const client = new S3Client({
    ...(s.region ? { region: s.region } : {}),
    ...(s.credentials ? { credentials: s.credentials } : {}),
    ...(s.profile ? { profile: s.profile } : {}),
    ...(s.endpoint
      ? {
          endpoint: s.endpoint,
          forcePathStyle: true,
          requestChecksumCalculation: 'WHEN_REQUIRED',
          responseChecksumValidation: 'WHEN_REQUIRED',
        }
      : {}),
    maxAttempts: 3,
    // one client per process, its connections kept open and shared by every activity: a snapshot of 2,000
    // files is 2,000 requests over a few sockets, not 2,000 TCP handshakes (16 at a time per store operation)
    requestHandler: { httpAgent: agentOptions, httpsAgent: agentOptions },
  });
  if (count)
    client.middlewareStack.add(
      (next, context) => (args) => {
        const name = (context.commandName ?? 'unknown').replace(/Command$/, '');
        count.set(name, (count.get(name) ?? 0) + 1);
        return next(args);
      },
      { step: 'initialize', name: 'dreamgateRequestCount' },
    );
  const sse = s.encryption;
  if (sse) {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (writes.has(context.commandName ?? '')) {
          const input = args.input as { ServerSideEncryption?: string; SSEKMSKeyId?: string };
          input.ServerSideEncryption = sse.mode;
          if (sse.mode === 'aws:kms' && sse.kmsKeyId) input.SSEKMSKeyId = sse.kmsKeyId;
        }
        return next(args);
      },
      { step: 'initialize', name: 'dreamgateServerSideEncryption' },
    );
  }
  return client;
}
