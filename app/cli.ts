import type { Command } from 'commander';
import { registerAudit } from './commands/audit.js';
import { registerDream } from './commands/dream.js';
import { registerEvaluate } from './commands/evaluate.js';
import { registerFleet } from './commands/fleet.js';
import { registerHook } from './commands/hook.js';
import { registerInit } from './commands/init.js';
import { registerResume } from './commands/resume.js';
import { registerReview } from './commands/review.js';
import { registerRollback } from './commands/rollback.js';
import { registerRun } from './commands/run.js';
import { registerSchedule } from './commands/schedule.js';
import { registerStack } from './commands/stack.js';
import { registerSuite } from './commands/suite.js';
import { registerWorker } from './commands/worker.js';
import { registerDemo } from './demo.js';
import { newProgram, runProgram } from './output.js';

/**
 * The program: each family of commands registers itself (app/commands/<family>.ts), in the order
 * `dreamgate --help` lists them.
 */
export function buildProgram(): Command {
  const program = newProgram(
    'dreamgate',
    'Durable, gated memory consolidation ("dreaming") for AI agents, on Temporal and S3.',
  );
  // the servers and the workers
  registerStack(program);
  registerWorker(program);
  // local work, without Temporal or S3
  registerDream(program);
  registerEvaluate(program);
  registerInit(program);
  registerHook(program);
  registerSuite(program);
  // an agent's cycles: run and follow, review, restore, audit
  registerRun(program);
  registerReview(program);
  registerRollback(program);
  registerAudit(program);
  registerResume(program);
  // the fleet
  registerSchedule(program);
  registerFleet(program);
  registerDemo(program);
  return program;
}

export async function main(argv = process.argv): Promise<void> {
  const code = await runProgram(buildProgram(), argv);
  process.exitCode = code === 0 ? ((process.exitCode as number | undefined) ?? 0) : code;
  // a failed connection attempt may leave a native handle behind: a failed command ends now, never hangs
  if (code !== 0) process.exit(code);
}
