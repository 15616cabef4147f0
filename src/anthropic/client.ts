import Anthropic from '@anthropic-ai/sdk';
import { InvalidInput } from '../util/errors.js';

export interface ClientOptions {
  /**
   * The SDK's own retries. Inside an activity they are 0: Temporal retries instead, so every attempt
   * shows in the UI and honours the server's retry-after.
   */
  maxRetries: number;
  timeoutMs?: number;
}

/**
 * A Claude API client from the environment: ANTHROPIC_API_KEY, and ANTHROPIC_BASE_URL when set (a proxy,
 * a gateway, or the local API server the tests start).
 */
export function claudeClient(opts: ClientOptions, env: NodeJS.ProcessEnv = process.env): Anthropic {
  const apiKey = env.ANTHROPIC_API_KEY;
  if (!apiKey)
    throw new InvalidInput(
      'ANTHROPIC_API_KEY is not set: the claude and managed dreamers and the claude scorer need it',
    );
  return new Anthropic({
    apiKey,
    ...(env.ANTHROPIC_BASE_URL ? { baseURL: env.ANTHROPIC_BASE_URL } : {}),
    maxRetries: opts.maxRetries,
    timeout: opts.timeoutMs ?? 10 * 60_000,
  });
}
