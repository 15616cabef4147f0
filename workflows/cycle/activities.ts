import { proxyActivities, proxyLocalActivities, type RetryPolicy } from '@temporalio/workflow';
import type { Activities } from '../../activities/index.js';
import { servedLocally, servedSteps } from '../served.js';

/** The one retry policy of dreamgate's activities: every workflow's steps retry alike. */
export const retry: RetryPolicy = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '30 seconds',
  maximumAttempts: 8,
};
/** Every activity heartbeats: a worker that dies is noticed in seconds, and the step retried elsewhere. */
export const steps = servedSteps(
  proxyActivities<Activities>({
    startToCloseTimeout: '2 minutes',
    heartbeatTimeout: '10 seconds',
    retry,
  }),
);
export const dreaming = servedSteps(
  proxyActivities<Activities>({
    startToCloseTimeout: '30 minutes',
    heartbeatTimeout: '30 seconds',
    retry,
  }),
);
/** A batch dream waits for the Message Batches API (up to 24 h), heartbeating as it polls. */
export const batchDreaming = servedSteps(
  proxyActivities<Activities>({
    startToCloseTimeout: '25 hours',
    heartbeatTimeout: '2 minutes',
    retry,
  }),
);
/**
 * The cycle's short bookkeeping steps (open, audit records, state) run as local activities, on the worker
 * that runs the workflow task: one history event each instead of six, and no round trip through the queue.
 */
// a worker that does not serve the fleet would only retry a local step itself: the queue gets it instead
export const local = servedLocally(
  proxyLocalActivities<Activities>({
    startToCloseTimeout: '1 minute',
    retry: { ...retry, nonRetryableErrorTypes: ['FleetNotServed'] },
  }),
  steps,
);
export const alerts = servedSteps(
  proxyActivities<Activities>({
    startToCloseTimeout: '30 seconds',
    retry: { ...retry, maximumAttempts: 5 },
  }),
);
