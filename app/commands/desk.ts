/**
 * `dreamgate review <agent> --web` (one reviewer, deciding on the page) and `dreamgate serve` (a team,
 * read-only, behind the operator's own authentication proxy).
 */
import type { AgentConfig } from '../../src/config/fleet.js';
import { teamId } from '../../src/config/scope.js';
import { printJson, progress } from '../output.js';
import type { DecisionResult } from '../../src/cycle/types.js';
import type { Approval, PageDecision } from '../../src/review/selection.js';
import { InvalidInput } from '../../src/util/errors.js';
import { withContext, type CommonOptions, type Context } from '../context.js';
import { pendingReview, type Pending } from '../cycleClient.js';
import { loadReview } from '../review/load.js';
import { renderIndex } from '../review/page.js';
import { reviewRoutes, type DeskAnswer, type LoadedReview } from '../review/routes.js';
import { newToken, reply, startDeskServer, type DeskRequest } from '../review/server.js';
import { approvePending, rejectPending } from './approve.js';
import { pendingFor } from './pending.js';

interface WebOptions extends CommonOptions {
  open?: boolean;
  as?: string;
  key?: string;
}

/** Opens the page in the reviewer's browser where there is one (a desktop session); the URL is printed anyway. */
async function openBrowser(url: string): Promise<void> {
  const desktop = process.platform !== 'linux' || Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
  if (!desktop) return;
  const { default: open } = await import('open');
  await open(url).catch(() => undefined);
}

/** Sends what the page decided, for the cycle the page showed; the answer is the Update's, or why it never went. */
async function sendFromPage(
  ctx: Context,
  agent: AgentConfig,
  d: PageDecision,
  approval: Approval | undefined,
  opts: WebOptions,
): Promise<DecisionResult> {
  const pending = await pendingFor(ctx, agent, d.changeSetId);
  if (pending.state.cycleId !== d.cycle)
    throw new InvalidInput(
      `the page shows cycle ${d.cycle}; cycle ${pending.state.cycleId} waits for review now: reload the page`,
    );
  if (d.verdict === 'reject') return rejectPending(pending, { reason: d.reason!, ...opts });
  return approvePending(ctx, agent, pending, {
    ...(approval?.onlyPaths ? { only: approval.onlyPaths } : {}),
    ...(approval?.accept ? { accept: approval.accept } : {}),
    ...(approval?.edits ? { edits: approval.edits } : {}),
    ...(approval?.restore ? { restore: approval.restore } : {}),
    ...(approval?.comment ? { comment: approval.comment } : {}),
    ...(opts.as ? { as: opts.as } : {}),
    ...(opts.key ? { key: opts.key } : {}),
  });
}

export async function reviewWebCommand(agentId: string, opts: WebOptions): Promise<void> {
  await withContext(opts, async (ctx) => {
    const agent = ctx.agentOrTeam(agentId);
    const pending = await pendingReview(await ctx.client(), ctx.fleet, agent);
    const loaded = await loadReview(ctx, agent, pending);
    const token = newToken();
    let decided: (r: { verdict: string; answer: DecisionResult }) => void = () => {};
    const done = new Promise<{ verdict: string; answer: DecisionResult } | undefined>((resolve) => {
      decided = resolve;
      process.once('SIGINT', () => resolve(undefined));
      process.once('SIGTERM', () => resolve(undefined));
    });
    const decide = async (d: PageDecision, approval: Approval | undefined): Promise<DeskAnswer> => {
      try {
        const answer = await sendFromPage(ctx, agent, d, approval, opts);
        if (!answer.accepted) return { accepted: false, why: answer.why };
        decided({ verdict: d.verdict, answer });
        const signed = answer.fingerprint ? ` (signed, ${answer.fingerprint})` : '';
        return {
          accepted: true,
          message: `${d.verdict === 'approve' ? 'approved' : 'rejected'} as ${answer.reviewer}${signed}; follow the cycle with \`dreamgate status ${agentId}\`. This page is closed now.`,
        };
      } catch (err) {
        if (err instanceof InvalidInput) return { accepted: false, why: err.message };
        throw err;
      }
    };
    const routes = reviewRoutes(loaded, { mode: 'decide', token, decide });
    const server = await startDeskServer((req) => routes(req, req.url.pathname), { host: '127.0.0.1', port: 0, token });
    if (opts.json) printJson({ url: server.url, changeSetId: loaded.view.header.changeSetId });
    else process.stdout.write(`review desk for ${agentId}: ${server.url}\n`);
    progress('open it in a browser on this machine; it stops when the decision is sent, or on Ctrl-C');
    if (opts.open !== false) await openBrowser(server.url);
    const result = await done;
    await new Promise((r) => setTimeout(r, 300)); // the page hears the answer before the server goes
    await server.close();
    if (!result) progress('review desk closed without a decision');
    else
      progress(
        `${result.verdict === 'approve' ? 'approved' : 'rejected'} change set ${loaded.view.header.changeSetId.slice(0, 12)} of ${agentId} as ${result.answer.accepted ? result.answer.reviewer : '?'}`,
      );
  });
}

