import type Anthropic from '@anthropic-ai/sdk';
import { createHash } from 'node:crypto';
import { sleep } from '../util/concurrency.js';
import { ClaudeApiError, callClaude } from './errors.js';

type Request = Anthropic.Messages.MessageCreateParamsNonStreaming;

/** How a request reaches the model: directly, or through the Message Batches API at half the price. */
export interface MessageSender {
  readonly batch: boolean;
  send(what: string, request: Request, signal?: AbortSignal): Promise<Anthropic.Messages.Message>;
}

export const directSender = (client: Anthropic): MessageSender => ({
  batch: false,
  send: (what, request, signal) => callClaude(what, () => client.messages.create(request, { signal })),
});

/** Where a submitted batch's id is kept, so a retried activity resumes waiting instead of paying again. */
export interface BatchLedger {
  get(key: string): Promise<{ batchId: string } | undefined>;
  put(key: string, value: { batchId: string }): Promise<void>;
}

/**
 * Sends each request as a one-request message batch and waits for it, polling with `onProgress` (the
 * activity's heartbeat). The batch id is recorded under the request's hash before waiting: if the worker
 * dies, the next attempt finds it and waits for the same batch. A cancelled dream cancels its batch.
 */
export function batchSender(
  client: Anthropic,
  ledger: BatchLedger,
  opts: { pollIntervalMs: number; onProgress?: (what: string) => void },
): MessageSender {
  const batches = client.messages.batches;
  return {
    batch: true,
    async send(what, request, signal) {
      const key = createHash('sha256').update(JSON.stringify(request)).digest('hex');
      let batchId = (await ledger.get(key))?.batchId;
      if (!batchId) {
        const created = await callClaude(`${what}: submit batch`, () =>
          batches.create({ requests: [{ custom_id: 'dreamgate', params: request }] }, { signal }),
        );
        batchId = created.id;
        await ledger.put(key, { batchId });
      }
      try {
        for (;;) {
          const b = await callClaude(`${what}: poll batch ${batchId}`, () =>
            batches.retrieve(batchId!, {}, { signal }),
          );
          opts.onProgress?.(`batch ${batchId} ${b.processing_status}`);
          if (b.processing_status === 'ended') break;
          await sleep(opts.pollIntervalMs, signal);
        }
      } catch (err) {
        if (signal?.aborted) await batches.cancel(batchId).catch(() => undefined);
        throw err;
      }
      const results = await callClaude(`${what}: batch ${batchId} results`, () =>
        batches.results(batchId!, {}, { signal }),
      );
      for await (const r of results) {
        if (r.custom_id !== 'dreamgate') continue;
        if (r.result.type === 'succeeded') return r.result.message;
        const error = r.result.type === 'errored' ? r.result.error.error : undefined;
        throw new ClaudeApiError(
          `${what}: batch ${batchId} request ${r.result.type}${error ? `: ${error.type}: ${error.message}` : ''}`,
          undefined,
          error?.type ?? r.result.type,
          // an expired or overloaded request may succeed in a new batch; an invalid one never will
          r.result.type === 'expired' || error?.type === 'overloaded_error' || error?.type === 'api_error',
          undefined,
          undefined,
        );
      }
      throw new ClaudeApiError(
        `${what}: batch ${batchId} ended without a result`,
        undefined,
        'api_error',
        true,
        undefined,
        undefined,
      );
    },
  };
}
