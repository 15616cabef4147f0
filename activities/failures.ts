import { ApplicationFailure } from '@temporalio/activity';
import { BudgetExceeded, ClaudeApiError, ManagedDreamFailed } from '../src/anthropic/errors.js';
import { FleetNotServed } from '../src/config/registry.js';
import { Unauthorized } from '../src/cycle/authority.js';
import { ChangeSetTampered } from '../src/cycle/objects.js';
import { LiveStoreChanged } from '../src/memory/apply.js';
import { StoreLocked } from '../src/claudeCode/lock.js';
import { AuditConflict } from '../src/audit/audit.js';
import { SnapshotCorrupt } from '../src/snapshots/snapshots.js';
import { WebhookFailed } from '../src/notify/webhook.js';
import { InvalidInput } from '../src/util/errors.js';

/** The failure types a workflow (and on-call, in the UI) can tell apart. */
export const failureTypes = {
  invalidInput: 'InvalidInput',
  liveStoreChanged: 'LiveStoreChanged',
  snapshotCorrupt: 'SnapshotCorrupt',
  auditConflict: 'AuditConflict',
  changeSetTampered: 'ChangeSetTampered',
  webhook: 'WebhookFailed',
  claudeApi: 'ClaudeApiError',
  budgetExceeded: 'BudgetExceeded',
  managedDreamFailed: 'ManagedDreamFailed',
  storeLocked: 'StoreLocked',
  fleetNotServed: 'FleetNotServed',
  unauthorized: 'Unauthorized',
} as const;

/**
 * What retrying cannot fix, as a non-retryable typed failure, so the cycle ends with a reason instead of
 * retrying forever; everything else is returned unchanged and stays retryable.
 */
export function asFailure(err: unknown): unknown {
  // another worker on the queue may serve the fleet: retried (the workflow waits on if retries run out)
  if (err instanceof FleetNotServed)
    return ApplicationFailure.create({
      message: err.message,
      type: failureTypes.fleetNotServed,
      nextRetryDelay: 1_000,
    });
  if (err instanceof Unauthorized) return ApplicationFailure.nonRetryable(err.message, failureTypes.unauthorized);
  if (err instanceof InvalidInput) return ApplicationFailure.nonRetryable(err.message, failureTypes.invalidInput);
  if (err instanceof LiveStoreChanged)
    return ApplicationFailure.nonRetryable(err.message, failureTypes.liveStoreChanged, {
      paths: err.paths,
      conflicts: err.conflicts,
    });
  if (err instanceof SnapshotCorrupt) return ApplicationFailure.nonRetryable(err.message, failureTypes.snapshotCorrupt);
  if (err instanceof AuditConflict) return ApplicationFailure.nonRetryable(err.message, failureTypes.auditConflict);
  if (err instanceof ChangeSetTampered)
    return ApplicationFailure.nonRetryable(err.message, failureTypes.changeSetTampered);
  if (err instanceof ClaudeApiError)
    // 429, 529 and 5xx: Temporal retries after the server's retry-after; 400, 401, 403: fail fast
    return ApplicationFailure.create({
      message: err.message,
      type: failureTypes.claudeApi,
      nonRetryable: !err.retryable,
      details: [{ status: err.status, type: err.type, requestId: err.requestId }],
      ...(err.retryable && err.retryAfterMs !== undefined ? { nextRetryDelay: err.retryAfterMs } : {}),
    });
  if (err instanceof BudgetExceeded) return ApplicationFailure.nonRetryable(err.message, failureTypes.budgetExceeded);
  if (err instanceof ManagedDreamFailed)
    return ApplicationFailure.nonRetryable(err.message, failureTypes.managedDreamFailed);
  if (err instanceof StoreLocked)
    // the workflow waits for the lock on a durable timer: it may be held for up to an hour, longer than retries last
    return ApplicationFailure.create({
      message: err.message,
      type: failureTypes.storeLocked,
      nonRetryable: true,
      details: [{ pid: err.pid, retryInMs: err.retryInMs }],
    });
  if (err instanceof WebhookFailed && !err.retryable)
    return ApplicationFailure.nonRetryable(err.message, failureTypes.webhook);
  return err;
}
