// The review desk's one script: filters, per-file views (side by side, rendered, edit), keyboard moves, and
// the decision, sent to the command that served the page (or composed as a command on a read-only page).
// It holds no key and talks only to its own origin.
'use strict';
(() => {
  const meta = (name) => document.querySelector(`meta[name="${name}"]`)?.getAttribute('content') ?? '';
  const token = meta('desk-token');
  const mode = meta('desk-mode');
  const changeSetId = meta('desk-change-set');
  const cycle = meta('desk-cycle');
  const $ = (s, el = document) => el.querySelector(s);
  const $$ = (s, el = document) => [...el.querySelectorAll(s)];
  const changes = $$('article.change');
  const groups = $$('details.finding-group');
  /** index → { path, original, textarea } of files opened for editing */
  const edits = new Map();

  const get = async (url) => {
    const res = await fetch(url, { headers: { 'x-desk-token': token } });
    if (!res.ok) throw new Error(`${res.status}: ${await res.text()}`);
    return res;
  };

  // ---- filters: by file, tier, finding kind and words; everything stays in the page, nothing is fetched
  const q = $('#q');
  const file = $('#file');
  const tier = $('#tier');
  const kind = $('#kind');
  const shown = $('#shown');
  function applyFilters() {
    const words = q.value.trim().toLowerCase();
    const path = file.value.trim();
    const inFile = (p) => !path || p === path || p.startsWith(path.endsWith('/') ? path : `${path}/`);
    let c = 0;
    let g = 0;
    for (const a of changes) {
      const ok =
        (!words || a.dataset.search.includes(words)) &&
        inFile(a.dataset.path) &&
        (!tier.value || a.dataset.tier === tier.value);
      a.hidden = !ok;
      if (ok) c++;
    }
    for (const d of groups) {
      const ok =
        (!words || d.dataset.search.includes(words)) &&
        inFile(d.dataset.path) &&
        (!kind.value || d.dataset.kind === kind.value);
      d.hidden = !ok;
      if (ok) g++;
    }
    shown.value = `showing ${c} of ${changes.length} change(s), ${g} of ${groups.length} finding group(s)`;
  }
  for (const el of [q, file, tier, kind]) el.addEventListener('input', applyFilters);
  $('form.filters').addEventListener('submit', (e) => e.preventDefault());
  applyFilters();

  // ---- what is selected
  const accepted = () =>
    $$('input[name="accept"]')
      .filter((i) => i.checked)
      .map((i) => Number(i.value));
  const restored = () =>
    $$('input[name="restore"]')
      .filter((i) => i.checked)
      .map((i) => i.value);
  function editedFiles() {
    const out = {};
    for (const e of edits.values()) if (e.textarea.value !== e.original) out[e.path] = e.textarea.value;
    return out;
  }
  function summary() {
    const n = Object.keys(editedFiles()).length;
    $('#selected').textContent =
      `${accepted().length} of ${changes.length} change(s) accepted` +
      (n ? `, ${n} file(s) edited` : '') +
      (restored().length ? `, ${restored().length} session(s) restored` : '');
  }
  // a suggestion is accepted whole (`approve --accept <n>`): its changes (a file and its archive) go together
  document.addEventListener('change', (e) => {
    const box = e.target;
    const n = box.name === 'accept' && box.closest('article.change').dataset.suggestion;
    if (!n) return;
    for (const a of changes) if (a.dataset.suggestion === n) $('input[name="accept"]', a).checked = box.checked;
  });
  document.addEventListener('change', summary);
  document.addEventListener('input', (e) => e.target.tagName === 'TEXTAREA' && summary());
  summary();

  // ---- per-file views
  async function toggle(article, act, button) {
    const i = article.dataset.index;
    const diff = $('.diff', article);
    if (act === 'viewed') {
      article.classList.toggle('viewed', button.checked);
      diff.hidden = button.checked;
      return;
    }
    if (act === 'load') return loadDiff(article);
    if (act === 'edit') {
      const editor = $('.editor', article);
      if (!edits.has(i)) {
        const { path, content } = await (await get(`api/file?i=${i}`)).json();
        const textarea = $('textarea', editor);
        textarea.value = content;
        edits.set(i, { path, original: content, textarea });
        $('input[name="accept"]', article).checked = true;
      }
      editor.hidden = !editor.hidden;
      if (!editor.hidden) $('textarea', editor).focus();
      summary();
      return;
    }
    const on = button.getAttribute('aria-pressed') !== 'true';
    for (const b of $$('button[aria-pressed]', article)) b.setAttribute('aria-pressed', 'false');
    button.setAttribute('aria-pressed', String(on));
    const url = !on ? `api/diff?i=${i}` : act === 'layout' ? `api/diff?i=${i}&layout=split` : `api/render?i=${i}`;
    diff.innerHTML = await (await get(url)).text(); // diff2html's escaped markup or sanitized markdown
    diff.classList.toggle('rendered', on && act === 'render');
  }
  document.addEventListener('click', (e) => {
    const button = e.target.closest('[data-act]');
    const article = button?.closest('article.change');
    if (!button || !article) return;
    toggle(article, button.dataset.act, button).catch((err) => answer(false, String(err.message || err)));
  });

  // ---- diffs beyond the first few load as they come near the viewport (or on their button)
  async function loadDiff(article) {
    const diff = $('.diff', article);
    if (!diff.hasAttribute('data-lazy')) return;
    diff.removeAttribute('data-lazy');
    diff.classList.remove('lazy');
    diff.innerHTML = await (await get(`api/diff?i=${article.dataset.index}`)).text();
  }
  const near = new IntersectionObserver(
    (entries) => {
      for (const e of entries)
        if (e.isIntersecting) {
          near.unobserve(e.target);
          loadDiff(e.target.closest('article.change')).catch((err) => answer(false, String(err.message || err)));
        }
    },
    { rootMargin: '800px 0px' },
  );
  for (const d of $$('.diff[data-lazy]')) near.observe(d);

  // ---- keyboard: j/k move between visible changes, a accepts, v marks viewed, / searches
  let current = -1;
  function move(step) {
    const visible = changes.filter((a) => !a.hidden);
    if (visible.length === 0) return;
    const at = visible.indexOf(changes[current]);
    const next = visible[Math.min(visible.length - 1, Math.max(0, at + step))];
    current = changes.indexOf(next);
    next.focus();
    next.scrollIntoView({ block: 'start' });
  }
  document.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || /^(INPUT|TEXTAREA|SELECT)$/.test(e.target.tagName)) return;
    const article = changes[current];
    if (e.key === 'j') move(1);
    else if (e.key === 'k') move(-1);
    else if (e.key === '/') q.focus();
    else if (e.key === 'a' && article) $('input[name="accept"]', article).click();
    else if (e.key === 'v' && article) $('[data-act="viewed"]', article).click();
    else return;
    e.preventDefault();
  });

  // ---- the decision
  function answer(ok, text, command) {
    const box = $('#answer');
    box.className = ok ? 'ok' : 'refused';
    box.textContent = '';
    const p = document.createElement('p');
    p.textContent = text;
    box.append(p);
    if (command) {
      const pre = document.createElement('pre');
      pre.textContent = command;
      box.append(pre);
    }
  }
  async function decide(verdict) {
    const body = {
      verdict,
      changeSetId,
      cycle,
      accepted: accepted(),
      edits: editedFiles(),
      restore: restored(),
      ...($('#comment').value.trim() ? { comment: $('#comment').value.trim() } : {}),
      ...($('#reason').value.trim() ? { reason: $('#reason').value.trim() } : {}),
    };
    if (verdict === 'reject' && !body.reason) return answer(false, 'Refused: a rejection needs a reason.');
    const res = await fetch(mode === 'decide' ? 'api/decide' : 'api/command', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-desk-token': token },
      body: JSON.stringify(body),
    });
    const out = await res.json().catch(() => ({ accepted: false, why: `${res.status}` }));
    if (out.command) return answer(true, 'Run this to send the decision, signed with your key:', out.command);
    if (!out.accepted) return answer(false, `Refused: ${out.why}`);
    answer(true, out.message);
    for (const b of $$('#decision button')) b.disabled = true;
  }
  $('#approve').addEventListener('click', () => decide('approve').catch((e) => answer(false, String(e))));
  $('#reject').addEventListener('click', () => decide('reject').catch((e) => answer(false, String(e))));
})();
