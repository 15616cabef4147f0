/// <reference lib="dom" />
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reviewRoutes } from '../../app/review/routes.js';
import { startDeskServer } from '../../app/review/server.js';
import { cycleState, startCycle, type CycleHandle } from '../../app/cycleClient.js';
import type { FleetConfig } from '../../src/config/fleet.js';
import { reviewView } from '../../src/review/view.js';
import { projectRoot } from '../../src/util/paths.js';
import { launchChromium } from '../support/browser.js';
import { runCli } from '../support/cli.js';
import { largeReview } from '../support/largeChangeSet.js';
import { tempDir } from '../support/sessions.js';
import { startHarness, waitFor, type Harness } from './cycleHarness.js';
import { deskAgent, store } from './reviewDeskFixture.js';

/**
 * The review desk in a real browser (Debian's headless Chromium) against the real stack: a reviewer accepts
 * the applied change and one of two suggestions, edits a line and approves, and the cycle keeps exactly that; a stale approval is
 * refused on the page with the reason; a change set of 500 changes and 1,000 findings loads and filters.
 * With DREAMGATE_SCREENSHOTS=1 the screenshots go to docs/ for the README; otherwise to a temporary folder.
 */
let h: Harness;
let browser: Browser;
let shots: string;
const desks: ChildProcess[] = [];
beforeAll(async () => {
  [h, browser] = await Promise.all([startHarness(), launchChromium()]);
  shots = process.env.DREAMGATE_SCREENSHOTS ? join(projectRoot, 'docs', 'review-desk') : await tempDir('dg-shots-');
  await mkdir(shots, { recursive: true });
});
afterAll(async () => {
  for (const d of desks) if (d.exitCode === null) d.kill('SIGINT');
  await browser?.close();
  await h?.close();
});

async function inReview(fleet: FleetConfig): Promise<CycleHandle> {
  const handle = await startCycle(h.client, fleet, fleet.agents[0]!);
  await waitFor('stage review', async () => ((await cycleState(handle)).stage === 'review' ? true : undefined));
  return handle;
}

/** `dreamgate review <agent> --web`, as a reviewer starts it: the URL it prints, and the process. */
const openDesk = (fleet: FleetConfig) =>
  startProcess(
    ['review', fleet.agents[0]!.id, '--web', '--no-open', '--fleet', fleet.file],
    /review desk for \S+: (http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/,
  );

/** A long-running command (stopped with SIGINT by the test or after it), and the URL it prints. */
async function startProcess(
  args: string[],
  printed: RegExp,
): Promise<{ url: string; desk: ChildProcess; exited: Promise<number | null> }> {
  const desk = spawn(process.execPath, [join(projectRoot, 'bin', 'dreamgate.js'), ...args], {
    env: {
      ...process.env,
      NO_COLOR: '1',
      DREAMGATE_TASK_QUEUE: h.client.temporal.taskQueue,
      DREAMGATE_REVIEWER: 'alice',
    },
  });
  desks.push(desk);
  const exited = new Promise<number | null>((r) => desk.on('close', (code) => r(code)));
  let out = '';
  let err = '';
  desk.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    desk.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = printed.exec(out);
      if (m) resolve(m[1]!);
    });
    void exited.then((code) => reject(new Error(`${args[0]} exited ${code}: ${err}`)));
  });
  return { url, desk, exited };
}

const shot = (page: Page, name: string, fullPage = false) =>
  page.screenshot({ path: join(shots, `${name}.png`), fullPage });

