import { Context } from '@temporalio/activity';
import { asFailure } from './failures.js';

/** What each running activity is doing now, resent with every heartbeat so the UI shows it. */
const doing = new WeakMap<Context, string>();

/** Says what the current activity is doing (e.g. "reading sessions"), and heartbeats at once. */
export function progress(what: string): void {
  const ctx = Context.current();
  doing.set(ctx, what);
  if (!ctx.info.isLocal) ctx.heartbeat(what);
}

/**
 * Every activity is wrapped in this. It heartbeats while it runs, so a worker that dies mid-activity is
 * noticed within the workflow's heartbeat timeout (seconds) instead of the start-to-close timeout
 * (minutes), and a cancellation reaches it; and its failures become typed ones (see `asFailure`).
 */
export function activity<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args: A) => {
    const ctx = Context.current();
    // a local activity runs inside its workflow task, which the SDK keeps alive: it has no heartbeat
    const beat = ctx.info.isLocal ? undefined : setInterval(() => ctx.heartbeat(doing.get(ctx)), 1_000);
    try {
      return await fn(...args);
    } catch (err) {
      throw asFailure(err);
    } finally {
      clearInterval(beat);
    }
  };
}
