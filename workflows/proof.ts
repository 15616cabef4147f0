import { ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { ProofObject } from '../activities/proof.js';

const { writeProofObject } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 5, initialInterval: '1 second' },
});

const maxMessage = 4_096;

/** Proves the wiring: the worker reaches S3 and the object lands in the versioned bucket. */
export async function proofWorkflow(input: { message: string }): Promise<ProofObject> {
  // any client with namespace access can start it: a short text, under a key that names only this workflow
  const message = (input as { message?: unknown } | null)?.message;
  if (typeof message !== 'string' || message.length > maxMessage)
    throw ApplicationFailure.nonRetryable(
      `proof input: message must be text of at most ${maxMessage} characters`,
      'InvalidInput',
    );
  // the worker writes it under this workflow's own id: `proof/<workflow id>.txt`
  return writeProofObject({ text: message });
}
