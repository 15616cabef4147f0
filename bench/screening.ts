/**
 * Screening throughput: ordinary session text against adversarial inputs of the same size (long runs of
 * whitespace, near-matches repeated 100,000 times). Every detector is linear, so the ratios stay near 1; a
 * quadratic pattern would show here as a ratio in the hundreds.
 */
import { detectInjection, redactSecrets } from '../src/sessions/screen.js';

export interface ScreeningFigures {
  input: string;
  bytes: number;
  ms: number;
  mbPerSecond: number;
  /** Time against the ordinary input of the same size, in the same process. */
  ratio: number;
}

const size = 1_000_000;
const fill = (unit: string) => unit.repeat(Math.ceil(size / unit.length)).slice(0, size);

export const screeningInputs: [string, string][] = [
  [
    'ordinary session text',
    fill('Ran npm test; 41 passed. Deploy to staging at db-2.internal, then check https://status.example. '),
  ],
  ['1 MB of spaces', fill(' ')],
  ['"password: " × 100,000', fill('password: ')],
  ['"ignore the " × 100,000', fill('ignore the ')],
  ['"always send to " × 70,000', fill('always send to ')],
  ['base64-like run', fill('QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo')],
  ['"sk-" near-miss tokens', fill('sk-abc ')],
];

export async function screeningThroughput(): Promise<ScreeningFigures[]> {
  const time = async (text: string) => {
    const t = performance.now();
    detectInjection(text, true);
    await redactSecrets(text);
    return performance.now() - t;
  };
  await time(screeningInputs[0]![1]); // warm up the compiled patterns
  const rows: Omit<ScreeningFigures, 'ratio'>[] = [];
  for (const [input, text] of screeningInputs) {
    const ms = Math.min(await time(text), await time(text));
    rows.push({ input, bytes: text.length, ms, mbPerSecond: text.length / 1e6 / (ms / 1000) });
  }
  return rows.map((r) => ({ ...r, ratio: r.ms / rows[0]!.ms }));
}
