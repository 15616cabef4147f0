import { resolve } from 'node:path';
import { LocalDirStore } from '../memory/localDir.js';
import { DeterministicScorer, ExternalScorer, type Evaluation, type Scorer } from '../evaluate/scorer.js';
import { loadSuite } from '../evaluate/suite.js';
import { InvalidInput } from '../util/errors.js';
import { colours, printJson } from './output.js';

export interface EvalOptions {
  memory: string;
  suite: string;
  evaluator?: string;
  json?: boolean;
}

export function renderEvaluation(e: Evaluation): string {
  const c = colours();
  const lines = e.cases.map(
    (r) =>
      `${r.passed ? c.green('pass') : c.red('FAIL')} ${r.id}${r.reasons.length ? c.dim(`  ${r.reasons.join('; ')}`) : ''}`,
  );
  const h = e.health;
  lines.push(
    `${c.bold('score')} ${e.score.toFixed(3)} (${e.scorer})`,
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
  if (opts.evaluator !== undefined) {
    const argv = opts.evaluator.trim().split(/\s+/).filter(Boolean);
    if (argv.length === 0) throw new InvalidInput('--evaluator: empty command');
    scorer = new ExternalScorer(argv);
  }
  const result = await scorer.evaluate(store, suite);
  if (opts.json) printJson(result);
  else process.stdout.write(renderEvaluation(result));
}
