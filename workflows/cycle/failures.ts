import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';

/** What an activity's failure is, as the workflow sees it through Temporal's wrapping. */
export function failureType(err: unknown): string | undefined {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined;
}

/** The paths a LiveStoreChanged failure names (its details). */
export function failurePaths(err: unknown): string[] {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  const details = cause instanceof ApplicationFailure ? (cause.details?.[0] as { paths?: unknown }) : undefined;
  return Array.isArray(details?.paths) ? details.paths.filter((p): p is string => typeof p === 'string') : [];
}

export function failureMessage(err: unknown): string {
  const cause = err instanceof ActivityFailure && err.cause ? err.cause : err;
  return cause instanceof Error ? cause.message : String(cause);
}

/** When the agent's conflicting edit came: after the review opened, unless every path had changed before. */
export function conflictWhen(err: unknown, changedBeforeReview: string[] | undefined): 'review' | 'dream' {
  if (!changedBeforeReview) return 'dream';
  const paths = failurePaths(err);
  return paths.length > 0 && paths.every((p) => changedBeforeReview.includes(p)) ? 'dream' : 'review';
}
