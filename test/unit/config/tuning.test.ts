import { describe, expect, it } from 'vitest';
import { tuningOptions } from '../../../app/worker.js';
import { describeTuning, hasWorkerNodeFlags, parseTuning, workerNodeFlags } from '../../../src/config/tuning.js';
import { runCli } from '../../support/cli.js';

describe('a worker’s tuning', () => {
  it('takes flags over variables, and leaves Temporal’s defaults alone without either', () => {
    expect(parseTuning({})).toEqual({});
    const env = { DREAMGATE_MAX_ACTIVITIES: '8', DREAMGATE_TARGET_CPU: '0.7' };
    expect(parseTuning({}, env)).toEqual({ maxActivities: 8, targetCpu: 0.7 });
    expect(parseTuning({ maxActivities: '4', maxWorkflowTasks: '20' }, env)).toEqual({
      maxActivities: 4,
      maxWorkflowTasks: 20,
      targetCpu: 0.7,
    });
    expect(parseTuning({ maxWorkflowTasks: '1' })).toEqual({ maxWorkflowTasks: 2 }); // the SDK's least with a cache
  });

  it.each([
    [{ maxActivities: '0' }, {}, '--max-activities: expected a whole number from 1 to 2000, got "0"'],
    [{ maxActivities: '2.5' }, {}, '--max-activities: expected a whole number from 1 to 2000, got "2.5"'],
    [
      {},
      { DREAMGATE_MAX_WORKFLOW_TASKS: 'many' },
      'DREAMGATE_MAX_WORKFLOW_TASKS: expected a whole number from 1 to 1000, got "many"',
    ],
    [
      { targetCpu: '80' },
      {},
      '--target-cpu: expected a fraction of the CPU above 0 and at most 1 (0.8 is 80 %), got "80"',
    ],
    [
      {},
      { DREAMGATE_TARGET_CPU: '0' },
      'DREAMGATE_TARGET_CPU: expected a fraction of the CPU above 0 and at most 1 (0.8 is 80 %), got "0"',
    ],
  ])('refuses %j %j: %s', (flags, env, message) => {
    expect(() => parseTuning(flags, env)).toThrow(message);
  });

  it('becomes fixed slots, or resource-based activity slots under a CPU target', () => {
    expect(tuningOptions({})).toEqual({});
    expect(tuningOptions({ maxActivities: 8, maxWorkflowTasks: 20 })).toEqual({
      maxConcurrentActivityTaskExecutions: 8,
      maxConcurrentWorkflowTaskExecutions: 20,
    });
    const { tuner } = tuningOptions({ maxActivities: 8, targetCpu: 0.8 }) as unknown as {
      tuner: Record<string, unknown>;
    };
    expect(tuner.activityTaskSlotSupplier).toMatchObject({
      type: 'resource-based',
      tunerOptions: { targetCpuUsage: 0.8 },
      maximumSlots: 8,
    });
    expect(tuner.workflowTaskSlotSupplier).toEqual({ type: 'fixed-size', numSlots: 40 });
  });

  it('is said in words when the worker starts', () => {
    expect(describeTuning({})).toBe('');
    expect(describeTuning({ maxActivities: 4, targetCpu: 0.8 })).toBe(
      '; activities ≤ 4 at once, new activities under 80 % CPU',
    );
  });

  it('on the command line: a value it cannot use is exit 2, naming the flag, before anything connects', async () => {
    const r = await runCli(['worker', '--max-activities', 'lots'], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--max-activities: expected a whole number from 1 to 2000, got "lots"');
  });
});

describe('a worker’s V8 flags', () => {
  it('are found on the command line or in NODE_OPTIONS, and missed otherwise', () => {
    expect(hasWorkerNodeFlags([...workerNodeFlags], {})).toBe(true);
    expect(hasWorkerNodeFlags([], { NODE_OPTIONS: `--enable-source-maps ${workerNodeFlags.join(' ')}` })).toBe(true);
    expect(hasWorkerNodeFlags(['--max-semi-space-size', '64'], {})).toBe(true); // the operator's own size
    expect(hasWorkerNodeFlags(['--enable-source-maps'], { NODE_OPTIONS: '--max-old-space-size=4096' })).toBe(false);
  });

  it('are ones this Node takes', () => {
    // a flag Node does not know would stop every worker launched with it
    for (const f of workerNodeFlags) expect(process.allowedNodeEnvironmentFlags.has(f.split('=')[0]!)).toBe(true);
  });
});
