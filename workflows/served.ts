import { ActivityFailure, ApplicationFailure, sleep } from '@temporalio/workflow';

/**
 * A step that reached only workers not serving its fleet (two fleets' workers on one task queue, or a cycle
 * started before fleets had queues of their own) is left for a worker that serves it: each such worker fails
 * the attempt as `FleetNotServed` (retryable) and says so in its log; when the activity's retries run out, the
 * workflow waits on a durable timer and asks again, for as long as it takes. The cycle never fails for it.
 *
 * Replay-safe without a patch: only a `FleetNotServed` failure takes the new path, and no earlier history has one.
 */
const firstWaitMs = 10_000;
const longestWaitMs = 5 * 60_000;

/** Where a wait is shown (a cycle's details and `waitingFor`); undefined when the step was taken. */
let report: (waitingFor: string | undefined) => void = () => {};

/** Says where the waits of this workflow's steps are shown. */
export function showServedWaits(fn: (waitingFor: string | undefined) => void): void {
  report = fn;
}

function notServed(err: unknown): string | undefined {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return cause instanceof ApplicationFailure && cause.type === 'FleetNotServed' ? cause.message : undefined;
}

/** The activities, each waiting (never failing) while only workers that do not serve the fleet take it. */
export function servedSteps<T extends object>(activities: T): T {
  return new Proxy(activities, {
    get(target, name, receiver) {
      const step: unknown = Reflect.get(target, name, receiver);
      if (typeof step !== 'function') return step;
      return async (...args: unknown[]) => {
        for (let wait = firstWaitMs, waited = false; ; wait = Math.min(wait * 2, longestWaitMs)) {
          try {
            const result: unknown = await (step as (...a: unknown[]) => Promise<unknown>)(...args);
            if (waited) report(undefined);
            return result;
          } catch (err) {
            const why = notServed(err);
            if (why === undefined) throw err;
            waited = true;
            report(`a worker that serves this fleet (${why}); asking again in ${wait / 1000}s`);
            await sleep(wait);
          }
        }
      };
    },
  });
}

/**
 * Local steps that a worker not serving the fleet cannot take: it would only retry them itself (a local
 * activity runs where the workflow task runs), so the step goes to the task queue as an ordinary activity,
 * where a worker that serves the fleet takes it (and `remote` waits while none does).
 */
export function servedLocally<T extends object>(local: T, remote: T): T {
  return new Proxy(local, {
    get(target, name, receiver) {
      const step: unknown = Reflect.get(target, name, receiver);
      if (typeof step !== 'function') return step;
      return async (...args: unknown[]) => {
        try {
          return await (step as (...a: unknown[]) => Promise<unknown>)(...args);
        } catch (err) {
          if (notServed(err) === undefined) throw err;
          return (Reflect.get(remote, name) as (...a: unknown[]) => Promise<unknown>)(...args);
        }
      };
    },
  });
}
