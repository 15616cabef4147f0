/**
 * The parts of the review page below its header: each change with its evidence and diff, then held and
 * quarantined lines and the findings, folded by group. Every value is escaped by `html`.
 */
import type { Cited, ChangeView, FindingGroup, ReviewView } from '../../src/review/view.js';
import { html, raw, type Raw } from './html.js';
import { isMarkdown, renderDiff } from './render.js';

const when = (iso?: string) => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : 'time not recorded');

/** One cited session event: provenance, time, session, and the quoted text. */
export function citation(e: Cited): Raw {
  if ('missing' in e)
    return html`<li class="quote missing">
      <span class="prov">not quoted</span>
      <span class="meta"
        >session <code>${e.session_id}</code>${e.event_id ? html` · event <code>${e.event_id}</code>` : ''} · the dream
        recorded no quote of this event</span
      >
    </li>`;
  return html`<li class="quote">
    <span class="prov prov-${e.provenance}">${e.provenance}</span>
    ${e.url ? html`<span class="url">${e.url}</span>` : ''}
    <span class="meta"
      >${e.what} · <time datetime="${e.at ?? ''}">${when(e.at)}</time> · session
      <code>${e.session_id}</code>${e.event_id ? html` · event <code>${e.event_id}</code>` : ''}</span
    >
    <blockquote>${e.text}</blockquote>
  </li>`;
}

function evidenceList(c: ChangeView): Raw {
  if (c.evidence.length === 0)
    return html`<p class="no-evidence">
      <span class="prov prov-store">store</span> No session event: the lines were in memory before these sessions.
    </p>`;
  return html`<ul class="evidence" aria-label="evidence for ${c.path}">
    ${c.evidence.map(citation)}
  </ul>`;
}

function moves(c: ChangeView): Raw {
  if (c.moved.length === 0) return html``;
  return html`<ul class="moved" aria-label="lines moved">
    ${c.moved.map(
      (m) =>
        html`<li>
          line ${m.from.line}${m.from.section ? html` (${m.from.section})` : ''} → ${m.to.path}:${m.to.line}
        </li>`,
    )}
  </ul>`;
}

/** Diffs inlined in the page; the rest load as they scroll into view, so a large set opens at once. */
export const inlineDiffs = 40;

export function changeArticle(c: ChangeView, readOnly: boolean): Raw {
  const id = `change-${c.index}`;
  const search = `${c.path} ${c.newPath ?? ''} ${c.reason} ${c.detail}`.toLowerCase();
  return html`<article
    class="change"
    id="${id}"
    tabindex="-1"
    data-index="${c.index}"
    data-path="${c.path}"
    data-tier="${c.tier}"
    data-suggestion="${c.suggestion ?? ''}"
    data-search="${search}"
    aria-labelledby="${id}-title"
  >
    <header>
      <label class="accept"
        ><input type="checkbox" name="accept" value="${c.index}" ${c.tier === 'applied' ? 'checked' : ''} />
        accept</label
      >
      <span class="tier tier-${c.tier}">${c.suggestion !== undefined ? html`suggestion ${c.suggestion}` : c.tier}</span>
      <h3 id="${id}-title">
        <span class="op op-${c.op}">${c.op}</span>
        <code>${c.path}</code>${c.newPath ? html` → <code>${c.newPath}</code>` : ''}
      </h3>
      <span class="reason">${c.reason}</span>
    </header>
    <p class="detail">${c.detail}</p>
    ${evidenceList(c)} ${moves(c)}
    <div class="tools" role="group" aria-label="view of ${c.path}">
      <button type="button" data-act="layout" aria-pressed="false">side by side</button>
      ${isMarkdown(c.newPath ?? c.path) && c.op !== 'delete' ? html`<button type="button" data-act="render" aria-pressed="false">rendered</button>` : ''}
      ${c.op !== 'delete' ? html`<button type="button" data-act="edit">${readOnly ? 'edit (for the command)' : 'edit'}</button>` : ''}
      <label class="viewed"><input type="checkbox" data-act="viewed" /> viewed</label>
    </div>
    ${
      c.index < inlineDiffs
        ? html`<div class="diff">${raw(renderDiff(c.patch))}</div>`
        : html`<div class="diff lazy" data-lazy><button type="button" data-act="load">show the diff</button></div>`
    }
    <div class="editor" hidden>
      <label for="${id}-edit">Your version of <code>${c.newPath ?? c.path}</code> (approved as you leave it)</label>
      <textarea id="${id}-edit" spellcheck="false" rows="14"></textarea>
    </div>
  </article>`;
}

