import { describe, expect, it } from 'vitest';
import {
  type Alert,
  sendWebhook,
  webhookBody,
  WebhookFailed,
  webhookLabel,
  webhookUrlProblem,
} from '../../../src/notify/webhook.js';

const review: Alert = {
  dedupKey: 'dreamgate/acme/shop-api/run-1/review',
  summary: 'dreamgate: acme/shop-api change set 1206a91d682a waits for review',
  severity: 'info',
  source: 'dreamgate/acme/shop-api',
  details: {
    review: 'dreamgate review shop-api',
    approve: 'dreamgate approve shop-api 1206a91d682a',
    reject: 'dreamgate reject shop-api 1206a91d682a --reason "…"',
    deadline: '2026-12-08T03:00:00.000Z',
    reviewers: ['alice'],
  },
  links: [
    {
      href: 'http://127.0.0.1:8233/namespaces/default/workflows/dream%3Aacme%3Ashop-api',
      text: 'cycle in the Temporal UI',
    },
  ],
};

describe('a chat webhook (format: slack)', () => {
  it('gets one message: the summary, the commands to run, the deadline and the link', () => {
    const body = webhookBody({ url: 'https://hooks.slack.com/services/T/B/x', format: 'slack' }, review) as {
      text: string;
    };
    expect(body.text.split('\n')).toEqual([
      '*dreamgate: acme/shop-api change set 1206a91d682a waits for review*',
      '`dreamgate review shop-api`',
      '`dreamgate approve shop-api 1206a91d682a`',
      '`dreamgate reject shop-api 1206a91d682a --reason "…"`',
      'discarded at 2026-12-08T03:00:00.000Z unless decided',
      '<http://127.0.0.1:8233/namespaces/default/workflows/dream%3Aacme%3Ashop-api|cycle in the Temporal UI>',
    ]);
  });

  it('escapes what chat markup reads as links or mentions', () => {
    const body = webhookBody(
      { url: 'https://hooks.slack.com/services/T/B/x', format: 'slack' },
      { ...review, summary: 'a <!channel> & <http://evil|click>', details: {}, links: [] },
    ) as { text: string };
    expect(body.text).toBe('*a &lt;!channel&gt; &amp; &lt;http://evil|click&gt;*');
  });
});

describe('webhooks', () => {
  it('refuses credentials in the URL and non-http schemes; names a webhook by its host only', () => {
    expect(webhookUrlProblem('https://user:pass@hooks.example/x')).toMatch(/must not carry credentials/);
    expect(webhookUrlProblem('https://user@hooks.example/x')).toMatch(/must not carry credentials/);
    expect(webhookUrlProblem('ftp://hooks.example/x')).toMatch(/http or https/);
    expect(webhookUrlProblem('https://hooks.example/services/T0/B0/secret')).toBeUndefined();
    expect(webhookLabel('https://hooks.example:8443/services/T0/B0/secret?token=x')).toBe('https://hooks.example:8443');
  });

  it('never sends to a URL with credentials, even one that did not come through the config', async () => {
    const err = await sendWebhook(
      { url: 'http://u:hunter2@127.0.0.1:9/x', format: 'json' },
      { dedupKey: 'k', summary: 's', severity: 'info', source: 'x', details: {} },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WebhookFailed);
    expect((err as WebhookFailed).retryable).toBe(false);
    expect((err as Error).message).not.toContain('hunter2');
  });
});

describe('paging payloads', () => {
  const alert = {
    dedupKey: 'dreamgate/c1/page',
    summary: 'rolled back',
    severity: 'error' as const,
    source: 'dreamgate/a',
    details: { post: 0.4 },
  };
  it('speaks PagerDuty Events v2 with a dedup key per cycle', () => {
    expect(webhookBody({ url: 'http://x', format: 'pagerduty', routingKey: 'rk' }, alert)).toEqual({
      routing_key: 'rk',
      event_action: 'trigger',
      dedup_key: 'dreamgate/c1/page',
      payload: {
        summary: 'rolled back',
        source: 'dreamgate/a',
        severity: 'error',
        component: 'dreamgate',
        custom_details: { post: 0.4 },
      },
      links: [],
    });
  });
  it('or generic JSON', () => {
    expect(webhookBody({ url: 'http://x', format: 'json' }, alert)).toMatchObject({
      type: 'dreamgate.alert',
      dedup_key: 'dreamgate/c1/page',
      details: { post: 0.4 },
    });
  });
});
