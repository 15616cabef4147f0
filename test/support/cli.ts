import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../../src/util/paths.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The real command line, as a user runs it (the built dist/; `npm test` builds first), without colours.
 * Bounded: a hang ends as a failure, not a stuck test run.
 */
export function runCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 60_000,
  cwd?: string,
): Promise<CliResult> {
  const merged: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...env };
  // a variable given as undefined is one the command must not see
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete merged[k];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(projectRoot, 'bin', 'dreamgate.js'), ...args], {
      env: merged,
      timeout: timeoutMs,
      ...(cwd ? { cwd } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The arguments of `dreamgate dream` (SPEC §5) over a store and a sessions root. */
export function dreamArgs(
  o: { memory: string; sessions: string; agent: string; out: string },
  ...extra: string[]
): string[] {
  return ['dream', '--memory', o.memory, '--sessions', o.sessions, '--agent', o.agent, '--out', o.out, ...extra];
}
