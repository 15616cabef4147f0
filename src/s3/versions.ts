import { ListObjectVersionsCommand, type ListObjectVersionsCommandOutput, type S3Client } from '@aws-sdk/client-s3';

/**
 * Every page of ListObjectVersions under a prefix. The SDK has no paginator for this call (it resumes
 * from two markers, a key and a version id), so this is the one place that follows them.
 */
export async function* objectVersionPages(
  s3: S3Client,
  bucket: string,
  prefix: string,
  pageSize?: number,
  /** `/`: the folders directly under the prefix come back as CommonPrefixes. */
  delimiter?: string,
): AsyncGenerator<ListObjectVersionsCommandOutput> {
  let keyMarker: string | undefined;
  let versionMarker: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectVersionsCommand({
        Bucket: bucket,
        Prefix: prefix,
        MaxKeys: pageSize,
        Delimiter: delimiter,
        KeyMarker: keyMarker,
        VersionIdMarker: versionMarker,
      }),
    );
    yield page;
    keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
    versionMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
  } while (keyMarker);
}

/** The versions and delete markers of exactly one key, newest first (S3 lists a key's versions that way). */
export async function keyVersions(
  s3: S3Client,
  bucket: string,
  key: string,
  pageSize?: number,
): Promise<{ versions: string[]; deleteMarkers: string[] }> {
  const versions: string[] = [];
  const deleteMarkers: string[] = [];
  for await (const page of objectVersionPages(s3, bucket, key, pageSize)) {
    for (const v of page.Versions ?? []) if (v.Key === key && v.VersionId) versions.push(v.VersionId);
    for (const d of page.DeleteMarkers ?? []) if (d.Key === key && d.VersionId) deleteMarkers.push(d.VersionId);
  }
  return { versions, deleteMarkers };
}