function findingGroup(g: FindingGroup): Raw {
  const search = `${g.path} ${g.kind} ${g.items.map((i) => i.detail).join(' ')}`.toLowerCase();
  return html`<details class="finding-group" data-kind="${g.kind}" data-path="${g.path}" data-search="${search}">
    <summary>
      <span class="kind kind-${g.kind}">${g.kind}</span> <code>${g.path}</code>
      <span class="count">${g.items.length}</span>
    </summary>
    <ul>
      ${g.items.map(
        (f) =>
          html`<li>
            ${f.detail}
            <span class="at"
              >${f.at.map((a, i) => html`${i ? ', ' : ''}<code>${a.path}:${a.line}</code>${a.section ? html` (${a.section})` : ''}`)}</span
            >
          </li>`,
      )}
    </ul>
  </details>`;
}

/** The one event a held line or a quarantine cites, as a list of one. */
const citedEvent = (e: Cited | undefined): Raw =>
  e
    ? html`<ul class="evidence">
        ${citation(e)}
      </ul>`
    : html``;

/** Held lines by session: a reviewer says yes to a session's held lines at once, as `approve --restore` does. */
export function heldSection(view: ReviewView, readOnly: boolean): Raw {
  if (view.held.length === 0) return html``;
  const sessions = [...new Set(view.held.map((h) => h.session_id))];
  // a quarantined session's box below restores its held lines too
  const quarantined = new Set(view.quarantined.map((q) => q.session_id));
  return html`<section id="held" aria-labelledby="held-title">
    <h2 id="held-title">Held lines <span class="count">${view.held.length}</span></h2>
    <p class="hint">
      Written by a session from outside content: no cycle promotes them unless you restore them here (or with
      <code>approve --restore &lt;session&gt;</code>).
    </p>
    ${sessions.map((s) => {
      const lines = view.held.filter((h) => h.session_id === s);
      return html`<div class="held-session">
        ${
          quarantined.has(s)
            ? html`<p class="meta"><code>${s}</code> is quarantined too: restoring it below restores these lines</p>`
            : html`<label
                ><input type="checkbox" name="restore" value="${s}" /> restore the ${lines.length} held line(s)
                <code>${s}</code> wrote${readOnly ? ' (for the command)' : ''}</label
              >`
        }
        <ul class="held">
          ${lines.map(
            (h) =>
              html`<li>
                <code>${h.path ?? ''}</code> <q>${h.line ?? ''}</q>
                <span class="meta">${h.reason ?? ''}${h.source ? html` · from ${h.source}` : ''}</span>
                ${citedEvent(h.evidence)}
              </li>`,
          )}
        </ul>
      </div>`;
    })}
  </section>`;
}

export function quarantineSection(view: ReviewView, readOnly: boolean): Raw {
  if (view.quarantined.length === 0) return html``;
  return html`<section id="quarantined" aria-labelledby="q-title">
    <h2 id="q-title">Quarantined sessions <span class="count">${view.quarantined.length}</span></h2>
    ${view.quarantined.map(
      (q) =>
        html`<div class="quarantine">
          <label
            ><input type="checkbox" name="restore" value="${q.session_id}" /> restore the ${q.lines.length} memory
            line(s) <code>${q.session_id}</code> wrote${readOnly ? ' (for the command)' : ''}</label
          >
          <p class="meta">${q.reason}</p>
          ${
            q.lines.length
              ? html`<ul class="removed">
                  ${q.lines.map((l) => html`<li><code>${l.path}</code> <q>${l.line}</q></li>`)}
                </ul>`
              : ''
          }
          ${citedEvent(q.evidence)}
        </div>`,
    )}
  </section>`;
}

export function findingsSection(view: ReviewView): Raw {
  if (view.findings.length === 0) return html``;
  const total = view.findings.reduce((n, g) => n + g.items.length, 0);
  return html`<section id="findings" aria-labelledby="f-title">
    <h2 id="f-title">Findings <span class="count">${total}</span></h2>
    <p class="hint">Noticed and left for a reviewer: nothing here is changed by approving.</p>
    ${view.findings.map(findingGroup)}
  </section>`;
}

export function otherNotes(view: ReviewView): Raw {
  const notes = [
    ...view.redactions.map((r) => html`<li>redacted ${r.count} ${r.kind} in <code>${r.where}</code></li>`),
    ...view.skipped.map((s) => html`<li>skipped <code>${s.path}</code>: ${s.reason} (kept as it is)</li>`),
    ...view.refused.map((r) => html`<li>refused <code>${r.path}</code>: ${r.reason}</li>`),
  ];
  if (notes.length === 0) return html``;
  return html`<section id="notes" aria-labelledby="n-title">
    <h2 id="n-title">Also in this change set</h2>
    <ul>
      ${notes}
    </ul>
  </section>`;
}
