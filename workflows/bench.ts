import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';

const { noop } = proxyActivities<Activities>({ startToCloseTimeout: '1 minute' });

/** The benchmark floor: as many activities as a cycle runs, doing nothing. */
export async function benchFloor(activities: number): Promise<number> {
  for (let i = 0; i < activities; i++) await noop(i);
  return activities;
}
