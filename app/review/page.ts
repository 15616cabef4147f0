/**
 * The review desk's page, rendered on the server: the header (who, which cycle, scores and the cases that
 * changed, counts per tier), filters, the changes, and the decision. `decide` pages send the decision to
 * the command that serves them; `read-only` pages (`dreamgate serve`) compose the command instead.
 */
import type { ReviewView } from '../../src/review/view.js';
import { html, type Raw } from './html.js';
import { changeArticle, findingsSection, heldSection, otherNotes, quarantineSection } from './sections.js';
import { shortId } from '../../src/names/ids.js';

export type PageMode = 'decide' | 'read-only';

const score = (n?: number) => (n === undefined ? '—' : n.toFixed(3));

function casesChanged(view: ReviewView): Raw {
  const cases = view.header.casesChanged;
  if (cases.length === 0) return html`<p class="cases">No case changed its verdict.</p>`;
  const mark = (p?: boolean) => (p === undefined ? 'absent' : p ? 'pass' : 'fail');
  return html`<details class="cases">
    <summary>${cases.length} case(s) changed</summary>
    <ul>
      ${cases.map(
        (c) =>
          html`<li class="case-${mark(c.after)}">
            <code>${c.id}</code> ${mark(c.before)} → ${mark(c.after)}
            ${c.reasons.length ? html`<span class="meta">${c.reasons.join('; ')}</span>` : ''}
          </li>`,
      )}
    </ul>
  </details>`;
}

function header(view: ReviewView, mode: PageMode): Raw {
  const h = view.header;
  const counts = Object.entries(h.counts) as [string, number][];
  return html`<header class="top">
    <h1>
      ${h.fleet} / ${h.agent}
      <span class="sub">change set <code title="${h.changeSetId}">${shortId(h.changeSetId)}</code></span>
    </h1>
    <dl class="facts">
      <div>
        <dt>cycle</dt>
        <dd><code>${h.workflowId}</code> run <code>${h.cycleId}</code></dd>
      </div>
      <div>
        <dt>dreamer</dt>
        <dd>${h.dreamer}</dd>
      </div>
      <div>
        <dt>review times out</dt>
        <dd>
          ${h.reviewDeadline ? html`<time datetime="${h.reviewDeadline}">${h.reviewDeadline.replace('T', ' ').slice(0, 16)} UTC</time>` : 'no deadline'}
        </dd>
      </div>
      <div>
        <dt>score</dt>
        <dd class="score">
          ${score(h.baseline)} → ${score(h.post)}
          ${h.delta !== undefined ? html`<span class="${h.delta >= 0 ? 'up' : 'down'}">(Δ ${h.delta >= 0 ? '+' : ''}${h.delta.toFixed(3)})</span>` : ''}
        </dd>
      </div>
      <div>
        <dt>reviewers</dt>
        <dd>${h.reviewers.join(', ') || 'none'}${h.signedDecisions ? ' (signed decisions)' : ''}</dd>
      </div>
    </dl>
    ${casesChanged(view)}
    <ul class="counts" aria-label="counts per tier">
      ${counts.map(([k, n]) => html`<li class="count-${k}"><span>${n}</span> ${k}</li>`)}
    </ul>
    ${h.evidenceRecorded ? '' : html`<p class="warn">This change set was dreamed without recorded evidence: events are named, not quoted.</p>`}
    ${mode === 'read-only' ? html`<p class="hint">Read-only: choose below, then run the command the page composes.</p>` : ''}
  </header>`;
}

function filters(view: ReviewView): Raw {
  const kinds = [...new Set(view.findings.map((f) => f.kind))];
  return html`<form class="filters" role="search" aria-label="filter the change set">
    <label>search <input type="search" id="q" placeholder="path, reason, detail  ( / )" autocomplete="off" /></label>
    <label>file <input type="text" id="file" list="files" placeholder="any file" autocomplete="off" /></label>
    <datalist id="files">
      ${[...new Set(view.changes.map((c) => c.path))].map((p) => html`<option value="${p}"></option>`)}
    </datalist>
    <label
      >tier
      <select id="tier">
        <option value="">any</option>
        <option>applied</option>
        <option>suggested</option>
      </select></label
    >
    <label
      >finding kind
      <select id="kind">
        <option value="">any</option>
        ${kinds.map((k) => html`<option>${k}</option>`)}
      </select></label
    >
    <output id="shown" aria-live="polite"></output>
  </form>`;
}