/** The fleet's agents (and its team store) as `serve` lists them, with the change set each waits on. */
async function pendingRows(ctx: Context) {
  const client = await ctx.client();
  const agents = [...ctx.fleet.agents, ...(ctx.fleet.team ? [ctx.fleet.team] : [])];
  return Promise.all(
    agents.map(async (a) => {
      const id = a === ctx.fleet.team ? teamId : a.id;
      const p = await pendingReview(client, ctx.fleet, a).catch(() => undefined);
      return {
        agent: id,
        stage: p ? 'waiting for review' : 'nothing to review',
        ...(p ? { changeSetId: p.state.changeSetId! } : {}),
      };
    }),
  );
}

export async function serveCommand(opts: CommonOptions & { listen?: string }): Promise<void> {
  const listen = opts.listen ?? '127.0.0.1:8080';
  const m = /^(.+):(\d{1,5})$/.exec(listen);
  if (!m || Number(m[2]) > 65_535)
    throw new InvalidInput(`--listen ${listen}: expected host:port, e.g. 127.0.0.1:8080`);
  const host = m[1]!.replace(/^\[(.*)\]$/, '$1');
  await withContext(opts, async (ctx) => {
    const cache = new Map<string, LoadedReview>();
    const page = async (req: DeskRequest, agentId: string, rest: string) => {
      const agent = ctx.agentOrTeam(agentId);
      let pending: Pending;
      try {
        pending = await pendingReview(await ctx.client(), ctx.fleet, agent);
      } catch (err) {
        if (err instanceof InvalidInput) return reply(404, 'text', `${err.message}\n`);
        throw err;
      }
      const key = `${agentId}/${pending.state.cycleId}/${pending.state.changeSetId}`;
      if (!cache.has(key)) cache.set(key, await loadReview(ctx, agent, pending));
      return reviewRoutes(cache.get(key)!, { mode: 'read-only', assets: '../../' })(req, rest);
    };
    const server = await startDeskServer(
      async (req) => {
        const path = req.url.pathname;
        if (req.method === 'GET' && path === '/')
          return reply(200, 'html', renderIndex(ctx.fleet.fleet, await pendingRows(ctx)));
        const a = /^\/agents\/([^/]+)(\/.*)?$/.exec(path);
        if (!a) return undefined;
        const agentId = decodeURIComponent(a[1]!);
        if (!a[2]) return { ...reply(303, 'text', ''), headers: { location: `${encodeURIComponent(agentId)}/` } };
        try {
          return await page(req, agentId, a[2]);
        } catch (err) {
          if (err instanceof InvalidInput) return reply(404, 'text', `${err.message}\n`);
          throw err;
        }
      },
      { host, port: Number(m[2]) },
    );
    process.stdout.write(`pending reviews of ${ctx.fleet.fleet}: ${server.url}\n`);
    progress('read-only; put it behind your authentication proxy (see the README); Ctrl-C stops it');
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await server.close();
  });
}
