/** Where alerts go, as the fleet file names it. */
export interface WebhookConfig {
  url: string;
  /** dreamgate's JSON, a PagerDuty Events v2 trigger, or a chat message (`{ text }`: Slack, Mattermost, Google Chat). */
  format: 'json' | 'pagerduty' | 'slack';
  routingKey?: string;
}

export interface Alert {
  /** One per cycle and kind: the receiver drops repeats. */
  dedupKey: string;
  summary: string;
  severity: 'critical' | 'error' | 'warning' | 'info';
  source: string;
  /** Keys, hashes, scores and links only. */
  details: Record<string, unknown>;
  links?: { href: string; text: string }[];
}

/** The request body: PagerDuty Events API v2 "trigger", or dreamgate's generic JSON. */
export function webhookBody(cfg: WebhookConfig, alert: Alert): unknown {
  if (cfg.format === 'pagerduty') {
    return {
      routing_key: cfg.routingKey ?? '',
      event_action: 'trigger',
      dedup_key: alert.dedupKey,
      payload: {
        summary: alert.summary.slice(0, 1024),
        source: alert.source,
        severity: alert.severity,
        component: 'dreamgate',
        custom_details: alert.details,
      },
      links: alert.links ?? [],
    };
  }
  if (cfg.format === 'slack') return { text: chatText(alert) };
  return {
    type: 'dreamgate.alert',
    dedup_key: alert.dedupKey,
    summary: alert.summary,
    severity: alert.severity,
    source: alert.source,
    details: alert.details,
    links: alert.links ?? [],
  };
}

/** Escapes what chat markup reads as links and mentions (`&`, `<`, `>`). */
const chatEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * An alert as one chat message (Slack's `text`, which Mattermost and Google Chat take too): the summary, then
 * what to run and until when, and the link. Keys, hashes, scores and commands only, as every alert.
 */
export function chatText(alert: Alert): string {
  const lines = [`*${chatEscape(alert.summary)}*`];
  for (const key of ['review', 'approve', 'reject'])
    if (typeof alert.details[key] === 'string') lines.push(`\`${chatEscape(alert.details[key])}\``);
  if (typeof alert.details.deadline === 'string')
    lines.push(`discarded at ${chatEscape(alert.details.deadline)} unless decided`);
  if (Array.isArray(alert.details.failing) && alert.details.failing.length > 0)
    lines.push(`failing: ${chatEscape(alert.details.failing.map(String).join(', '))}`);
  for (const l of alert.links ?? []) lines.push(`<${l.href}|${chatEscape(l.text)}>`);
  return lines.join('\n');
}

export class WebhookFailed extends Error {
  override readonly name = 'WebhookFailed';
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

/**
 * Why a webhook URL is refused, or undefined: only http(s), and no `user:password@` (it would travel in
 * every request and in every error that names the URL; a receiver that needs a secret takes it in the
 * routing key or in the URL's path, which dreamgate never prints).
 */
export function webhookUrlProblem(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'not a URL';
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return `expected an http or https URL, not ${u.protocol}`;
  if (u.username !== '' || u.password !== '')
    return 'a webhook URL must not carry credentials (user:password@); use the routing key, or a secret path';
  return undefined;
}

/**
 * How a webhook is named in errors, records and pages: scheme and host only. Its path and query often are
 * the secret (a Slack or Teams hook), and the routing key always is.
 */
export function webhookLabel(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return '(invalid URL)';
  }
}

/**
 * Sends one alert; a 4xx other than 429 is not worth retrying. Redirects are not followed (a redirect
 * would send the routing key to a host nobody configured); they fail, naming the status only.
 */
export async function sendWebhook(cfg: WebhookConfig, alert: Alert, signal?: AbortSignal): Promise<void> {
  const where = `webhook ${webhookLabel(cfg.url)}`;
  const problem = webhookUrlProblem(cfg.url);
  if (problem) throw new WebhookFailed(`${where}: ${problem}`, false);
  let res: Response;
  try {
    res = await fetch(cfg.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'dreamgate' },
      body: JSON.stringify(webhookBody(cfg, alert)),
      redirect: 'manual',
      signal: signal ?? AbortSignal.timeout(15_000),
    });
  } catch (err) {
    const cause = (err as Error & { cause?: { code?: string } }).cause?.code;
    const message = String((err as Error).message)
      .split(cfg.url)
      .join(webhookLabel(cfg.url));
    throw new WebhookFailed(`${where}: ${message}${cause ? ` (${cause})` : ''}`, true);
  }
  // the receiver's body is not echoed: it may quote the request (and its routing key) back
  await res.body?.cancel().catch(() => undefined);
  if (res.status >= 300 && res.status < 400)
    throw new WebhookFailed(`${where} answered ${res.status} (a redirect); dreamgate does not follow redirects`, false);
  if (!res.ok) throw new WebhookFailed(`${where} answered ${res.status}`, res.status === 429 || res.status >= 500);
}
