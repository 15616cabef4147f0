import type { TestProject } from 'vitest/node';
import { isolatedStack } from '../../app/stack/isolated.js';
import { loadStackConfig, s3Endpoint, temporalAddress } from '../../src/config/stack.js';
import { setupStack } from '../integration/globalSetup.js';

/**
 * The fault tests stop and restart servers, so they run on a stack of their own (free loopback ports, state
 * in .dreamgate/stack-faults), never on the stack other checkouts and test runs share.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cfg = await isolatedStack(await loadStackConfig(), 'faults');
  process.stderr.write(
    `[stack] fault runs use a stack of their own: Temporal ${temporalAddress(cfg)}, S3 ${s3Endpoint(cfg)} (${cfg.stateDir})\n`,
  );
  return setupStack(project, cfg, true);
}
