import { ApplicationFailure, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';

const { noop } = proxyActivities<Activities>({ startToCloseTimeout: '1 minute' });
const local = proxyLocalActivities<Activities>({ startToCloseTimeout: '1 minute' });

const maxActivities = 1_000;

/** The benchmark floor: as many activities as a cycle runs (remote, then local), doing nothing. */
export async function benchFloor(activities: number, localActivities = 0): Promise<number> {
  // any client with namespace access can start it: bounded counts, or nothing runs
  for (const n of [activities, localActivities])
    if (!Number.isInteger(n) || n < 0 || n > maxActivities)
      throw ApplicationFailure.nonRetryable(
        `benchFloor input: an activity count from 0 to ${maxActivities}`,
        'InvalidInput',
      );
  for (let i = 0; i < activities; i++) await noop(i);
  for (let i = 0; i < localActivities; i++) await local.noop(i);
  return activities + localActivities;
}
