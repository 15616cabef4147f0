import { ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';

const { noop } = proxyActivities<Activities>({ startToCloseTimeout: '1 minute' });

const maxActivities = 1_000;

/** The benchmark floor: as many activities as a cycle runs, doing nothing. */
export async function benchFloor(activities: number): Promise<number> {
  // any client with namespace access can start it: a bounded count, or nothing runs
  if (!Number.isInteger(activities) || activities < 0 || activities > maxActivities)
    throw ApplicationFailure.nonRetryable(
      `benchFloor input: an activity count from 0 to ${maxActivities}`,
      'InvalidInput',
    );
  for (let i = 0; i < activities; i++) await noop(i);
  return activities;
}
