import { resolve } from 'node:path';
import { deriveCases, withDerived } from '../../src/evaluate/derive.js';
import { DeterministicScorer, ExternalScorer, type Evaluation, type Scorer } from '../../src/evaluate/scorer.js';
import { loadSuite } from '../../src/evaluate/suite.js';
import { claudeClient } from '../../src/anthropic/client.js';
import { ClaudeScorer } from '../../src/evaluate/claudeScorer.js';
import { claudeDefaults } from '../../src/dream/claude/dreamer.js';
import { InvalidInput } from '../../src/util/errors.js';
import { localStore } from './dream.js';
import { colours, printJson, progress } from '../output.js';
import { derivationInput, describeCases } from './suite.js';
import type { Command } from 'commander';

export interface EvalOptions {
  memory: string;
  suite?: string;
  /** The store before the dream: the derived suite is made from it (and --sessions) and scored on --memory. */
  baseline?: string;
  sessions?: string;
  agent?: string;
  evaluator?: string;
  scorer?: string;
  model?: string;
  json?: boolean;
}

export function renderEvaluation(e: Evaluation): string {
  const c = colours();
  const lines = e.cases.map(
    (r) =>
      `${r.passed ? c.green('pass') : c.red('FAIL')} ${r.id}${r.reasons.length ? c.dim(`  ${r.reasons.join('; ')}`) : ''}${r.answer !== undefined ? c.dim(`\n     answer: ${r.answer.split('\n')[0]}`) : ''}`,
  );
  const h = e.health;
  lines.push(
    `${c.bold('score')} ${e.score.toFixed(3)} (${e.scorer})${e.usage ? c.dim(` — ${e.usage.requests} request(s), $${e.usage.cost_usd.toFixed(4)}`) : ''}`,
    c.dim(
      `health: ${h.files} files, ${h.bytes} bytes (~${h.estimatedTokens} tokens), ${h.factLines} fact lines, duplicate ratio ${h.duplicateRatio.toFixed(3)}, ${h.contradictions} contradiction(s)`,
    ),
  );
  return `${lines.join('\n')}\n`;
}

export async function evalCommand(opts: EvalOptions): Promise<void> {
  if (!opts.suite && !opts.baseline)
    throw new InvalidInput('give --suite <file>, --baseline <store> (a suite derived from it), or both');
  if (opts.sessions && !opts.baseline)
    throw new InvalidInput('--sessions derives a suite: it needs --baseline <store>');
  const store = await (await localStore(opts.memory)).adapter.read();
  const written = opts.suite ? await loadSuite(resolve(opts.suite)) : undefined;
  let suite = written ?? { file: '(no suite)', cases: [] };
  if (opts.baseline) {
    const input = await derivationInput({ memory: opts.baseline, sessions: opts.sessions, agent: opts.agent });
    const derived = await deriveCases(input.store, input.sessions.sessions);
    progress(`derived from ${opts.baseline}: ${describeCases(derived)}`);
    suite = withDerived(written, derived);
  }
  let scorer: Scorer = new DeterministicScorer();
  if (opts.scorer !== undefined && opts.scorer !== 'deterministic' && opts.scorer !== 'claude')
    throw new InvalidInput(`--scorer ${opts.scorer}: unknown scorer (available: deterministic, claude)`);
  if (opts.scorer === 'claude')
    scorer = new ClaudeScorer(claudeClient({ maxRetries: 2 }), {
      model: opts.model ?? process.env.DREAMGATE_CLAUDE_MODEL ?? claudeDefaults.model,
      budget: claudeDefaults.budget,
    });
  if (opts.evaluator !== undefined) {
    const argv = opts.evaluator.trim().split(/\s+/).filter(Boolean);
    if (argv.length === 0) throw new InvalidInput('--evaluator: empty command');
    scorer = new ExternalScorer(argv);
  }
  const result = await scorer.evaluate(store, suite);
  if (opts.json) printJson(result);
  else process.stdout.write(renderEvaluation(result));
}

/** `dreamgate eval`: a store scored against a suite, written or derived. */
export function registerEvaluate(program: Command): void {
  program
    .command('eval')
    .description('score a memory store against an eval suite (SPEC §3), with store-health figures')
    .requiredOption('--memory <store>', 'the memory store to score: a directory or claude-code:<project dir>')
    .option('--suite <file>', 'the eval suite (YAML)')
    .option('--baseline <store>', 'the store before the dream: derive a suite from it and score --memory with it')
    .option('--sessions <sessions>', 'with --baseline: the sessions the derived suite also learns from')
    .option('--agent <agent_id>', 'with --sessions in SPEC form: whose sessions')
    .option('--evaluator <command>', 'an external evaluator: given the store directory, prints {"score": 0.93}')
    .option('--scorer <name>', 'deterministic (default) or claude: Claude answers each question from the store')
    .option('--model <id>', 'claude: the model (default $DREAMGATE_CLAUDE_MODEL or claude-sonnet-5-5)')
    .option('--json', 'print the evaluation as JSON')
    .action(evalCommand);
}
