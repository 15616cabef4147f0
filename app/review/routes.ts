/**
 * What one review page answers, under its own path: the page, a file's diff in either layout, the proposed
 * markdown rendered, the proposed content to edit, and the decision (sent, or composed as a command).
 */
import {
  approvalOf,
  commandFor,
  parsePageDecision,
  type Approval,
  type PageDecision,
} from '../../src/review/selection.js';
import type { ChangeView, ReviewedChangeSet, ReviewView } from '../../src/review/view.js';
import { InvalidInput } from '../../src/util/errors.js';
import { renderPage, type PageMode } from './page.js';
import { renderDiff, renderMarkdown } from './render.js';
import { reply, type DeskRequest, type Reply } from './server.js';
import { shortId } from '../../src/names/ids.js';

export interface LoadedReview {
  view: ReviewView;
  changeSet: ReviewedChangeSet;
}

/** The answer a page shows: the Update's, or why the decision never reached the cycle. */
export type DeskAnswer = { accepted: true; message: string } | { accepted: false; why: string };

export interface RouteOptions {
  mode: PageMode;
  token?: string;
  /** The path from this page back to the server's root, for assets (`''` or `'../../'`). */
  assets?: string;
  /** Sends a decision (decide mode). */
  decide?: (d: PageDecision, approval: Approval | undefined) => Promise<DeskAnswer>;
}

function changeAt(view: ReviewView, url: URL): ChangeView {
  const i = Number(url.searchParams.get('i'));
  const c = Number.isInteger(i) ? view.changes[i] : undefined;
  if (!c) throw new InvalidInput(`no change ${url.searchParams.get('i') ?? ''} in this change set`);
  return c;
}

/** The decision a page sent, checked against the change set it was made for. */
function checked(r: LoadedReview, body: unknown): { d: PageDecision; approval?: Approval } {
  const d = parsePageDecision(body);
  if (d.changeSetId !== r.view.header.changeSetId || d.cycle !== r.view.header.cycleId)
    throw new InvalidInput(
      `this page shows change set ${shortId(r.view.header.changeSetId)} of cycle ${r.view.header.cycleId}; reload it`,
    );
  if (d.verdict === 'reject' && !d.reason?.trim()) throw new InvalidInput('a rejection needs a reason');
  return d.verdict === 'approve' ? { d, approval: approvalOf(r.changeSet, d) } : { d };
}

/** The handler of one review page; `path` is the request's path below the page's own. */
export function reviewRoutes(r: LoadedReview, opts: RouteOptions) {
  let page: string | undefined;
  return async (req: DeskRequest, path: string): Promise<Reply | undefined> => {
    try {
      if (req.method === 'GET') {
        if (path === '/')
          return reply(200, 'html', (page ??= renderPage(r.view, opts.mode, opts.token ?? '', opts.assets ?? '')));
        if (path === '/api/diff') {
          const layout = req.url.searchParams.get('layout') === 'split' ? 'split' : 'unified';
          return reply(200, 'html', renderDiff(changeAt(r.view, req.url).patch, layout));
        }
        if (path === '/api/render') return reply(200, 'html', renderMarkdown(changeAt(r.view, req.url).after ?? ''));
        if (path === '/api/file') {
          const c = changeAt(r.view, req.url);
          return reply(200, 'json', { path: c.path, content: c.after ?? '' });
        }
        return undefined;
      }
      if (path === '/api/command') {
        const { d, approval } = checked(r, req.body);
        return reply(200, 'json', { command: commandFor(r.view.header.agent, r.view.header.changeSetId, d, approval) });
      }
      if (path === '/api/decide' && opts.decide) {
        const { d, approval } = checked(r, req.body);
        return reply(200, 'json', await opts.decide(d, approval));
      }
      return undefined;
    } catch (err) {
      if (err instanceof InvalidInput) return reply(400, 'json', { accepted: false, why: err.message });
      throw err;
    }
  };
}
