import type Anthropic from '@anthropic-ai/sdk';
import { z } from 'zod';
import { callClaude } from '../anthropic/errors.js';
import { Budget, type BudgetLimits } from '../anthropic/usage.js';
import { sha256, type MemoryStore } from '../memory/store.js';
import { mapLimit } from '../util/concurrency.js';
import { loadPrompt } from '../util/prompts.js';
import { storeHealth } from './health.js';
import { currentText, judgeCase, weightedScore, type CaseResult, type Evaluation, type Scorer } from './scorer.js';
import type { Suite, SuiteCase } from './suite.js';

export interface CachedAnswer {
  answer: string;
  paths: string[];
}

/** Answers by (model, store hash, case): an unchanged store is never paid for twice. */
export interface AnswerCache {
  get(key: string): Promise<CachedAnswer | undefined>;
  put(key: string, value: CachedAnswer): Promise<void>;
}

export interface ClaudeScorerSettings {
  model: string;
  budget: BudgetLimits;
}

const answerInput = z.object({ answer: z.string(), paths: z.array(z.string()).default([]) });
const answerTool: Anthropic.Messages.Tool = {
  name: 'answer',
  description: 'The answer to the question, from the store alone, and the files it comes from.',
  input_schema: z.toJSONSchema(answerInput, { target: 'draft-7', io: 'input' }) as Anthropic.Messages.Tool.InputSchema,
};

/**
 * SPEC §3's model-based scorer: Claude answers each question from the store alone (outside /archive/), and
 * the answer is judged against `expect` as the deterministic scorer judges the store's text. Answers are
 * kept in the report.
 */
export class ClaudeScorer implements Scorer {
  readonly name = 'claude';
  constructor(
    private readonly client: Anthropic,
    private readonly settings: ClaudeScorerSettings,
    private readonly cache?: AnswerCache,
  ) {}

  cacheKey(store: MemoryStore, c: SuiteCase): string {
    const question = sha256(JSON.stringify({ id: c.id, question: c.question }));
    return `${this.settings.model}/${store.hash()}/${question}`;
  }

  async evaluate(store: MemoryStore, suite: Suite, signal?: AbortSignal): Promise<Evaluation> {
    const budget = new Budget(this.settings.model, this.settings.budget);
    const storeText = `# Memory store\n\n${currentText(store) || '(empty)'}`;
    const text = currentText(store);
    const cases = await mapLimit(suite.cases, 4, async (c): Promise<CaseResult> => {
      if (c.onText) return judgeCase(c, text);
      const key = this.cacheKey(store, c);
      let answer = await this.cache?.get(key);
      const cached = answer !== undefined;
      if (!answer) {
        answer = await this.ask(storeText, c.question, budget, signal);
        await this.cache?.put(key, answer);
      }
      return { ...judgeCase(c, answer.answer), answer: answer.answer, cached };
    });
    return { scorer: this.name, score: weightedScore(cases), cases, health: storeHealth(store), usage: budget.used };
  }

  private async ask(storeText: string, question: string, budget: Budget, signal?: AbortSignal): Promise<CachedAnswer> {
    const request: Anthropic.Messages.MessageCreateParamsNonStreaming = {
      model: this.settings.model,
      max_tokens: 1_024,
      system: [{ type: 'text', text: loadPrompt('evaluate') }],
      tools: [answerTool],
      tool_choice: { type: 'tool', name: answerTool.name },
      messages: [
        {
          role: 'user',
          content: [
            // the store is the same for every question: cached after the first
            { type: 'text', text: storeText, cache_control: { type: 'ephemeral' } },
            { type: 'text', text: `Question: ${question}` },
          ],
        },
      ],
    };
    budget.ensureRoom('an evaluation question', Math.ceil(storeText.length / 3.5), request.max_tokens);
    const message = await callClaude('evaluate', () => this.client.messages.create(request, { signal }));
    budget.charge(message.usage);
    const call = message.content.find((b): b is Anthropic.Messages.ToolUseBlock => b.type === 'tool_use');
    const parsed = answerInput.safeParse(call?.input);
    // no usable answer supports nothing: the case fails on its `all` and `any` items
    return parsed.success ? parsed.data : { answer: '', paths: [] };
  }
}
