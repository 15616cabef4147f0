import { InvalidInput } from '../util/errors.js';

/**
 * How much one worker process takes on. The defaults are Temporal's (100 activities, 40 workflow tasks at
 * once); a heuristic dream and an evaluation are CPU work on the process's one JavaScript thread, so on a
 * machine of N cores run N workers, and give each a CPU target or fewer activity slots rather than more.
 */
export interface Tuning {
  /** Activities this worker runs at once (dreams, evaluations, snapshots, promotions…). */
  maxActivities?: number;
  /** Workflow tasks this worker runs at once (the cycles' and fleet runs' orchestration: short, cheap). */
  maxWorkflowTasks?: number;
  /** A fraction of the machine's CPU: above it, the worker takes no new activity until the load falls. */
  targetCpu?: number;
}

/**
 * V8's flags for a worker's process: a dream allocates many short-lived objects (parsed trees, lines, facts), and
 * a young generation of 32 MB semi-spaces instead of V8's 16 collects them about half as often (a third less
 * CPU for a 700 KB store's dream). Node takes them only at start: `node <flags> …` or `NODE_OPTIONS`.
 */
export const workerNodeFlags = ['--max-semi-space-size=32'] as const;

/** Whether this process started with the worker's V8 flags (on its command line or in NODE_OPTIONS). */
export function hasWorkerNodeFlags(
  execArgv: readonly string[] = process.execArgv,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  const given = [...execArgv, ...(env.NODE_OPTIONS ?? '').split(/\s+/)];
  return given.some((a) => a.startsWith('--max-semi-space-size'));
}

/** Where each setting comes from: a flag and its variable. */
export const tuningSources = {
  maxActivities: { flag: '--max-activities', env: 'DREAMGATE_MAX_ACTIVITIES' },
  maxWorkflowTasks: { flag: '--max-workflow-tasks', env: 'DREAMGATE_MAX_WORKFLOW_TASKS' },
  targetCpu: { flag: '--target-cpu', env: 'DREAMGATE_TARGET_CPU' },
} as const;

const slots = (name: string, raw: string, max: number): number => {
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n < 1 || n > max)
    throw new InvalidInput(`${name}: expected a whole number from 1 to ${max}, got ${JSON.stringify(raw)}`);
  return n;
};

/**
 * The worker's tuning from flags (as given) over the environment; a value that cannot be used is an
 * `InvalidInput` naming the flag or variable it came from.
 */
export function parseTuning(
  flags: { maxActivities?: string; maxWorkflowTasks?: string; targetCpu?: string },
  env: NodeJS.ProcessEnv = process.env,
): Tuning {
  const pick = (k: keyof typeof tuningSources) => {
    const s = tuningSources[k];
    if (flags[k] !== undefined) return { name: s.flag, raw: flags[k] };
    const v = env[s.env];
    return v !== undefined && v !== '' ? { name: s.env, raw: v } : undefined;
  };
  const out: Tuning = {};
  const a = pick('maxActivities');
  if (a) out.maxActivities = slots(a.name, a.raw, 2_000);
  const w = pick('maxWorkflowTasks');
  // the SDK needs two workflow task slots while it caches workflows
  if (w) out.maxWorkflowTasks = Math.max(2, slots(w.name, w.raw, 1_000));
  const c = pick('targetCpu');
  if (c) {
    const n = Number(c.raw);
    if (c.raw.trim() === '' || !Number.isFinite(n) || n <= 0 || n > 1)
      throw new InvalidInput(
        `${c.name}: expected a fraction of the CPU above 0 and at most 1 (0.8 is 80 %), got ${JSON.stringify(c.raw)}`,
      );
    out.targetCpu = n;
  }
  return out;
}

/** The tuning in words, for the worker's start line (`; activities ≤ 8 at once, new ones under 80 % CPU`). */
export function describeTuning(t: Tuning): string {
  const parts: string[] = [];
  if (t.maxActivities) parts.push(`activities ≤ ${t.maxActivities} at once`);
  if (t.maxWorkflowTasks) parts.push(`workflow tasks ≤ ${t.maxWorkflowTasks} at once`);
  if (t.targetCpu !== undefined) parts.push(`new activities under ${Math.round(t.targetCpu * 100)} % CPU`);
  return parts.length > 0 ? `; ${parts.join(', ')}` : '';
}
