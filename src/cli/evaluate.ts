import { resolve } from 'node:path';
import { LocalDirStore } from '../memory/localDir.js';
import { DeterministicScorer, ExternalScorer, type Evaluation, type Scorer } from '../evaluate/scorer.js';
import { loadSuite } from '../evaluate/suite.js';
import { claudeClient } from '../anthropic/client.js';
import { ClaudeScorer } from '../evaluate/claudeScorer.js';
import { claudeDefaults } from '../dream/claude/dreamer.js';
import { InvalidInput } from '../util/errors.js';
import { colours, printJson } from './output.js';

export interface EvalOptions {
  memory: string;
  suite: string;
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
  const store = await new LocalDirStore(resolve(opts.memory)).read();
  const suite = await loadSuite(resolve(opts.suite));
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
