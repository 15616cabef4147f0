/** The HTTP status of a failed S3 call (412 precondition failed, 404 not found, …), if it has one. */
export function httpStatus(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}
