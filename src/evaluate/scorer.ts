import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Usage } from '../anthropic/usage.js';
import { LocalDirStore } from '../memory/localDir.js';
import { isArchivePath } from '../memory/paths.js';
import type { MemoryStore } from '../memory/store.js';
import { storeHealth, type StoreHealth } from './health.js';
import type { Suite, SuiteCase } from './suite.js';

export interface CaseResult {
  id: string;
  passed: boolean;
  weight: number;
  /** A required case: failing it makes the score 0. */
  required?: boolean;
  /** Why it failed: the items missing or wrongly present. */
  reasons: string[];
  /** A model scorer's answer, judged instead of the store's text. */
  answer?: string;
  /** The answer came from the cache (same store, same question). */
  cached?: boolean;
}

export interface Evaluation {
  scorer: string;
  score: number;
  cases: CaseResult[];
  health: StoreHealth;
  /** What a model scorer spent. */
  usage?: Usage;
}

/** Scores a store against a suite. The deterministic scorer is one; the Claude scorer is another. */
export interface Scorer {
  readonly name: string;
  evaluate(store: MemoryStore, suite: Suite, signal?: AbortSignal): Promise<Evaluation>;
}

/** Current knowledge: every file outside /archive/, each introduced by its path. */
export function currentText(store: MemoryStore): string {
  return [...store.files]
    .filter(([p]) => !isArchivePath(p))
    .map(([p, c]) => `## ${p}\n${c}`)
    .join('\n');
}

export function judgeCase(c: SuiteCase, text: string): CaseResult {
  const reasons: string[] = [];
  for (const m of c.expect.all) if (!m.test(text)) reasons.push(`missing ${m.source}`);
  if (c.expect.any.length > 0 && !c.expect.any.some((m) => m.test(text)))
    reasons.push(`none of ${c.expect.any.map((m) => m.source).join(', ')}`);
  for (const m of c.expect.none) if (m.test(text)) reasons.push(`still asserts ${m.source}`);
  return {
    id: c.id,
    passed: reasons.length === 0,
    weight: c.weight,
    ...(c.required ? { required: true } : {}),
    reasons,
  };
}

export function weightedScore(results: readonly CaseResult[]): number {
  if (results.some((r) => r.required && !r.passed)) return 0;
  const total = results.reduce((s, r) => s + r.weight, 0);
  // a suite with no cases asks nothing, so nothing fails
  return total === 0 ? 1 : results.filter((r) => r.passed).reduce((s, r) => s + r.weight, 0) / total;
}

/** SPEC §3's deterministic scorer: decides each case from the store's text outside /archive/. */
export class DeterministicScorer implements Scorer {
  readonly name = 'deterministic';
  async evaluate(store: MemoryStore, suite: Suite): Promise<Evaluation> {
    const text = currentText(store);
    const cases = suite.cases.map((c) => judgeCase(c, text));
    return { scorer: this.name, score: weightedScore(cases), cases, health: storeHealth(store) };
  }
}

/** An external evaluator failed: never read as a zero score. */
export class EvaluationFailed extends Error {
  override readonly name = 'EvaluationFailed';
}

/**
 * A command the user configures, run with the store written to a temporary directory (its path is the
 * last argument and $DREAMGATE_STORE_DIR); it prints `{"score": 0.93}`.
 */
export class ExternalScorer implements Scorer {
  readonly name: string;
  constructor(
    private readonly command: string[],
    private readonly timeoutMs = 300_000,
  ) {
    this.name = `external:${command[0]}`;
  }

  async evaluate(store: MemoryStore, _suite: Suite, signal?: AbortSignal): Promise<Evaluation> {
    const dir = await mkdtemp(join(tmpdir(), 'dreamgate-eval-'));
    try {
      await new LocalDirStore(join(dir, 'store')).replaceAll(store);
      const storeDir = join(dir, 'store');
      const [cmd, ...args] = this.command;
      const stdout = await new Promise<string>((resolve, reject) => {
        execFile(
          cmd!,
          [...args, storeDir],
          {
            env: { ...process.env, DREAMGATE_STORE_DIR: storeDir },
            timeout: this.timeoutMs,
            signal,
            maxBuffer: 1 << 20,
          },
          (err, out, errOut) => {
            if (err)
              reject(
                new EvaluationFailed(
                  `evaluator ${this.command.join(' ')} failed (${(err as NodeJS.ErrnoException).code ?? err.message}): ${String(errOut).trim().slice(-300)}`,
                ),
              );
            else resolve(out);
          },
        );
      });
      let parsed: unknown;
      try {
        parsed = JSON.parse(stdout.trim().split('\n').at(-1) ?? '');
      } catch {
        throw new EvaluationFailed(
          `evaluator ${this.command.join(' ')} printed no JSON (expected {"score": 0.93}): ${stdout.trim().slice(0, 200)}`,
        );
      }
      const score = (parsed as { score?: unknown }).score;
      if (typeof score !== 'number' || !Number.isFinite(score) || score < 0 || score > 1) {
        throw new EvaluationFailed(
          `evaluator ${this.command.join(' ')} printed ${JSON.stringify(parsed).slice(0, 200)}: expected {"score": <number from 0 to 1>}`,
        );
      }
      return { scorer: this.name, score, cases: [], health: storeHealth(store) };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}
