import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/util/paths.js';

const dir = join(projectRoot, 'test', 'histories', 'v1');

/**
 * Recorded histories of every outcome, replayed against the current workflow code: a change that would
 * break a cycle already in flight fails here, not in production. Re-record with
 * `DREAMGATE_RECORD_HISTORIES=1 npm test -- test/integration/dreamCycle.test.ts` after an intended change.
 */
describe('replay of recorded dream cycles', async () => {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.json') && f !== 'workflow-ids.json').sort();
  // a fleet run's child ids derive from its own id, so its replay needs the id it ran under
  const ids = JSON.parse(await readFile(join(dir, 'workflow-ids.json'), 'utf8')) as Record<string, string>;
  const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: console.error };
  const bundle = await bundleWorkflowCode({ workflowsPath: join(projectRoot, 'workflows', 'index.ts'), logger: quiet });
  it('has a history for each outcome', () => {
    expect(files.map((f) => f.replace('.json', ''))).toEqual([
      'approved',
      'cancelled',
      'conflict',
      'fleet',
      'gate_rolled_back',
      'kept',
      'redream',
      'rejected',
      'review_pending',
      'timed_out',
      'verify_rolled_back',
    ]);
  });
  it.each(files)(
    '%s replays without nondeterminism',
    async (file) => {
      const history = JSON.parse(await readFile(join(dir, file), 'utf8'));
      const name = file.replace('.json', '');
      await Worker.runReplayHistory({ workflowBundle: bundle, replayName: file }, history, ids[name]);
    },
    60_000,
  );
});