function decision(view: ReviewView, mode: PageMode): Raw {
  const h = view.header;
  const sends = mode === 'decide';
  return html`<section id="decision" aria-labelledby="d-title">
    <h2 id="d-title">Decision</h2>
    <p class="selected" id="selected" aria-live="polite"></p>
    <label for="comment">Comment (for the audit log)</label>
    <textarea id="comment" rows="2" maxlength="1000"></textarea>
    <label for="reason">Reason, to reject</label>
    <input id="reason" type="text" maxlength="1000" />
    <div class="buttons">
      <button type="button" id="approve" class="primary">
        ${sends ? 'Approve selected' : 'Compose approve command'}
      </button>
      <button type="button" id="reject" class="danger">${sends ? 'Reject' : 'Compose reject command'}</button>
    </div>
    <div id="answer" role="status" aria-live="polite"></div>
    ${sends ? html`<p class="hint">Signed here by the command serving this page${h.signedDecisions ? ' with your SSH key' : ''}; the browser holds no key.</p>` : ''}
  </section>`;
}

/**
 * A whole desk page: the head every page shares (charset, viewport, colour scheme, the desk's stylesheet
 * after any other), the page's own head, and its body.
 */
function deskDocument(p: { title: string; head?: Raw; styles?: string[]; assets?: string; body: Raw }): string {
  const assets = p.assets ?? '';
  return `<!doctype html>${
    html`<html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        ${p.head}
        <title>${p.title}</title>
        ${[...(p.styles ?? []), 'desk.css'].map((f) => html`<link rel="stylesheet" href="${assets}assets/${f}" />`)}
      </head>
      <body>
        ${p.body}
      </body>
    </html>`.html
  }`;
}

/** The whole page. `token` (decide mode) goes with each request the page's script makes. */
export function renderPage(view: ReviewView, mode: PageMode, token = '', assets = ''): string {
  const h = view.header;
  return deskDocument({
    title: `Review ${h.agent} · ${shortId(h.changeSetId)} · dreamgate`,
    head: html`<meta name="desk-token" content="${token}" />
      <meta name="desk-mode" content="${mode}" />
      <meta name="desk-change-set" content="${h.changeSetId}" />
      <meta name="desk-cycle" content="${h.cycleId}" />
      <script src="${assets}assets/desk.js" defer></script>`,
    styles: ['diff2html.min.css'],
    assets,
    body: html`<a class="skip" href="#changes">Skip to the changes</a>
      ${header(view, mode)} ${filters(view)}
      <main>
        <section id="changes" aria-labelledby="c-title">
          <h2 id="c-title">Changes <span class="count">${view.changes.length}</span></h2>
          <p class="hint">
            Keys: <kbd>j</kbd>/<kbd>k</kbd> next/previous change, <kbd>a</kbd> accept, <kbd>v</kbd> viewed,
            <kbd>/</kbd> search.
          </p>
          ${view.changes.length ? view.changes.map((c) => changeArticle(c, mode === 'read-only')) : html`<p>No changes.</p>`}
        </section>
        ${heldSection(view, mode === 'read-only')} ${quarantineSection(view, mode === 'read-only')}
        ${findingsSection(view)} ${otherNotes(view)} ${decision(view, mode)}
      </main>`,
  });
}

/** The list `dreamgate serve` shows: a fleet's pending reviews. */
export function renderIndex(fleet: string, rows: { agent: string; changeSetId?: string; stage: string }[]): string {
  return deskDocument({
    title: `Pending reviews · ${fleet} · dreamgate`,
    body: html`<header class="top"><h1>${fleet}: pending reviews</h1></header>
      <main>
        <table class="index">
          <thead>
            <tr>
              <th scope="col">agent</th>
              <th scope="col">stage</th>
              <th scope="col">change set</th>
            </tr>
          </thead>
          <tbody>
            ${rows.map(
              (r) =>
                html`<tr>
                  <td>
                    ${r.changeSetId ? html`<a href="agents/${encodeURIComponent(r.agent)}/">${r.agent}</a>` : r.agent}
                  </td>
                  <td>${r.stage}</td>
                  <td>${r.changeSetId ? html`<code>${shortId(r.changeSetId)}</code>` : '—'}</td>
                </tr>`,
            )}
          </tbody>
        </table>
        ${rows.length === 0 ? html`<p>No agents.</p>` : ''}
      </main>`,
  });
}
