import type Anthropic from '@anthropic-ai/sdk';
import { z } from 'zod';
import { callClaude } from '../../anthropic/errors.js';
import { directSender, type MessageSender } from '../../anthropic/sender.js';
import { Budget, type BudgetLimits } from '../../anthropic/usage.js';
import type { SessionDigest } from '../../sessions/digest.js';
import { mapLimit } from '../../util/concurrency.js';
import { loadPrompt } from '../../util/prompts.js';
import type { Consolidation, Dreamer, PreparedInput } from '../dreamer.js';
import { orderedPaths, renderFile, renderSession, renderStore, roughTokens } from './render.js';
import { proposeChangesInput, proposeChangesSchema, validateChanges, validateFindings } from './validate.js';

export interface ClaudeSettings {
  model: string;
  /** Output cap of each request. */
  maxOutputTokens: number;
  /** Input tokens one request may carry; above it, sessions are summarized first and large stores trimmed. */
  contextTokens: number;
  budget: BudgetLimits;
}

export const claudeDefaults: ClaudeSettings = {
  model: 'claude-sonnet-5-5',
  maxOutputTokens: 16_000,
  contextTokens: 150_000,
  budget: { maxTokens: 2_000_000, maxCostUsd: 5 },
};

/** Failing eval cases of a rejected candidate, fed to the next attempt. */
export interface DreamFeedback {
  attempt: number;
  score: number;
  baseline: number;
  failing: { id: string; question?: string; reasons: string[] }[];
}

type Block = Anthropic.Messages.TextBlockParam;
type Request = Anthropic.Messages.MessageCreateParamsNonStreaming;

const proposeTool: Anthropic.Messages.Tool = {
  name: 'propose_changes',
  description: 'Propose every edit to the memory store, at once. An empty list proposes nothing.',
  input_schema: proposeChangesSchema as Anthropic.Messages.Tool.InputSchema,
};

const summarySchema = z.object({
  summaries: z.array(
    z.object({
      session_id: z.string(),
      items: z.array(z.object({ event_id: z.string(), kind: z.string(), text: z.string() })),
    }),
  ),
});
const summarizeTool: Anthropic.Messages.Tool = {
  name: 'summarize_sessions',
  description: 'One summary per session: the items dreaming needs, each with the event id it rests on.',
  input_schema: z.toJSONSchema(summarySchema, { target: 'draft-7' }) as Anthropic.Messages.Tool.InputSchema,
};

/**
 * The `claude` dreamer: the store and the screened sessions go to Claude through the Messages API, and
 * its edits come back by tool use in the change-set shape. Requests are packed to a token budget counted by
 * the API; the stable prefix (instructions and store) is cached, so a second attempt reads it from cache.
 */
export class ClaudeDreamer implements Dreamer {
  readonly name = 'claude';
  constructor(
    private readonly client: Anthropic,
    private readonly settings: ClaudeSettings,
    private readonly feedback?: DreamFeedback,
    /** Called as each request finishes, so an activity can heartbeat. */
    private readonly onProgress: (what: string) => void = () => {},
    /** Direct by default; the Message Batches API for a fleet run with `batch: true`. */
    private readonly sender: MessageSender = directSender(client),
  ) {}

  async consolidate(input: PreparedInput, signal?: AbortSignal): Promise<Consolidation> {
    const budget = new Budget(this.settings.model, this.settings.budget, this.sender.batch);
    const store = input.store;
    let shown = new Set(store.paths());
    let sessionsText = input.sessions.map(renderSession);

    let request = this.dreamRequest(renderStore(store, shown), sessionsText);
    let tokens = await this.count(request, signal);
    if (tokens > this.settings.contextTokens && input.sessions.length > 0) {
      sessionsText = await this.summarize(input.sessions, budget, signal);
      request = this.dreamRequest(renderStore(store, shown), sessionsText);
      tokens = await this.count(request, signal);
    }
    if (tokens > this.settings.contextTokens) {
      // the store alone is too large: show the files that fit (index first), list the rest by path
      shown = fitFiles(store, this.settings.contextTokens - (tokens - roughTokens(renderStore(store, shown))));
      request = this.dreamRequest(renderStore(store, shown), sessionsText);
      tokens = await this.count(request, signal);
    }

    budget.ensureRoom('the dream request', tokens, this.settings.maxOutputTokens);
    const message = await this.sender.send('dream', request, signal);
    budget.charge(message.usage);
    this.onProgress(`dream answered (${message.usage.output_tokens} output tokens)`);

    const call = message.content.find(
      (b): b is Anthropic.Messages.ToolUseBlock => b.type === 'tool_use' && b.name === proposeTool.name,
    );
    const parsed = proposeChangesInput.safeParse(call?.input);
    if (!parsed.success)
      return {
        store,
        dropped: [
          { why: `the model did not call ${proposeTool.name} with a list of changes (stop: ${message.stop_reason})` },
        ],
        usage: budget.used,
      };
    const { changes, dropped, candidate } = validateChanges(parsed.data.changes, {
      store,
      shown,
      sessions: input.sessions,
    });
    for (const c of changes) {
      input.ledger.note(c.path, c.reason, c.detail, c.evidence);
      if (c.new_path) input.ledger.note(c.new_path, c.reason, c.detail, c.evidence);
    }
    for (const f of validateFindings(parsed.data.findings ?? [], store)) input.ledger.find(f);
    return { store: candidate, dropped, usage: budget.used };
  }

