/**
 * The dashboard's only client script, served at `/dashboard/assets/dashboard.js` (plain
 * hand-written JavaScript, no build step; the CSP allows scripts from the server only).
 *
 * - The approvals queue subscribes to `/dashboard/approvals/stream` (SSE): new requests arrive as
 *   rows the server rendered (and escaped), decided or expired ones disappear, without a reload.
 * - Approve/reject forms post with `fetch` and stay on the page; without JavaScript they post
 *   normally and the server redirects back.
 */
export const DASHBOARD_SCRIPT: string = `'use strict';
(() => {
  const queue = document.getElementById('approval-queue');
  const flash = document.getElementById('flash');

  function say(text, kind) {
    if (!flash) return;
    flash.textContent = text;
    flash.className = 'notice ' + (kind || 'info');
    flash.hidden = false;
  }

  function rows() {
    return queue ? Array.from(queue.querySelectorAll('[data-approval-id]')) : [];
  }

  function refreshCount() {
    if (!queue) return;
    const count = rows().length;
    for (const element of document.querySelectorAll('[data-pending-count]')) element.textContent = String(count);
    const empty = document.getElementById('approval-empty');
    if (empty) empty.hidden = count > 0;
  }

  function findRow(id) {
    return rows().find((row) => row.dataset.approvalId === id);
  }

  // The server renders (and escapes) every row; we only place it.
  function fragment(html) {
    const template = document.createElement('template');
    template.innerHTML = html;
    return template.content.firstElementChild;
  }

  function upsert(id, html, atTop) {
    if (!queue || findRow(id)) return;
    const row = fragment(html);
    if (!row) return;
    if (atTop) queue.prepend(row);
    else queue.append(row);
    refreshCount();
  }

  // A decided request joins "Latest decisions" (once, newest first).
  function addDecision(id, html) {
    const table = document.getElementById('recent-approvals');
    const body = table && table.tBodies[0];
    if (!body || !html) return;
    for (const row of body.querySelectorAll('[data-decided-id]')) if (row.dataset.decidedId === id) row.remove();
    const template = document.createElement('template');
    template.innerHTML = html;
    const row = template.content.querySelector('tr');
    if (!row) return;
    body.prepend(row);
    table.hidden = false;
    const empty = document.getElementById('recent-empty');
    if (empty) empty.hidden = true;
  }

  function remove(id, status) {
    const row = findRow(id);
    if (!row) return;
    row.remove();
    refreshCount();
    if (status) say('Approval ' + id + ' is now ' + status + '.', status === 'approved' ? 'ok' : 'info');
  }

  if (queue && typeof EventSource === 'function') {
    const live = document.getElementById('live-state');
    const setState = (state, text) => {
      if (!live) return;
      live.dataset.state = state;
      live.textContent = text;
    };
    const source = new EventSource(queue.dataset.stream);
    source.addEventListener('snapshot', (event) => {
      const data = JSON.parse(event.data);
      const pending = new Set(data.approvals.map((approval) => approval.id));
      for (const row of rows()) if (!pending.has(row.dataset.approvalId)) row.remove();
      for (const approval of data.approvals) upsert(approval.id, approval.html, false);
      refreshCount();
      setState('live', 'Live');
    });
    source.addEventListener('approval.requested', (event) => {
      const data = JSON.parse(event.data);
      upsert(data.id, data.html, true);
    });
    for (const type of ['approval.decided', 'approval.expired']) {
      source.addEventListener(type, (event) => {
        const data = JSON.parse(event.data);
        addDecision(data.id, data.decision_html);
        remove(data.id, data.status);
      });
    }
    source.addEventListener('signed-out', () => {
      source.close();
      window.location.assign('/dashboard/login');
    });
    source.addEventListener('error', () => setState('reconnecting', 'Reconnecting…'));
  }

  document.addEventListener('submit', async (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || form.dataset.enhance !== 'decide') return;
    event.preventDefault();
    const body = new URLSearchParams(new FormData(form));
    const submitter = event.submitter;
    if (submitter && submitter.name) body.set(submitter.name, submitter.value);
    const buttons = Array.from(form.querySelectorAll('button'));
    for (const button of buttons) button.disabled = true;
    const error = form.querySelector('.error');
    if (error) error.textContent = '';
    try {
      const response = await fetch(form.action, {
        method: 'POST',
        body,
        headers: { accept: 'application/json' },
        credentials: 'same-origin',
      });
      const result = await response.json();
      if (!response.ok) throw new Error(result.error && result.error.message ? result.error.message : 'The decision failed.');
      remove(result.id, result.status);
    } catch (failure) {
      if (error) error.textContent = failure instanceof Error ? failure.message : String(failure);
      for (const button of buttons) button.disabled = false;
    }
  });

  refreshCount();
})();
`
