import Anthropic from '@anthropic-ai/sdk';

/**
 * An error from the Claude API, reduced to what decides a retry: the status, the API's error type and
 * message, and how long the server asked us to wait.
 */
export class ClaudeApiError extends Error {
  override readonly name = 'ClaudeApiError';
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly type: string,
    /** 429, 529, 5xx and connection failures: worth another attempt. */
    readonly retryable: boolean,
    /** From `retry-after` / `retry-after-ms`, when the server sent one. */
    readonly retryAfterMs: number | undefined,
    readonly requestId: string | undefined,
  ) {
    super(message);
  }
}

/** The dream or evaluation would spend more than its budget: retrying cannot fix that. */
export class BudgetExceeded extends Error {
  override readonly name = 'BudgetExceeded';
}

/** A Managed Agents dream that ended `failed` or `canceled`. */
export class ManagedDreamFailed extends Error {
  override readonly name = 'ManagedDreamFailed';
}

function retryAfter(headers: Headers | undefined): number | undefined {
  const ms = Number(headers?.get('retry-after-ms'));
  if (Number.isFinite(ms) && ms > 0) return ms;
  const raw = headers?.get('retry-after');
  if (!raw) return undefined;
  const s = Number(raw);
  if (Number.isFinite(s)) return Math.max(0, s * 1000);
  const at = Date.parse(raw);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/**
 * Maps what the SDK throws onto ClaudeApiError; an abort (a cancelled cycle) and anything that is not an
 * API error pass through unchanged.
 */
export function toClaudeError(err: unknown, what: string): unknown {
  if (err instanceof Anthropic.APIUserAbortError) return err;
  if (err instanceof Anthropic.APIConnectionError)
    return new ClaudeApiError(
      `${what}: cannot reach the Claude API (${err.message})`,
      undefined,
      'connection_error',
      true,
      undefined,
      undefined,
    );
  if (!(err instanceof Anthropic.APIError)) return err;
  const body = err.error as { error?: { type?: string; message?: string } } | undefined;
  const type = body?.error?.type ?? 'api_error';
  const message = body?.error?.message ?? err.message;
  const status = err.status;
  const retryable = status === undefined || status === 408 || status === 409 || status === 429 || status >= 500;
  const requestId = err.requestID ?? undefined;
  return new ClaudeApiError(
    `${what}: Claude API ${status ?? ''} ${type}: ${message}${requestId ? ` (request ${requestId})` : ''}`,
    status,
    type,
    retryable,
    retryAfter(err.headers),
    requestId,
  );
}

/** Runs one API call and turns its failure into ClaudeApiError. */
export async function callClaude<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw toClaudeError(err, what);
  }
}
