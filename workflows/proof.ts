import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { ProofObject } from '../activities/proof.js';

const { writeProofObject } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 5, initialInterval: '1 second' },
});

/** Proves the wiring: the worker reaches S3 and the object lands in the versioned bucket. */
export async function proofWorkflow(input: { message: string }): Promise<ProofObject> {
  const { workflowId } = workflowInfo();
  return writeProofObject({ key: `proof/${workflowId}.txt`, text: input.message });
}