describe('the review desk, in a browser', () => {
  it('accepts the applied change and one of two suggestions, edits one line and approves: the cycle keeps exactly that', async () => {
    const agent = await deskAgent();
    const fleet = await h.serve([agent], { reviewDesk: 'https://desk.example.test/dreamgate' });
    const handle = await inReview(fleet);
    // the reviewers' notice links to the agent's page on the team desk
    const notice = await waitFor('the review notice', async () =>
      h.receiver.received.find(
        (r) => r.path === '/notify' && (r.body.details as { agent?: string }).agent === agent.id,
      ),
    );
    expect(notice.body.links).toContainEqual({
      href: `https://desk.example.test/dreamgate/agents/${agent.id}/`,
      text: 'review it on the review desk',
    });
    const { url, exited } = await openDesk(fleet);
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(url);
    expect(new URL(page.url()).search).toBe(''); // the token left the address bar
    const paths = await page
      .locator('article.change')
      .evaluateAll((as) => as.map((a) => (a as HTMLElement).dataset.path));
    expect(paths).toEqual(['/archive/infra.md', '/infra.md', '/people.md', '/tools.md']);
    // the evidence beside the update: the agent's memory write, quoted, with time and session
    const infra = page.locator('article.change[data-path="/infra.md"]');
    // its provenance is where most of the written line's text came from: the host the user named
    await expect(infra.locator('.quote .prov').first().textContent()).resolves.toBe('user');
    expect(await infra.locator('.quote').first().textContent()).toMatch(
      /memory write to \/infra\.md[\s\S]*2026-11-02 10:00:05Z[\s\S]*sess_desk_1/,
    );
    // the duplicates the store held before any session are suggestions, numbered as `approve --accept` takes
    // them, unticked: promoted only if the reviewer accepts them
    await expect(page.locator('.counts').textContent()).resolves.toMatch(/2\s+applied\s*2\s+suggested/);
    const people = page.locator('article.change[data-path="/people.md"]');
    const tools = page.locator('article.change[data-path="/tools.md"]');
    await expect(people.locator('.tier').textContent()).resolves.toBe('suggestion 1');
    await expect(tools.locator('.tier').textContent()).resolves.toBe('suggestion 2');
    expect(await tools.locator('input[name="accept"]').isChecked()).toBe(false);
    await shot(page, 'page');

    await people.locator('input[name="accept"]').check();
    // the two suggestions, one accepted, as the reviewer sees them
    await people.evaluate((el) => {
      el.scrollIntoView();
      window.scrollBy(0, -90);
    });
    await shot(page, 'suggestions');
    await infra.getByRole('button', { name: 'edit' }).click();
    const editor = infra.locator('textarea');
    await expect.poll(() => editor.inputValue()).toContain('- deploys go through the staging pipeline first');
    const edited = (await editor.inputValue()).replace(
      '- deploys go through the staging pipeline first',
      '- deploys go through the staging pipeline first, then a canary',
    );
    await editor.fill(edited);
    await page.locator('#comment').fill('tools.md next time');
    await expect(page.locator('#selected').textContent()).resolves.toBe('3 of 4 change(s) accepted, 1 file(s) edited');
    // the edited file below the sticky filters, as the reviewer sees it
    await infra.evaluate((el) => {
      el.scrollIntoView();
      window.scrollBy(0, -90);
    });
    await shot(page, 'edit');
    await page.getByRole('button', { name: 'Approve selected' }).click();
    await expect.poll(() => page.locator('#answer').textContent(), { timeout: 60_000 }).toMatch(/approved as alice/);
    expect(await exited).toBe(0); // the desk stops once the decision is sent

    const result = await handle.result();
    expect(result.outcome).toBe('kept');
    const live = async (p: string) => readFile(join(agent.store, p), 'utf8');
    expect(await live('infra.md')).toBe(edited);
    // suggestion 1 accepted: its duplicate is gone; suggestion 2 left: as it was
    expect(await live('people.md')).toBe('# People\n\n- Dana owns billing\n- Priya owns the deploy pipeline\n');
    expect(await live('archive/infra.md')).toContain('db-1.internal');
    expect(await live('tools.md')).toBe(store['/tools.md']);
    // the approval the page sent is the one `approve --accept 1` sends, signed and recorded as such
    const history = await runCli(['history', agent.id, '--json', '--fleet', fleet.file], {
      DREAMGATE_TASK_QUEUE: h.client.temporal.taskQueue,
    });
    const approved = (JSON.parse(history.stdout) as { records: { event: string; data?: unknown }[] }).records.find(
      (r) => r.event === 'approved',
    );
    expect(approved?.data).toMatchObject({ acceptedSuggestions: [1], comment: 'tools.md next time' });
    await page.close();
  });

  it('refuses an approval of a stale change set on the page, saying why', async () => {
    const agent = await deskAgent();
    const fleet = await h.serve([agent]);
    const first = await inReview(fleet);
    const shown = (await cycleState(first)).changeSetId!;
    const { url, desk } = await openDesk(fleet);
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.goto(url);
    await shot(page, 'dark');
    // meanwhile: the set is rejected from a terminal, the store changes, and another cycle waits for review
    const cli = (...a: string[]) =>
      runCli([...a, '--fleet', fleet.file], { DREAMGATE_TASK_QUEUE: h.client.temporal.taskQueue });
    expect(
      (await cli('reject', agent.id, shown.slice(0, 12), '--as', 'alice', '--reason', 'store changing')).code,
    ).toBe(0);
    await first.result();
    await writeFile(join(agent.store, 'tools.md'), `${store['/tools.md']}- the web repo pins node 20\n`);
    const second = await inReview(fleet);
    const waiting = (await cycleState(second)).changeSetId!;
    expect(waiting).not.toBe(shown);

    await page.getByRole('button', { name: 'Approve selected' }).click();
    await expect
      .poll(() => page.locator('#answer.refused').textContent(), { timeout: 30_000 })
      .toContain(`Refused: change set ${shown} is not the one waiting for review`);
    expect(await page.locator('#answer').textContent()).toContain(`waits for ${waiting.slice(0, 12)}`);
    await page.locator('#answer').scrollIntoViewIfNeeded();
    await shot(page, 'stale');
    expect((await cycleState(second)).stage).toBe('review'); // nothing reached the new cycle
    desk.kill('SIGINT');

    // the team's read-only desk lists the pending review and composes the command that decides it
    const { url: served } = await startProcess(
      ['serve', '--listen', '127.0.0.1:0', '--fleet', fleet.file],
      /pending reviews of \S+: (http:\S+)/,
    );
    await page.emulateMedia({ colorScheme: 'light' });
    await page.goto(served);
    await page.getByRole('link', { name: agent.id }).click();
    expect(page.url()).toBe(`${served}agents/${agent.id}/`);
    // the waiting dream's changes may all be suggestions (unchecked until accepted): the reviewer accepts them all
    for (const box of await page.locator('input[name="accept"]').all()) await box.check();
    await page.getByRole('button', { name: 'Compose approve command' }).click();
    const command = `dreamgate approve ${agent.id} ${waiting.slice(0, 12)}`;
    await expect.poll(() => page.locator('#answer pre').textContent()).toContain(command);
    await page.locator('#answer').scrollIntoViewIfNeeded();
    await shot(page, 'serve');
    const decideHere = await fetch(`${served}agents/${agent.id}/api/decide`, { method: 'POST', body: '{}' });
    expect(decideHere.status).toBe(404); // read-only: it sends nothing

    // the same decision from a terminal: a suggestion number the set does not hold is refused, naming the flag
    const id = waiting.slice(0, 12);
    const unknown = await cli('approve', agent.id, id, '--as', 'alice', '--accept', '9');
    expect([unknown.code, unknown.stderr]).toEqual([2, expect.stringContaining('--accept 9: no such suggestion')]);
    const all = await cli('approve', agent.id, id, '--as', 'alice', '--accept', 'all');
    expect([all.code, all.stdout]).toEqual([0, expect.stringContaining(`approved change set ${id}`)]);
    expect((await second.result()).outcome).toBe('kept');
    // every suggestion accepted: one copy of each duplicate is left
    const tools = await readFile(join(agent.store, 'tools.md'), 'utf8');
    expect(tools.split('\n').filter((l) => l === '- use pnpm, not npm, in the web repo')).toHaveLength(1);
    expect(await readFile(join(agent.store, 'people.md'), 'utf8')).not.toMatch(/billing[\s\S]*billing/);
    await page.close();
  });

  it('loads and filters 500 changes and 1,000 findings (browser time printed, not asserted)', async () => {
    const input = await largeReview(500, 1_000);
    const t0 = performance.now();
    const view = await reviewView(input);
    const built = performance.now() - t0;
    const routes = reviewRoutes({ view, changeSet: input.changeSet }, { mode: 'read-only' });
    const server = await startDeskServer((req) => routes(req, req.url.pathname), { host: '127.0.0.1', port: 0 });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    try {
      await page.goto(server.url, { waitUntil: 'load' });
      const load = await page.evaluate(() => {
        const n = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
        return {
          bytes: n.transferSize,
          response: n.responseEnd - n.requestStart,
          browser: n.loadEventEnd - n.responseStart,
        };
      });
      expect(await page.locator('article.change').count()).toBe(500);
      expect(await page.locator('details.finding-group').count()).toBeGreaterThan(0);
      const filter = (selector: string, value: string) =>
        page.evaluate(
          async ([s, v]) => {
            const t0 = performance.now();
            const el = document.querySelector(s!) as HTMLInputElement;
            el.value = v!;
            el.dispatchEvent(new Event('input'));
            void document.body.offsetHeight; // layout, as the reviewer sees it
            await new Promise((r) => requestAnimationFrame(() => r(undefined)));
            return { ms: performance.now() - t0, shown: document.querySelector('#shown')!.textContent };
          },
          [selector, value],
        );
      const byWord = await filter('#q', 'topic-42.md');
      await filter('#q', '');
      const byTier = await filter('#tier', 'suggested');
      await filter('#tier', '');
      const byFile = await filter('#file', '/area-7');
      const cleared = await filter('#file', '');
      process.stdout.write(
        `[review desk] 500 changes, 1,000 findings: view model ${Math.round(built)} ms; ${Math.round(load.bytes / 1024)} KiB served in ${Math.round(load.response)} ms; ` +
          `browser load ${Math.round(load.browser)} ms; filter by word ${byWord.ms.toFixed(1)} ms, tier ${byTier.ms.toFixed(1)} ms, file ${byFile.ms.toFixed(1)} ms, cleared ${cleared.ms.toFixed(1)} ms ` +
          `(load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores)\n`,
      );
      expect(byWord.shown).toMatch(/^showing 1 of 500 change\(s\)/);
      expect(byTier.shown).toMatch(/^showing 100 of 500 change\(s\)/);
      expect(byFile.shown).toMatch(/^showing 25 of 500 change\(s\), 50 of 1000 finding group\(s\)$/);
      expect(cleared.shown).toBe('showing 500 of 500 change(s), 1000 of 1000 finding group(s)');
      await filter('#q', 'topic-42.md');
      await shot(page, 'large');
    } finally {
      await page.close();
      await server.close();
    }
  });
});
