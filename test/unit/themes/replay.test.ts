import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../../src/util/paths.js';

/**
 * Recorded histories of every outcome, replayed against the current workflow code: a change that would
 * break a cycle already in flight fails here, not in production. `v2` holds the second version's cycle
 * histories (before the fleet-scale patch: every step a remote activity), which must keep replaying through
 * its patch; `v3` those before the fewer-events patch (sessions counted remotely, verify as two activities),
 * with a run of `dreamFleet` (the fleet run's type since it replaced `fleetRun`, whose runs are not
 * replayed: they are finished or ended before an upgrade); `v4` the current one's. The first version, v1, is
 * retired (see the README's upgrade section). Record the current version with `DREAMGATE_RECORD_HISTORIES=1
 * npx vitest run test/integration/dreamCycle.test.ts test/integration/fleet.test.ts` (into the version
 * `keepHistory` names) after an intended change, and keep the old ones as the previous version.
 */
const versions = {
  v2: ['approved', 'conflict', 'gate_discarded', 'kept', 'rejected', 'timed_out', 'verify_rolled_back'],
  v3: ['approved', 'conflict', 'fleet', 'gate_discarded', 'kept', 'rejected', 'timed_out', 'verify_rolled_back'],
  v4: ['approved', 'fleet', 'gate_discarded', 'kept', 'rejected', 'timed_out', 'verify_rolled_back'],
};

describe('replay of recorded dream cycles and fleet runs', async () => {
  const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: console.error };
  const bundle = await bundleWorkflowCode({ workflowsPath: join(projectRoot, 'workflows', 'index.ts'), logger: quiet });
  for (const [version, expected] of Object.entries(versions)) {
    const dir = join(projectRoot, 'test', 'histories', version);
    const files = (await readdir(dir)).filter((f) => f.endsWith('.json') && f !== 'workflow-ids.json').sort();
    // a fleet run's child ids derive from its own id, so its replay needs the id it ran under
    const ids = JSON.parse(await readFile(join(dir, 'workflow-ids.json'), 'utf8')) as Record<string, string>;
    it(`${version}: has a history for each outcome`, () => {
      expect(files.map((f) => f.replace('.json', ''))).toEqual(expected);
    });
    it.each(files)(
      `${version}: %s replays without nondeterminism`,
      async (file) => {
        const history = JSON.parse(await readFile(join(dir, file), 'utf8'));
        const name = file.replace('.json', '');
        await Worker.runReplayHistory({ workflowBundle: bundle, replayName: `${version}/${file}` }, history, ids[name]);
      },
      60_000,
    );
  }
});
