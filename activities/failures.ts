import { ApplicationFailure, Context } from '@temporalio/activity';
import { BudgetExceeded, ClaudeApiError, ManagedDreamFailed } from '../src/anthropic/errors.js';
import { LiveStoreChanged } from '../src/memory/apply.js';
import { AuditConflict } from '../src/snapshots/audit.js';
import { SnapshotCorrupt } from '../src/snapshots/snapshots.js';
import { WebhookFailed } from '../src/notify/webhook.js';
import { InvalidInput } from '../src/util/errors.js';

/** The failure types a workflow (and on-call, in the UI) can tell apart. */
export const failureTypes = {
  invalidInput: 'InvalidInput',
  liveStoreChanged: 'LiveStoreChanged',
  snapshotCorrupt: 'SnapshotCorrupt',
  auditConflict: 'AuditConflict',
  evalRegression: 'EvalRegression',
  webhook: 'WebhookFailed',
  claudeApi: 'ClaudeApiError',
  budgetExceeded: 'BudgetExceeded',
  managedDreamFailed: 'ManagedDreamFailed',
} as const;

/**
 * Every activity heartbeats while it runs, so a worker that dies mid-activity is noticed within the
 * workflow's heartbeat timeout (seconds) instead of the activity's start-to-close timeout (minutes). And what
 * retrying cannot fix becomes a non-retryable typed failure, so the cycle ends with a reason instead of
 * retrying forever; everything else stays retryable.
 */
export function typed<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args: A) => {
    const ctx = Context.current();
    const beat = setInterval(() => ctx.heartbeat(), 1_000);
    try {
      return await fn(...args);
    } catch (err) {
      if (err instanceof InvalidInput) throw ApplicationFailure.nonRetryable(err.message, failureTypes.invalidInput);
      if (err instanceof LiveStoreChanged)
        throw ApplicationFailure.nonRetryable(err.message, failureTypes.liveStoreChanged, { paths: err.paths });
      if (err instanceof SnapshotCorrupt)
        throw ApplicationFailure.nonRetryable(err.message, failureTypes.snapshotCorrupt);
      if (err instanceof AuditConflict) throw ApplicationFailure.nonRetryable(err.message, failureTypes.auditConflict);
      if (err instanceof ClaudeApiError)
        // 429, 529 and 5xx: Temporal retries after the server's retry-after; 400, 401, 403: fail fast
        throw ApplicationFailure.create({
          message: err.message,
          type: failureTypes.claudeApi,
          nonRetryable: !err.retryable,
          details: [{ status: err.status, type: err.type, requestId: err.requestId }],
          ...(err.retryable && err.retryAfterMs !== undefined ? { nextRetryDelay: err.retryAfterMs } : {}),
        });
      if (err instanceof BudgetExceeded)
        throw ApplicationFailure.nonRetryable(err.message, failureTypes.budgetExceeded);
      if (err instanceof ManagedDreamFailed)
        throw ApplicationFailure.nonRetryable(err.message, failureTypes.managedDreamFailed);
      if (err instanceof WebhookFailed && !err.retryable)
        throw ApplicationFailure.nonRetryable(err.message, failureTypes.webhook);
      throw err;
    } finally {
      clearInterval(beat);
    }
  };
}
