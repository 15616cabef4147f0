import type { WebhookConfig } from '../config/fleet.js';

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

export class WebhookFailed extends Error {
  override readonly name = 'WebhookFailed';
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

/** Sends one alert; a 4xx other than 429 is not worth retrying. */
export async function sendWebhook(cfg: WebhookConfig, alert: Alert, signal?: AbortSignal): Promise<void> {
  let res: Response;
  try {
    res = await fetch(cfg.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'dreamgate' },
      body: JSON.stringify(webhookBody(cfg, alert)),
      signal: signal ?? AbortSignal.timeout(15_000),
    });
  } catch (err) {
    throw new WebhookFailed(`webhook ${cfg.url}: ${(err as Error).message}`, true);
  }
  if (!res.ok) {
    const text = (await res.text().catch(() => '')).slice(0, 200);
    throw new WebhookFailed(
      `webhook ${cfg.url} answered ${res.status}: ${text}`,
      res.status === 429 || res.status >= 500,
    );
  }
}
