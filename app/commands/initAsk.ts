import { createInterface } from 'node:readline/promises';
import type { WebhookConfig } from '../../src/notify/webhook.js';
import { webhookUrlProblem } from '../../src/notify/webhook.js';
import { InvalidInput } from '../../src/util/errors.js';

/**
 * What `dreamgate init` asks for beyond what it finds: where reviewers hear that a change set waits (a
 * notification target), and whether Claude Code may ask for a dream when a session ends (a hook, written
 * only with consent). Taken from flags; asked on a terminal only, never in a pipe or with --json.
 */
export interface InitAnswers {
  notify?: WebhookConfig;
  hook: boolean;
}

const formats = ['json', 'slack'] as const;

/** The notification target a flag gives, checked as the fleet loader checks it, naming the flag at fault. */
export function notifyTarget(url: string, format?: string): WebhookConfig {
  const problem = webhookUrlProblem(url);
  if (problem) throw new InvalidInput(`--notify ${url}: ${problem}`);
  if (format !== undefined && !(formats as readonly string[]).includes(format))
    throw new InvalidInput(`--notify-format ${format}: expected json or slack`);
  // a Slack (or Mattermost, or Google Chat) incoming webhook takes a chat message; anything else dreamgate's JSON
  const chat = /(^|\.)(slack\.com|chat\.googleapis\.com)$/.test(new URL(url).hostname) || /\/hooks\//.test(url);
  return { url, format: (format as WebhookConfig['format'] | undefined) ?? (chat ? 'slack' : 'json') };
}

export const interactive = (json?: boolean) => Boolean(process.stdin.isTTY && process.stderr.isTTY && !json);

/** Asks what the flags did not say, on a terminal; answers on stderr so stdout stays what init prints. */
export async function askInit(
  given: { notify?: string; notifyFormat?: string; hook?: boolean; json?: boolean },
  claudeCode: boolean,
): Promise<InitAnswers> {
  const answers: InitAnswers = {
    ...(given.notify ? { notify: notifyTarget(given.notify, given.notifyFormat) } : {}),
    hook: claudeCode && given.hook === true,
  };
  if (!interactive(given.json) || (given.notify !== undefined && (given.hook !== undefined || !claudeCode)))
    return answers;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    if (given.notify === undefined) {
      const url = (
        await rl.question(
          'Where should reviewers hear that a dream waits for review? A webhook URL (Slack incoming webhook, or any URL taking JSON); Enter for none: ',
        )
      ).trim();
      if (url) answers.notify = notifyTarget(url, given.notifyFormat);
    }
    if (claudeCode && given.hook === undefined) {
      const yes = await rl.question(
        "Add a SessionEnd hook to the project's .claude/settings.json, so Claude Code asks for a dream when enough sessions have gathered? [y/N] ",
      );
      answers.hook = /^y(es)?$/i.test(yes.trim());
    }
  } finally {
    rl.close();
  }
  return answers;
}
