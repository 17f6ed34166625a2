// Stepstream console: vanilla JavaScript, no build step, no external URLs.
// Everything shown is built with DOM nodes and textContent (never innerHTML): payloads are user data.
'use strict';

(function () {
  const STATUSES = ['RUNNING', 'WAITING', 'PARKED', 'COMPLETED', 'FAILED', 'CANCELLED', 'TERMINATED'];
  const TOKEN_KEY = 'stepstream.token';
  const DEV_NAME_KEY = 'stepstream.devName';
  const PAGE = 50;

  const state = {
    me: null,
    view: null,
    runs: { cursor: null, cursors: [] },
    runId: null,
    approvalsCursor: null,
    dlqCursor: null,
    live: null,
    refreshTimer: null,
  };

  // ---- small helpers ----
  const $ = (id) => document.getElementById(id);

  /** el('td', {class: 'x', dataset: {runId: 'r'}}, 'text', childNode): children are text or nodes, never HTML. */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'dataset') Object.assign(node.dataset, v);
      else if (k === 'class') node.className = v;
      else if (k.startsWith('on')) node.addEventListener(k.substring(2), v);
      else if (k in node && typeof v !== 'string') node[k] = v;
      else node.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
    return node;
  }

  function pad(n, w = 2) {
    return String(n).padStart(w, '0');
  }

  /** Epoch milliseconds as local "YYYY-MM-DD HH:MM:SS.mmm"; empty for none. */
  function fmtTime(ms) {
    if (ms === null || ms === undefined || ms === 0) return '';
    const d = new Date(ms);
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
  }

  /** The time of day only (the date is in the cell's title): timelines are mostly within a day. */
  function fmtClock(ms) {
    return fmtTime(ms).substring(11);
  }

  function fmtDuration(ms) {
    if (ms === null || ms === undefined) return '';
    if (ms < 1000) return `${ms} ms`;
    if (ms < 60000) return `${(ms / 1000).toFixed(1)} s`;
    if (ms < 3600000) return `${Math.floor(ms / 60000)} min ${Math.round((ms % 60000) / 1000)} s`;
    return `${(ms / 3600000).toFixed(1)} h`;
  }

  /** A Value ({encoding, json, text, bytes}) as text: pretty JSON when it is JSON. */
  function fmtValue(v) {
    if (v === null || v === undefined) return '';
    if (typeof v !== 'object') return String(v);
    if (v.json !== undefined && v.json !== null) return JSON.stringify(v.json, null, 2);
    if (v.text !== undefined && v.text !== null) return String(v.text);
    if (v.encoding !== undefined || v.bytes !== undefined) return `(${v.encoding || 'binary'}, ${v.bytes || 0} bytes)`;
    return JSON.stringify(v, null, 2);
  }

  function fmtError(e) {
    if (!e) return '';
    return [e.type, e.message].filter(Boolean).join(': ') + (e.details ? `\n${e.details}` : '');
  }

  function statusBadge(status) {
    return el('span', { class: `status ${status || ''}`, dataset: { status: status || '' } }, status || '?');
  }

  function flash(text, bad) {
    const f = $('flash');
    f.textContent = text;
    f.className = bad ? 'flash bad' : 'flash';
    f.hidden = false;
    clearTimeout(flash.timer);
    flash.timer = setTimeout(() => { f.hidden = true; }, bad ? 12000 : 5000);
  }

  function showError(id, err) {
    const p = $(id);
    if (!err) {
      p.hidden = true;
      p.textContent = '';
      return;
    }
    p.textContent = err.message || String(err);
    p.hidden = false;
  }

  // ---- the API ----
  function credentials() {
    const h = {};
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (token) h['Authorization'] = `Bearer ${token}`;
    const dev = sessionStorage.getItem(DEV_NAME_KEY);
    if (dev) h['X-Stepstream-User'] = dev;
    return h;
  }

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  async function api(path, options) {
    const opts = options || {};
    const headers = Object.assign({ Accept: 'application/json' }, credentials());
    let body;
    if (opts.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(opts.body);
    }
    const res = await fetch(path, { method: opts.method || 'GET', headers, body, cache: 'no-store' });
    const text = await res.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (e) { data = { error: text }; }
    if (!res.ok) {
      const message = (data && data.error) || `${res.status} ${res.statusText}`;
      if (res.status === 401 && !opts.quiet) {
        signOut(message);
      }
      throw new ApiError(res.status, message);
    }
    return data;
  }

  function qs(params) {
    const parts = [];
    for (const [k, v] of Object.entries(params)) {
      if (v === null || v === undefined || v === '') continue;
      parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(v)}`);
    }
    return parts.length ? `?${parts.join('&')}` : '';
  }

  const enc = encodeURIComponent;

  // ---- sign-in ----
  async function start() {
    buildStatusFilters();
    wire();
    if (sessionStorage.getItem(TOKEN_KEY) || sessionStorage.getItem(DEV_NAME_KEY)) {
      try {
        await signedIn(await api('/api/whoami', { quiet: true }));
        return;
      } catch (e) {
        sessionStorage.removeItem(TOKEN_KEY);
        sessionStorage.removeItem(DEV_NAME_KEY);
        showSignIn(e.message);
        return;
      }
    }
    showSignIn(null);
  }

  async function showSignIn(message) {
    state.me = null;
    stopLive();
    $('nav').hidden = true;
    $('whoami').hidden = true;
    $('signout').hidden = true;
    showError('signin-error', message ? new Error(message) : null);
    showView('signin');
    // whoami without credentials: answers (as "anonymous") only in dev mode
    try {
      const res = await fetch('/api/whoami', { cache: 'no-store' });
      const data = await res.json().catch(() => ({}));
      if (res.ok) {
        $('signin-dev-form').hidden = false;
        $('signin-auth').textContent = `This engine: ${data.auth}`;
      } else {
        $('signin-dev-form').hidden = true;
        $('signin-auth').textContent = data.error || '';
      }
    } catch (e) {
      $('signin-auth').textContent = `The engine does not answer: ${e.message}`;
    }
  }

  function signOut(message) {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(DEV_NAME_KEY);
    showSignIn(message);
  }

  async function signInWith(store) {
    store();
    try {
      await signedIn(await api('/api/whoami', { quiet: true }));
    } catch (e) {
      sessionStorage.removeItem(TOKEN_KEY);
      sessionStorage.removeItem(DEV_NAME_KEY);
      showError('signin-error', e);
    }
  }

  async function signedIn(me) {
    state.me = me;
    $('nav').hidden = false;
    const who = $('whoami');
    who.textContent = `${me.name}${me.verified ? '' : ' (unverified)'}${me.admin ? ' · admin' : ''}`;
    who.title = me.auth || '';
    who.dataset.user = me.name;
    who.hidden = false;
    $('signout').hidden = false;
    $('approvals-me').textContent = me.name;
    startLive();
    if (!location.hash || location.hash === '#/signin') location.hash = '#/runs';
    else route();
  }

  // ---- views ----
  function showView(name) {
    state.view = name;
    for (const v of document.querySelectorAll('.view')) v.hidden = v.id !== `view-${name}`;
    for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', a.dataset.view === name || (name === 'run' && a.dataset.view === 'runs'));
    document.body.dataset.view = name;
  }

  function route() {
    if (!state.me) return;
    const hash = location.hash || '#/runs';
    const m = hash.match(/^#\/runs\/(.+)$/);
    if (m) {
      state.runId = decodeURIComponent(m[1]);
      showView('run');
      loadRun();
    } else if (hash.startsWith('#/approvals')) {
      showView('approvals');
      state.approvalsCursor = null;
      loadApprovals();
    } else if (hash.startsWith('#/dlq')) {
      showView('dlq');
      state.dlqCursor = null;
      loadDlq();
    } else {
      showView('runs');
      loadRuns();
    }
  }

  // ---- runs ----
  function buildStatusFilters() {
    const box = $('runs-status');
    for (const s of STATUSES) {
      box.append(el('label', {}, el('input', { type: 'checkbox', value: s, id: `runs-status-${s}`, dataset: { status: s } }), s));
    }
  }

  function localToMs(value) {
    if (!value) return null;
    const t = new Date(value).getTime();
    return Number.isNaN(t) ? null : t;
  }

  function runsQuery(cursor) {
    const statuses = [...document.querySelectorAll('#runs-status input:checked')].map((i) => i.value);
    return qs({
      status: statuses.join(','),
      type: $('runs-type').value.trim(),
      q: $('runs-q').value.trim(),
      since: localToMs($('runs-since').value),
      until: localToMs($('runs-until').value),
      limit: PAGE,
      cursor,
    });
  }

  async function loadRuns() {
    const cursor = state.runs.cursor;
    try {
      const page = await api(`/api/runs${runsQuery(cursor)}`);
      showError('runs-error', null);
      renderRuns(page.runs || []);
      state.runs.next = page.nextCursor || null;
      $('runs-next').disabled = !state.runs.next;
      $('runs-first').disabled = !cursor;
    } catch (e) {
      if (e.status !== 401) showError('runs-error', e);
    }
  }

  function renderRuns(runs) {
    const body = clear($('runs-body'));
    $('runs-empty').hidden = runs.length > 0;
    for (const r of runs) {
      const waiting = r.waitKind ? `${r.waitKind}${r.waitName ? ` ${r.waitName}` : ''}${r.wakeAt ? ` until ${fmtTime(r.wakeAt)}` : ''}` : (r.parkedReason || '');
      body.append(el('tr', { class: 'run-row', dataset: { runId: r.runId, status: r.status } },
        el('td', {}, el('a', { href: `#/runs/${enc(r.runId)}`, class: 'run-link', dataset: { runId: r.runId } }, r.runId)),
        el('td', {}, r.workflowType || ''),
        el('td', { class: 'run-status' }, statusBadge(r.status)),
        el('td', {}, waiting),
        el('td', {}, fmtTime(r.createdAt)),
        el('td', {}, fmtTime(r.updatedAt))));
    }
  }

  // ---- one run ----
  async function loadRun() {
    const runId = state.runId;
    $('run-id').textContent = runId;
    let d;
    let h;
    try {
      [d, h] = await Promise.all([api(`/api/runs/${enc(runId)}`), api(`/api/runs/${enc(runId)}/history`)]);
    } catch (e) {
      if (e.status !== 401) showError('run-error-msg', e);
      return;
    }
    if (state.runId !== runId) return; // another run was opened meanwhile
    showError('run-error-msg', null);
    renderRun(d, h);
  }

  function renderRun(d, h) {
    const badge = $('run-status');
    badge.className = `status ${d.status}`;
    badge.textContent = d.status;
    badge.dataset.status = d.status;
    const rows = [
      ['Type', d.workflowType],
      ['Created', fmtTime(d.createdAt)],
      ['Updated', fmtTime(d.updatedAt)],
      ['Finished', fmtTime(d.finishedAt)],
      ['Waiting for', d.waitKind ? `${d.waitKind}${d.waitName ? ` ${d.waitName}` : ''}${d.wakeAt ? ` until ${fmtTime(d.wakeAt)}` : ''}` : ''],
      ['Parked because', d.parkedReason],
      ['Current step', d.currentStep ? `${d.currentStep} (attempts: ${d.attempts || 0})` : ''],
      ['Generation', d.generation],
      ['Journal entries', d.entryCount],
      ['Cancel requested', d.cancelRequested ? 'yes' : ''],
      ['Parent run', d.parentRunId],
      ['Served by', d.servedBy],
    ];
    const dl = clear($('run-summary'));
    for (const [k, v] of rows) {
      if (v === null || v === undefined || v === '') continue;
      dl.append(el('dt', {}, k), el('dd', { dataset: { field: k.toLowerCase().replace(/ /g, '-') } }, String(v)));
    }
    if (d.parentRunId) {
      const dd = dl.querySelector('[data-field="parent-run"]');
      clear(dd).append(el('a', { href: `#/runs/${enc(d.parentRunId)}` }, d.parentRunId));
    }
    $('run-input').textContent = fmtValue(d.input);
    $('run-result').textContent = fmtValue(d.result);
    $('run-error-box').hidden = !d.error;
    $('run-error').textContent = fmtError(d.error);

    const entries = (h && h.entries) || [];
    const body = clear($('timeline-body'));
    const steps = [];
    for (const e of entries) {
      const kind = e.kind || '';
      const isWait = /WAIT|SLEEP|APPROVAL|SIGNAL|PROMISE|CHILD/.test(kind);
      const isStep = kind === 'STEP' || kind === 'STEP_ATTEMPT';
      if (kind === 'STEP' && !steps.includes(e.name)) steps.push(e.name);
      const value = e.error ? fmtError(e.error) : fmtValue(e.value);
      body.append(el('tr', { class: `entry${e.succeeded === false ? ' failed' : ''}${isWait ? ' wait' : ''}${isStep ? ' step' : ''}`,
        dataset: { entry: e.name, kind } },
        el('td', {}, e.name, e.dueAt ? el('div', { class: 'muted small' }, `due ${fmtTime(e.dueAt)}`) : null),
        el('td', {}, kind),
        el('td', {}, e.attempt ? String(e.attempt) : ''),
        el('td', { title: fmtTime(e.startedAt) }, fmtClock(e.startedAt)),
        el('td', { title: fmtTime(e.recordedAt) }, fmtClock(e.recordedAt)),
        el('td', {}, fmtDuration(e.durationMs)),
        el('td', {}, el('pre', {}, value))));
    }
    if (!entries.length) body.append(el('tr', {}, el('td', { colspan: 7, class: 'muted' }, 'No journal entries yet.')));

    const select = clear($('run-restart-step'));
    for (const s of steps) select.append(el('option', { value: s }, s));
    const final = ['COMPLETED', 'FAILED', 'CANCELLED', 'TERMINATED'].includes(d.status);
    const admin = state.me && state.me.admin;
    $('run-terminate').disabled = !admin || final;
    $('run-cancel').disabled = !admin || final;
    $('run-resume').disabled = !admin || d.status !== 'PARKED';
    $('run-restart').disabled = !admin || steps.length === 0;
    select.disabled = !admin || steps.length === 0;
    $('run-actions-note').textContent = admin ? 'Each operation is audited with your name and the reason.' : (state.me.adminProblem || 'Admin operations need an admin group.');
  }

  const OPS = {
    terminate: { title: 'Terminate this run?', text: 'It stops now, whatever it is doing, and ends TERMINATED. Steps already done are not undone.' },
    cancel: { title: 'Cancel this run?', text: 'It is asked to stop: a waiting or parked run ends CANCELLED, compensations run.' },
    resume: { title: 'Resume this parked run?', text: 'It is dispatched again (after the cause of parking is fixed).' },
    restart: { title: 'Restart from a step?', text: '' },
  };

  function confirmOp(op) {
    const runId = state.runId;
    const step = $('run-restart-step').value;
    const info = OPS[op];
    $('confirm-title').textContent = info.title;
    $('confirm-text').textContent = op === 'restart'
      ? `Run ${runId} keeps its journal up to step "${step}"; that step and everything after it run again with the current code.`
      : `Run ${runId}: ${info.text}`;
    $('confirm-reason').value = '';
    const dialog = $('confirm-dialog');
    dialog.dataset.op = op;
    dialog.returnValue = '';
    dialog.showModal();
    $('confirm-reason').focus();
  }

  async function doOp(op) {
    const runId = state.runId;
    const reason = $('confirm-reason').value.trim();
    const body = op === 'resume' ? {} : op === 'restart' ? { fromStep: $('run-restart-step').value, reason } : { reason };
    try {
      const answer = await api(`/api/admin/runs/${enc(runId)}/${op}`, { method: 'POST', body });
      flash(`${op} of run ${runId} requested${answer && answer.commandId ? ` (command ${answer.commandId})` : ''}`);
      setTimeout(() => { if (state.view === 'run') loadRun(); }, 500);
    } catch (e) {
      if (e.status !== 401) flash(`${op} of run ${runId} refused: ${e.message}`, true);
    }
  }

  // ---- approvals ----
  async function loadApprovals(more) {
    try {
      const page = await api(`/api/approvals${qs({ limit: PAGE, cursor: more ? state.approvalsCursor : null })}`);
      showError('approvals-error', null);
      renderApprovals(page.approvals || [], more);
      state.approvalsCursor = page.nextCursor || null;
      $('approvals-next').hidden = !state.approvalsCursor;
    } catch (e) {
      if (e.status !== 401) showError('approvals-error', e);
    }
  }

  function renderApprovals(list, append) {
    const box = $('approvals-list');
    if (!append) {
      // keep what someone is typing: cards whose approval is still pending stay as they are
      const keep = new Map();
      for (const card of box.querySelectorAll('.approval')) keep.set(card.dataset.key, card);
      clear(box);
      for (const a of list) {
        const key = `${a.runId}\u0000${a.approvalName}`;
        box.append(keep.get(key) || approvalCard(a, key));
      }
    } else {
      for (const a of list) box.append(approvalCard(a, `${a.runId}\u0000${a.approvalName}`));
    }
    $('approvals-empty').hidden = box.children.length > 0;
    const badge = $('approvals-count');
    badge.textContent = String(box.children.length);
    badge.hidden = box.children.length === 0;
  }

  function approvalCard(a, key) {
    const details = a.details && a.details.json !== undefined ? JSON.stringify(a.details.json, null, 2) : fmtValue(a.details);
    const edited = el('textarea', { class: 'approval-payload', rows: 6, spellcheck: false, 'aria-label': 'edited payload (JSON)' });
    edited.value = details;
    const comment = el('input', { type: 'text', class: 'approval-comment', placeholder: 'comment / reason', 'aria-label': 'comment' });
    const result = el('p', { class: 'result small' });
    const who = [];
    if (a.allowedApprovers && a.allowedApprovers.length) who.push(`approvers: ${a.allowedApprovers.join(', ')}`);
    if (a.allowedGroups && a.allowedGroups.length) who.push(`groups: ${a.allowedGroups.join(', ')}`);
    const card = el('div', { class: 'card approval', dataset: { key, runId: a.runId, approval: a.approvalName } },
      el('h2', {}, a.subject || a.approvalName),
      el('div', { class: 'meta' },
        el('a', { href: `#/runs/${enc(a.runId)}`, class: 'run-link' }, a.runId), ` · ${a.workflowType || ''} · ${a.approvalName}`,
        a.requestedAt ? ` · asked ${fmtTime(a.requestedAt)}` : '',
        a.deadline ? ` · deadline ${fmtTime(a.deadline)}` : '',
        who.length ? ` · ${who.join('; ')}` : ''),
      el('label', {}, 'Details (edit to approve with changes)'), edited, comment,
      el('div', { class: 'buttons' },
        el('button', { type: 'button', class: 'danger approval-reject', onclick: () => decide(card, false) }, 'Reject'),
        el('button', { type: 'button', class: 'secondary approval-approve-changes', onclick: () => decide(card, true, true) }, 'Approve with changes'),
        el('button', { type: 'button', class: 'approval-approve', onclick: () => decide(card, true, false) }, 'Approve')),
      result);
    card.dataset.original = details;
    return card;
  }

  async function decide(card, approved, withChanges) {
    const result = card.querySelector('.result');
    const body = {
      runId: card.dataset.runId,
      approvalName: card.dataset.approval,
      approved,
      comment: card.querySelector('.approval-comment').value.trim() || null,
    };
    if (withChanges) {
      const text = card.querySelector('.approval-payload').value;
      try {
        body.editedPayload = JSON.parse(text);
      } catch (e) {
        result.textContent = `The edited payload is not JSON: ${e.message}`;
        result.className = 'result small error';
        return;
      }
    }
    for (const b of card.querySelectorAll('button')) b.disabled = true;
    try {
      await api('/api/decisions', { method: 'POST', body });
      card.dataset.decided = approved ? (withChanges ? 'approved-with-changes' : 'approved') : 'rejected';
      result.textContent = `Sent: ${approved ? (withChanges ? 'approved with changes' : 'approved') : 'rejected'} by ${state.me.name}. The run shows what the engine decided.`;
      result.className = 'result small';
      flash(`Decision on ${body.approvalName} of run ${body.runId} sent`);
    } catch (e) {
      for (const b of card.querySelectorAll('button')) b.disabled = false;
      result.textContent = `Not sent: ${e.message}`;
      result.className = 'result small error';
    }
  }

  // ---- dead letters ----
  async function loadDlq(more) {
    try {
      const page = await api(`/api/admin/dlq${qs({ limit: PAGE, runId: $('dlq-run').value.trim(), code: $('dlq-code').value.trim(), cursor: more ? state.dlqCursor : null })}`);
      showError('dlq-error', null);
      renderDlq(page.deadLetters || [], more);
      state.dlqCursor = page.nextCursor || null;
      $('dlq-next').hidden = !state.dlqCursor;
    } catch (e) {
      if (e.status !== 401) showError('dlq-error', e);
    }
  }

  function renderDlq(list, append) {
    const body = $('dlq-body');
    const selected = new Set([...body.querySelectorAll('input.dlq-select:checked')].map((i) => i.value));
    if (!append) clear(body);
    for (const d of list) {
      const id = `${d.partition}:${d.offset}`;
      body.append(el('tr', { class: 'dlq-row', dataset: { partition: d.partition, offset: d.offset, runId: d.runId || '', redriven: d.redriven ? 'true' : 'false' } },
        el('td', {}, el('input', { type: 'checkbox', class: 'dlq-select', value: id, checked: selected.has(id) && d.redrivable !== false,
          disabled: d.redrivable === false, title: d.notRedrivable || null, 'aria-label': `select ${id}` })),
        el('td', {}, fmtTime(d.failedAt), el('div', { class: 'muted small' }, `#${d.partition}@${d.offset}`)),
        el('td', {}, d.runId ? el('a', { href: `#/runs/${enc(d.runId)}` }, d.runId) : ''),
        el('td', {}, el('strong', {}, d.errorType || ''), el('div', {}, d.errorMessage || '')),
        el('td', {}, d.sourceTopic ? `${d.sourceTopic}-${d.sourcePartition}@${d.sourceOffset}` : ''),
        el('td', {}, el('pre', {}, fmtValue(d.value))),
        el('td', {}, d.redriven ? 'yes' : '', d.notRedrivable ? el('div', { class: 'muted small' }, `not redrivable: ${d.notRedrivable}`) : null)));
    }
    $('dlq-empty').hidden = body.children.length > 0;
  }

  async function redrive() {
    const records = [...document.querySelectorAll('#dlq-body input.dlq-select:checked')].map((i) => {
      const [partition, offset] = i.value.split(':');
      return { partition: Number(partition), offset: Number(offset) };
    });
    if (!records.length) {
      $('dlq-result').textContent = 'Select the dead letters to redrive first.';
      return;
    }
    try {
      const answer = await api('/api/admin/dlq/redrive', { method: 'POST', body: { records } });
      const ok = (answer.redriven || []).map((r) => `#${r.partition}@${r.offset} to ${r.toTopic}`);
      const refused = (answer.refused || []).map((r) => `#${r.partition}@${r.offset}: ${r.reason}`);
      $('dlq-result').textContent = `Redriven: ${ok.join(', ') || 'none'}${refused.length ? `. Refused: ${refused.join('; ')}` : ''}`;
      $('dlq-result').dataset.redriven = String(ok.length);
      loadDlq();
    } catch (e) {
      if (e.status !== 401) $('dlq-result').textContent = `Redrive refused: ${e.message}`;
    }
  }

  // ---- live updates ----
  // fetch() and a stream reader rather than EventSource: EventSource cannot send the Authorization header.
  function startLive() {
    stopLive();
    const controller = new AbortController();
    state.live = { controller, retry: 1000 };
    connectLive(state.live);
  }

  function stopLive() {
    if (state.live) state.live.controller.abort();
    state.live = null;
    setLive('off');
  }

  function setLive(s) {
    const badge = $('live-status');
    badge.dataset.state = s;
    badge.textContent = `live: ${s}`;
    badge.className = `live ${s === 'on' ? 'on' : 'off'}`;
  }

  async function connectLive(live) {
    while (state.live === live) {
      try {
        const res = await fetch('/api/live', { headers: credentials(), signal: live.controller.signal, cache: 'no-store' });
        if (res.status === 401) {
          signOut((await res.json().catch(() => ({}))).error);
          return;
        }
        if (!res.ok || !res.body) throw new Error(`live: ${res.status}`);
        const reader = res.body.getReader();
        const decoder = new TextDecoder();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += decoder.decode(value, { stream: true });
          let cut;
          while ((cut = buffer.indexOf('\n\n')) >= 0) {
            const message = buffer.substring(0, cut);
            buffer = buffer.substring(cut + 2);
            onLiveMessage(message, live);
          }
        }
      } catch (e) {
        if (live.controller.signal.aborted) return;
      }
      if (state.live !== live) return;
      setLive('reconnecting');
      // reloads what is shown (events may have been missed while disconnected)
      scheduleRefresh();
      await new Promise((r) => setTimeout(r, live.retry));
      live.retry = Math.min(live.retry * 2, 30000);
    }
  }

  function onLiveMessage(message, live) {
    let event = 'message';
    const data = [];
    for (const line of message.split('\n')) {
      if (line.startsWith(':')) continue;
      if (line.startsWith('event:')) event = line.substring(6).trim();
      else if (line.startsWith('data:')) data.push(line.substring(5).trimStart());
    }
    if (event === 'ready') {
      live.retry = 1000;
      setLive('on');
      return;
    }
    if (event !== 'audit') return;
    let e;
    try { e = JSON.parse(data.join('\n')); } catch (x) { return; }
    addToFeed(e);
    scheduleRefresh(e);
  }

  function addToFeed(e) {
    const feed = $('live-feed');
    $('live-feed-empty').hidden = true;
    feed.prepend(el('li', { class: 'live-event', dataset: { runId: e.runId, type: e.type } },
      el('span', { class: 't' }, fmtClock(e.timestamp)), ' ',
      el('span', { class: 'ty' }, e.type), ' ',
      el('a', { href: `#/runs/${enc(e.runId)}` }, e.runId),
      e.step ? ` · ${e.step}` : ''));
    while (feed.children.length > 100) feed.removeChild(feed.lastChild);
  }

  /**
   * Reloads the view an event concerns: the run page at most about twice a second, lists (each a
   * query to every instance) at most every 1.5 s, dead letters only on events that can change them.
   */
  function scheduleRefresh(e) {
    if (e && state.view === 'run' && e.runId !== state.runId) return;
    if (e && state.view === 'dlq' && !/REJECTED|REDRIVEN|UNDECODABLE|INVALID/.test(e.type || '')) return;
    if (state.refreshTimer) return;
    state.refreshTimer = setTimeout(() => {
      state.refreshTimer = null;
      if (!state.me) return;
      if (state.view === 'runs') loadRuns();
      else if (state.view === 'run') loadRun();
      else if (state.view === 'approvals') loadApprovals();
      else if (state.view === 'dlq') loadDlq();
    }, state.view === 'run' ? 400 : 1500);
  }

  // ---- wiring ----
  function wire() {
    $('signin-jwt-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      const token = $('signin-token').value.trim();
      if (!token) return;
      signInWith(() => {
        sessionStorage.removeItem(DEV_NAME_KEY);
        sessionStorage.setItem(TOKEN_KEY, token);
      });
    });
    $('signin-dev-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      const name = $('signin-name').value.trim();
      if (!name) return;
      signInWith(() => {
        sessionStorage.removeItem(TOKEN_KEY);
        sessionStorage.setItem(DEV_NAME_KEY, name);
      });
    });
    $('signout').addEventListener('click', () => signOut(null));
    $('runs-filters').addEventListener('submit', (ev) => {
      ev.preventDefault();
      state.runs.cursor = null;
      state.runs.cursors = [];
      loadRuns();
    });
    $('runs-reset').addEventListener('click', () => {
      $('runs-filters').reset();
      state.runs.cursor = null;
      state.runs.cursors = [];
      loadRuns();
    });
    $('runs-next').addEventListener('click', () => {
      if (!state.runs.next) return;
      state.runs.cursors.push(state.runs.cursor);
      state.runs.cursor = state.runs.next;
      loadRuns();
    });
    $('runs-first').addEventListener('click', () => {
      state.runs.cursor = null;
      state.runs.cursors = [];
      loadRuns();
    });
    for (const b of document.querySelectorAll('#run-actions button[data-op]')) {
      b.addEventListener('click', () => confirmOp(b.dataset.op));
    }
    $('confirm-cancel').addEventListener('click', () => $('confirm-dialog').close('cancel'));
    $('confirm-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      const dialog = $('confirm-dialog');
      dialog.close('ok');
      doOp(dialog.dataset.op);
    });
    $('approvals-next').addEventListener('click', () => loadApprovals(true));
    $('dlq-filters').addEventListener('submit', (ev) => {
      ev.preventDefault();
      state.dlqCursor = null;
      loadDlq();
    });
    $('dlq-next').addEventListener('click', () => loadDlq(true));
    $('dlq-all').addEventListener('change', (ev) => {
      for (const i of document.querySelectorAll('#dlq-body input.dlq-select:not(:disabled)')) i.checked = ev.target.checked;
    });
    $('dlq-redrive').addEventListener('click', redrive);
    window.addEventListener('hashchange', route);
  }

  document.addEventListener('DOMContentLoaded', start);
})();
