import { resolve } from 'node:path';
import { deriveCases, withDerived } from '../evaluate/derive.js';
import { DeterministicScorer, ExternalScorer, type Evaluation, type Scorer } from '../evaluate/scorer.js';
import { loadSuite } from '../evaluate/suite.js';
import { claudeClient } from '../anthropic/client.js';
import { ClaudeScorer } from '../evaluate/claudeScorer.js';
import { claudeDefaults } from '../dream/claude/dreamer.js';
import { InvalidInput } from '../util/errors.js';
import { localStore } from './dream.js';
import { colours, printJson, progress } from './output.js';
import { derivationInput, describeCases } from './suite.js';

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
