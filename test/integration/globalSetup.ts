import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { loadStackConfig } from '../../src/config/stack.js';
import { stackDown, stackUp } from '../../app/stack/servers.js';
import { projectRoot } from '../../src/util/paths.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The workflow code, bundled once for every test worker. */
    workflowBundle: string;
  }
}

/**
 * Brings the real stack up once for all integration tests (or reuses a healthy one) and stops only what it
 * started; bundles the workflows once, so each test's worker starts without webpack.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const cfg = await loadStackConfig();
  const log = (line: string) => process.stderr.write(`[stack] ${line}\n`);
  const [{ started }, { code }] = await Promise.all([
    stackUp(cfg, log),
    bundleWorkflowCode({
      workflowsPath: join(projectRoot, 'workflows', 'index.ts'),
      logger: { log() {}, trace() {}, debug() {}, info() {}, warn: (m) => log(m), error: (m) => log(m) },
    }),
  ]);
  const bundle = join(cfg.stateDir, '..', 'test-workflow-bundle.js');
  await mkdir(join(cfg.stateDir, '..'), { recursive: true });
  await writeFile(bundle, code);
  project.provide('workflowBundle', bundle);
  return async () => {
    if (started.length > 0) await stackDown(cfg, started, log);
  };
}
