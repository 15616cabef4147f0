import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { loadStackConfig, type StackConfig } from '../../src/config/stack.js';
import { servers, stackDown, stackUp } from '../../app/stack/servers.js';
import { projectRoot } from '../../src/util/paths.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The workflow code, bundled once for every test worker. */
    workflowBundle: string;
    /** The stack file the tests use, when it is not the default temporal-dev.yml (test/integration/setup.ts). */
    stackConfigFile: string;
  }
}

const log = (line: string) => process.stderr.write(`[stack] ${line}\n`);

/**
 * Brings a stack up for the tests and bundles the workflows once, so each test's worker starts without
 * webpack. `own`: the stack is the run's alone (the fault tests stop and restart its servers), so all of it
 * is stopped at the end; otherwise a healthy stack is reused and only what this run started is stopped.
 */
export async function setupStack(project: TestProject, cfg: StackConfig, own: boolean): Promise<() => Promise<void>> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const [{ started }, { code }] = await Promise.all([
    stackUp(cfg, log),
    bundleWorkflowCode({
      workflowsPath: join(projectRoot, 'workflows', 'index.ts'),
      logger: { log() {}, trace() {}, debug() {}, info() {}, warn: (m) => log(m), error: (m) => log(m) },
    }),
  ]);
  const bundle = join(cfg.stateDir, 'test-workflow-bundle.js');
  await mkdir(cfg.stateDir, { recursive: true });
  await writeFile(bundle, code);
  project.provide('workflowBundle', bundle);
  project.provide('stackConfigFile', cfg.file);
  return async () => {
    const mine = own ? servers : started;
    if (mine.length > 0) await stackDown(cfg, mine, log);
  };
}

/** The integration tests: the shared local stack (reused when healthy, else started and stopped again). */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  return setupStack(project, await loadStackConfig(), false);
}
