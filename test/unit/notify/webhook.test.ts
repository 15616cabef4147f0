import { describe, expect, it } from 'vitest';
import { webhookBody, type Alert } from '../../../src/notify/webhook.js';

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