  /** The request: cached instructions and store first, then the sessions and any gate feedback. */
  private dreamRequest(storeText: string, sessions: string[]): Request {
    const blocks: Block[] = [
      { type: 'text', text: storeText, cache_control: { type: 'ephemeral' } },
      { type: 'text', text: `# Sessions, newest first (${sessions.length})\n\n${sessions.join('\n\n') || '(none)'}` },
    ];
    if (this.feedback) blocks.push({ type: 'text', text: renderFeedback(this.feedback) });
    return {
      model: this.settings.model,
      max_tokens: this.settings.maxOutputTokens,
      system: [{ type: 'text', text: loadPrompt('dream'), cache_control: { type: 'ephemeral' } }],
      tools: [proposeTool],
      tool_choice: { type: 'tool', name: proposeTool.name },
      messages: [{ role: 'user', content: blocks }],
    };
  }

  private async count(request: Request, signal?: AbortSignal): Promise<number> {
    const { model, system, tools, messages } = request;
    const r = await callClaude('count tokens', () =>
      this.client.messages.countTokens({ model, system: system!, tools: tools!, messages }, { signal }),
    );
    return r.input_tokens;
  }

  /** Sessions in groups that fit a request, summarized in parallel; each summary keeps its event ids. */
  private async summarize(sessions: readonly SessionDigest[], budget: Budget, signal?: AbortSignal): Promise<string[]> {
    const groupTokens = Math.floor(this.settings.contextTokens / 2);
    const groups: SessionDigest[][] = [];
    let size = 0;
    for (const s of sessions) {
      const t = roughTokens(renderSession(s));
      if (groups.length === 0 || size + t > groupTokens) {
        groups.push([]);
        size = 0;
      }
      groups.at(-1)!.push(s);
      size += t;
    }
    const out = await mapLimit(groups, 4, async (group, i) => {
      const text = group.map((s) => clipTokens(renderSession(s), groupTokens)).join('\n\n');
      const request: Request = {
        model: this.settings.model,
        max_tokens: Math.min(this.settings.maxOutputTokens, 8_000),
        system: [{ type: 'text', text: loadPrompt('summarize') }],
        tools: [summarizeTool],
        tool_choice: { type: 'tool', name: summarizeTool.name },
        messages: [{ role: 'user', content: text }],
      };
      const tokens = await this.count(request, signal);
      budget.ensureRoom(`summarizing session group ${i + 1} of ${groups.length}`, tokens, request.max_tokens);
      const message = await this.sender.send('summarize sessions', request, signal);
      budget.charge(message.usage);
      this.onProgress(`summarized session group ${i + 1} of ${groups.length}`);
      const call = message.content.find((b): b is Anthropic.Messages.ToolUseBlock => b.type === 'tool_use');
      const parsed = summarySchema.safeParse(call?.input);
      // a group the model did not summarize goes in as it was, clipped: nothing is silently left out
      if (!parsed.success) return group.map((s) => clipTokens(renderSession(s), groupTokens / group.length));
      const ids = new Set(group.map((s) => s.sessionId));
      return parsed.data.summaries
        .filter((s) => ids.has(s.session_id))
        .map((s) =>
          [
            `## session ${s.session_id} (summary)`,
            ...s.items.map((it) => `- [${it.event_id}] ${it.kind}: ${it.text}`),
          ].join('\n'),
        );
    });
    return out.flat();
  }
}

function renderFeedback(f: DreamFeedback): string {
  return [
    `# Evaluation feedback (attempt ${f.attempt} was rejected)`,
    `Your previous candidate scored ${f.score.toFixed(3)} against a baseline of ${f.baseline.toFixed(3)}. Failing cases:`,
    ...f.failing.map((c) => `- ${c.id}${c.question ? ` (${c.question})` : ''}: ${c.reasons.join('; ') || 'failed'}`),
  ].join('\n');
}

/** The files whose contents fit in `tokens`, `_index.md` first, then smallest first. */
function fitFiles(store: PreparedInput['store'], tokens: number): Set<string> {
  const [index, ...rest] = orderedPaths(store);
  const order = [
    ...(index && index.endsWith('_index.md') ? [index] : []),
    ...[...(index && !index.endsWith('_index.md') ? [index] : []), ...rest].sort(
      (a, b) => store.get(a)!.length - store.get(b)!.length,
    ),
  ];
  const shown = new Set<string>();
  let used = 0;
  for (const p of order) {
    const t = roughTokens(renderFile(store, p));
    if (used + t > tokens) break;
    shown.add(p);
    used += t;
  }
  return shown;
}

function clipTokens(text: string, tokens: number): string {
  const max = Math.floor(tokens * 3.5);
  return text.length > max ? `${text.slice(0, max)}\n… (clipped)` : text;
}
