import type Anthropic from '@anthropic-ai/sdk';
import { ManagedDreamFailed, callClaude } from '../anthropic/errors.js';
import { sleep } from '../util/concurrency.js';
import { addUsage, noUsage } from '../anthropic/usage.js';
import { ManagedStore } from '../memory/managedStore.js';
import { loadPrompt } from '../util/prompts.js';
import type { Consolidation, Dreamer, PreparedInput } from './dreamer.js';

export interface ManagedSettings {
  model: string;
  /** The live store the dream reads (it is never written by the dream: output goes to a new store). */
  memoryStoreId: string;
  pollIntervalMs: number;
}

/**
 * The `managed` dreamer: the Managed Agents Dreams API over the agent's store and the sessions that passed
 * screening (those with held or quarantined text are never sent). The output store is read back, archived, and returned as
 * the candidate: the cycle diffs it into a change set that passes the same guard, gate and review.
 */
export class ManagedDreamer implements Dreamer {
  readonly name = 'managed';
  constructor(
    private readonly client: Anthropic,
    private readonly settings: ManagedSettings,
    private readonly onProgress: (what: string) => void = () => {},
  ) {}

  async consolidate(input: PreparedInput, signal?: AbortSignal): Promise<Consolidation> {
    const dreams = this.client.beta.dreams;
    // the API reads whole transcripts: a session with held text from outside is never sent
    const sessionIds = input.sessions
      .filter((s) => s.held.length === 0 && !s.injection)
      .slice(0, 100)
      .map((s) => s.sessionId);
    let dream = await callClaude('create dream', () =>
      dreams.create(
        {
          model: this.settings.model,
          inputs: [
            { type: 'memory_store', memory_store_id: this.settings.memoryStoreId },
            ...(sessionIds.length > 0 ? [{ type: 'sessions' as const, session_ids: sessionIds }] : []),
          ],
          instructions: loadPrompt('dream'),
          output_behavior: { type: 'create_new' },
        },
        { signal },
      ),
    );
    this.onProgress(`dream ${dream.id} ${dream.status}`);
    try {
      while (dream.status === 'pending' || dream.status === 'running') {
        await sleep(this.settings.pollIntervalMs, signal);
        dream = await callClaude(`poll dream ${dream.id}`, () => dreams.retrieve(dream.id, {}, { signal }));
        this.onProgress(`dream ${dream.id} ${dream.status}`);
      }
    } catch (err) {
      // a cancelled cycle cancels the dream too, so it stops spending
      if (signal?.aborted) await dreams.cancel(dream.id).catch(() => undefined);
      throw err;
    }
    if (dream.status !== 'completed')
      throw new ManagedDreamFailed(
        `dream ${dream.id} ended ${dream.status}${dream.error ? `: ${dream.error.type}: ${dream.error.message}` : ''}`,
      );
    const outputId = dream.outputs.find((o) => o.type === 'memory_store')?.memory_store_id;
    if (!outputId) throw new ManagedDreamFailed(`dream ${dream.id} completed without an output memory store`);
    const output = new ManagedStore(this.client, outputId);
    const store = await output.read();
    // the candidate now lives in dreamgate's snapshots; the output store and the dream are not needed again
    await output.archive();
    await callClaude(`archive dream ${dream.id}`, () => dreams.archive(dream.id));
    const usage = noUsage();
    addUsage(usage, this.settings.model, dream.usage);
    return { store, usage };
  }
}
