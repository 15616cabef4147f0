import { BudgetExceeded } from './errors.js';

/** Tokens a dream or an evaluation used, and what they cost. */
export interface Usage {
  requests: number;
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  cost_usd: number;
}

export const noUsage = (): Usage => ({
  requests: 0,
  input_tokens: 0,
  output_tokens: 0,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: 0,
  cost_usd: 0,
});

/** US dollars per million tokens (input, output); cache writes cost 1.25× input, cache reads 0.1×. */
const prices: { match: RegExp; input: number; output: number }[] = [
  { match: /opus-4-1|opus-4-20|opus-3/, input: 15, output: 75 },
  { match: /opus/, input: 5, output: 25 },
  { match: /haiku-3/, input: 0.8, output: 4 },
  { match: /haiku/, input: 1, output: 5 },
  { match: /sonnet/, input: 3, output: 15 },
];
// an unknown model is priced as the most expensive one, so a budget never under-counts
const fallback = { input: 15, output: 75 };

export interface ApiUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
}

/** What one response cost; batch requests are billed at half price. */
export function costOf(model: string, u: ApiUsage, batch = false): number {
  const p = prices.find((x) => x.match.test(model)) ?? fallback;
  const input =
    u.input_tokens * p.input +
    (u.cache_creation_input_tokens ?? 0) * p.input * 1.25 +
    (u.cache_read_input_tokens ?? 0) * p.input * 0.1;
  const usd = (input + u.output_tokens * p.output) / 1e6;
  return batch ? usd / 2 : usd;
}

export function addUsage(into: Usage, model: string, u: ApiUsage, batch = false): void {
  into.requests += 1;
  into.input_tokens += u.input_tokens;
  into.output_tokens += u.output_tokens;
  into.cache_creation_input_tokens += u.cache_creation_input_tokens ?? 0;
  into.cache_read_input_tokens += u.cache_read_input_tokens ?? 0;
  into.cost_usd = Math.round((into.cost_usd + costOf(model, u, batch)) * 1e6) / 1e6;
}

export interface BudgetLimits {
  /** All tokens of a dream (input, cache and output). */
  maxTokens: number;
  maxCostUsd: number;
}

/** A per-dream budget, checked before every request with its counted input and its output cap. */
export class Budget {
  readonly used: Usage = noUsage();
  constructor(
    readonly model: string,
    readonly limits: BudgetLimits,
    private readonly batch = false,
  ) {}

  private tokens(): number {
    const u = this.used;
    return u.input_tokens + u.output_tokens + u.cache_creation_input_tokens + u.cache_read_input_tokens;
  }

  /** Throws BudgetExceeded when a request of this size could take the dream over its limits. */
  ensureRoom(what: string, inputTokens: number, maxOutputTokens: number): void {
    const tokens = this.tokens() + inputTokens + maxOutputTokens;
    const cost =
      this.used.cost_usd +
      costOf(this.model, { input_tokens: inputTokens, output_tokens: maxOutputTokens }, this.batch);
    if (tokens > this.limits.maxTokens)
      throw new BudgetExceeded(
        `${what} would bring the dream to ${tokens} tokens, over its budget of ${this.limits.maxTokens} (used so far: ${this.tokens()})`,
      );
    if (cost > this.limits.maxCostUsd)
      throw new BudgetExceeded(
        `${what} could bring the dream to $${cost.toFixed(4)}, over its budget of $${this.limits.maxCostUsd} (spent so far: $${this.used.cost_usd.toFixed(4)})`,
      );
  }

  charge(u: ApiUsage): void {
    addUsage(this.used, this.model, u, this.batch);
  }
}
