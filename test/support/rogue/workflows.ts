/**
 * An attacker's workflows, as the red team wrote them (../shared/reviews/2026-12-06-redteam.md): code of their
 * own, run by a worker of their own on a task queue of their own, scheduling dreamgate's activities by name on
 * dreamgate's task queue, where the real worker runs them. Each call's outcome is returned, never thrown, so a
 * test sees every refusal.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  continueAsNew,
  executeChild,
  proxyActivities,
  upsertMemo,
} from '@temporalio/workflow';

export interface Outcome {
  ok: boolean;
  value?: unknown;
  type?: string;
  message?: string;
}

type Any = Record<string, (...args: unknown[]) => Promise<unknown>>;
const on = (queue: string) =>
  proxyActivities<Any>({ taskQueue: queue, startToCloseTimeout: '1 minute', retry: { maximumAttempts: 1 } });

async function attempt(fn: () => Promise<unknown>): Promise<Outcome> {
  try {
    return { ok: true, value: await fn() };
  } catch (err) {
    const cause = err instanceof ActivityFailure ? err.cause : err;
    return {
      ok: false,
      ...(cause instanceof ApplicationFailure && cause.type ? { type: cause.type } : {}),
      message: cause instanceof Error ? cause.message : String(cause),
    };
  }
}

/** Calls dreamgate's activities one after another, each with positional arguments as given. */
export async function rogueCalls(input: {
  queue: string;
  calls: { name: string; args: unknown[] }[];
}): Promise<Outcome[]> {
  const dg = on(input.queue);
  const out: Outcome[] = [];
  for (const c of input.calls) out.push(await attempt(() => dg[c.name]!(...c.args)));
  return out;
}

/** Sets its own memo's audit head (the red team's H2: a run under the agent's id whose memo names a forged head). */
export async function rogueMemo(input: { head: string }): Promise<string> {
  upsertMemo({ auditHead: input.head });
  return input.head;
}

/** Starts dreamgate's cycle as its own child, under an id of its choosing (M1). */
export async function rogueParent(input: { queue: string; childId: string; args: unknown[] }): Promise<Outcome> {
  return attempt(() =>
    executeChild('dreamCycle', { taskQueue: input.queue, workflowId: input.childId, args: input.args }),
  );
}

/** Continues as new once, then calls as `rogueCalls` does: a run whose first event names a run it continues. */
export async function rogueContinued(input: {
  queue: string;
  calls: { name: string; args: unknown[] }[];
  continued?: boolean;
}): Promise<Outcome[]> {
  if (!input.continued) await continueAsNew<typeof rogueContinued>({ ...input, continued: true });
  return rogueCalls(input);
}
