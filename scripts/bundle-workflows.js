// Prebuilds the workflow bundle a production worker loads (no webpack at worker start).
'use strict';
const { writeFile } = require('node:fs/promises');
const { join } = require('node:path');
const { bundleWorkflowCode } = require('@temporalio/worker');

(async () => {
  const root = join(__dirname, '..');
  const { code } = await bundleWorkflowCode({
    workflowsPath: join(root, 'dist', 'workflows', 'index.js'),
    logger: { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error },
  });
  await writeFile(join(root, 'dist', 'workflow-bundle.js'), code);
})().catch((err) => {
  console.error(`bundling workflows failed: ${err.message}`);
  process.exit(1);
});
