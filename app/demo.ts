import { loadStackConfig } from '../src/config/stack.js';
import { colours, progress } from '../src/cli/output.js';
import { stackUp } from '../src/stack/servers.js';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { connectClient, runProof } from './client.js';
import { createWorker } from './worker.js';

/** The main job of `npm start`: stack up, a worker, the proof workflow, and where to look at it. */
export async function runDemo(opts: { stack?: string }): Promise<void> {
  const cfg = await loadStackConfig(opts.stack);
  Runtime.install({ logger: new DefaultLogger('WARN') });
  progress('bringing the local stack up…');
  await stackUp(cfg, progress);
  const w = await createWorker(cfg);
  const client = await connectClient(cfg);
  try {
    progress('running the proof workflow…');
    const run = await w.worker.runUntil(runProof(client, `dreamgate proof at ${new Date().toISOString()}`));
    const c = colours();
    process.stdout.write(
      [
        `${c.green('✓')} proof workflow ${c.bold(run.workflowId)} completed`,
        `  wrote s3://${run.object.bucket}/${run.object.key}`,
        `  version ${run.object.versionId} (sha256 ${run.object.sha256.slice(0, 12)}…)`,
        '',
        `Open it in the Temporal UI: ${c.cyan(run.url)}`,
        '',
        'Look further:',
        '  npx --no-install dreamgate stack status',
        '  npx --no-install dreamgate worker          # in another terminal, then:',
        '  npx --no-install dreamgate proof --json',
        '  npx --no-install dreamgate stack down',
        '',
      ].join('\n'),
    );
  } finally {
    await client.close();
    await w.close();
  }
}
