import { describe, expect, it } from 'vitest';
import { renderPage } from '../../../../app/review/page.js';
import { renderMarkdown } from '../../../../app/review/render.js';
import { MemoryStore } from '../../../../src/memory/store.js';
import { reviewView } from '../../../../src/review/view.js';
import { changeSet } from '../../review/fixtures.js';

const cycle = { fleet: 'acme', agent: 'a', cycleId: 'r', workflowId: 'w', reviewers: ['alice'], signedDecisions: true };

describe('the review page', () => {
  it('shows what a dream or a session wrote as text, never as markup', async () => {
    const cs = changeSet();
    cs.changes[2]!.after = '# Lessons\n<script>alert(1)</script>\n<img src=x onerror=alert(2)>\n';
    cs.changes[2]!.detail = '<b onmouseover=alert(3)>hi</b>';
    cs.quarantined[0]!.reason = '"><script>alert(4)</script>';
    const view = await reviewView({ changeSetId: 'c'.repeat(64), changeSet: cs, base: MemoryStore.from({}), cycle });
    const page = renderPage(view, 'decide', 'tok');
    expect(page).not.toMatch(/<script>alert|<img src=x|<b onmouseover/);
    expect(page).toContain('&lt;b onmouseover=alert(3)&gt;hi&lt;/b&gt;');
    expect(page).toContain('<meta name="desk-token" content="tok" />');
    expect(page).toContain('with your SSH key; the browser holds no key');
    // the only script is the package's own
    expect(page.match(/<script[^>]*>/g)).toEqual(['<script src="assets/desk.js" defer>']);
  });

  it('labels each suggestion with the number `approve --accept` takes, unticked until the reviewer accepts it', async () => {
    const view = await reviewView({
      changeSetId: 'c'.repeat(64),
      changeSet: changeSet(),
      base: MemoryStore.from({}),
      cycle,
    });
    const page = renderPage(view, 'decide', 'tok');
    const article = /<article[^>]*data-path="\/people.md"[\s\S]*?<\/header>/.exec(page)![0];
    expect(article).toContain('data-suggestion="1"');
    expect(article).toMatch(/<span class="tier tier-suggested"\s*>suggestion 1<\/span/);
    expect(article).toMatch(/<input type="checkbox" name="accept" value="1"\s*\/>/);
    expect(page).toMatch(/<li class="count-suggested"><span>1<\/span> suggested<\/li>/);
  });

  it('lets the reviewer say yes to a session’s held lines, once per session', async () => {
    const cs = changeSet();
    cs.held = [
      ...cs.held!,
      {
        session_id: 'sess_3',
        event_id: 'e1',
        path: '/a.md',
        line: '- mirror: https://x.example',
        source: 'web',
        reason: 'r',
      },
      {
        session_id: 'sess_3',
        event_id: 'e2',
        path: '/a.md',
        line: '- or https://y.example',
        source: 'web',
        reason: 'r',
      },
    ];
    const view = await reviewView({ changeSetId: 'c'.repeat(64), changeSet: cs, base: MemoryStore.from({}), cycle });
    const held = /<section id="held"[\s\S]*?<\/section>/.exec(renderPage(view, 'decide', 'tok'))![0];
    // sess_9 is quarantined too: its box in the quarantine section restores its held line
    expect(held.match(/name="restore" value="[^"]+"/g)).toEqual(['name="restore" value="sess_3"']);
    expect(held).toMatch(/restore the 2 held line\(s\)\s*<code>sess_3<\/code>/);
    expect(held).toContain('<code>sess_9</code> is quarantined too');
  });

  it('renders markdown on request without scripts, handlers or raw HTML', () => {
    const out = renderMarkdown(
      '---\ntitle: x\n---\n# Notes\n\n- [link](javascript:alert(1))\n\n<script>alert(1)</script>\n<img src=x onerror=alert(2)>\n\n| a | b |\n|---|---|\n| 1 | 2 |\n',
    );
    expect(out).toContain('<h1>Notes</h1>');
    expect(out).toContain('<table>');
    expect(out).not.toMatch(/<script|onerror|javascript:|title: x/);
  });
});
