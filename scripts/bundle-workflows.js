// Prebuilds the workflow bundles a production worker loads (no webpack at worker start): one plain, one with
// Temporal's OpenTelemetry workflow interceptors for workers started with tracing on.
'use strict';
const { writeFile } = require('node:fs/promises');
const { join } = require('node:path');
const { bundleWorkflowCode } = require('@temporalio/worker');

const root = join(__dirname, '..');
const logger = { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error };
const otel = require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors');

(async () => {
  for (const [file, workflowInterceptorModules] of [
    ['workflow-bundle.js', []],
    ['workflow-bundle-otel.js', [otel]],
  ]) {
    const { code } = await bundleWorkflowCode({
      workflowsPath: join(root, 'dist', 'workflows', 'index.js'),
      workflowInterceptorModules,
      logger,
    });
    await writeFile(join(root, 'dist', file), code);
  }
})().catch((err) => {
  console.error(`bundling workflows failed: ${err.message}`);
  process.exit(1);
});
