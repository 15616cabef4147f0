import { S3Client } from '@aws-sdk/client-s3';

export interface S3Settings {
  /** Set for S3-compatible servers (the local gateway); unset for AWS S3. */
  endpoint?: string;
  region: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/**
 * One S3 client for AWS and for S3-compatible servers. Path-style addressing and checksums only "when
 * required" are what self-hosted gateways need, and they are applied only when an endpoint is set, so
 * the same code keeps AWS's defaults.
 */
export function createS3Client(s: S3Settings): S3Client {
  return new S3Client({
    region: s.region,
    ...(s.credentials ? { credentials: s.credentials } : {}),
    ...(s.endpoint
      ? {
          endpoint: s.endpoint,
          forcePathStyle: true,
          requestChecksumCalculation: 'WHEN_REQUIRED',
          responseChecksumValidation: 'WHEN_REQUIRED',
        }
      : {}),
    maxAttempts: 3,
  });
}
