// The Snapshots tab: per service, its breakpoints (enable, disable, delete) and kill switch; the captured
// snapshots with variables, stack, request context and what was redacted.
import { $, api, esc, formatTime } from './dom.mjs';
import { renderTree } from './variable-tree.mjs';

export class SnapshotsView {
  constructor() {
    this.breakpoints = $('#breakpoints');
    this.list = $('#snapshots');
    this.selected = undefined;
    this.snapshots = [];
    this.breakpoints.addEventListener('change', (e) => this.onChange(e));
    this.breakpoints.addEventListener('click', (e) => this.onClick(e));
    this.list.addEventListener('click', (e) => {
      const row = e.target.closest('[data-snapshot]');
      if (row) {
        this.selected = row.dataset.snapshot;
        this.renderSnapshots();
      }
    });
  }

  async refresh() {
    const [{ services }, { snapshots }] = await Promise.all([api('/api/breakpoints'), api('/api/snapshots?limit=100')]);
    this.snapshots = snapshots;
    if (!this.selected || !snapshots.some((s) => s.id === this.selected)) this.selected = snapshots[0]?.id;
    this.renderBreakpoints(services);
    this.renderSnapshots();
  }

  renderBreakpoints(services) {
    if (services.length === 0) {
      this.breakpoints.innerHTML = '<h3>Breakpoints</h3><p class="empty">No service has registered a breakpoint yet. Call <code>captureSnapshot(\'label\', vars)</code> in your code.</p>';
      return;
    }
    this.breakpoints.innerHTML =
      '<h3>Breakpoints</h3>' +
      services
        .map(
          (s) =>
            `<div class="service-block" data-service="${esc(s.service)}"><div class="service-head"><b>${esc(s.service)}</b>` +
            `<label class="switch${s.kill_switch ? ' on' : ''}" title="Stops every capture in this service"><input type="checkbox" class="kill-switch" ${s.kill_switch ? 'checked' : ''}> kill switch${s.kill_switch ? ' ON' : ''}</label></div>` +
            (s.breakpoints.length === 0
              ? '<p class="muted">no breakpoints</p>'
              : `<table class="bp-table"><thead><tr><th>On</th><th>Label</th><th>Location</th><th>Condition</th><th class="num">Captures</th><th></th></tr></thead><tbody>${s.breakpoints
                  .map(
                    (bp) =>
                      `<tr data-bp="${esc(bp.id)}" class="${bp.enabled ? 'enabled' : 'disabled'}"><td><input type="checkbox" class="bp-toggle" aria-label="enable ${esc(bp.label)}" ${bp.enabled ? 'checked' : ''}></td>` +
                      `<td><b>${esc(bp.label || '(no label)')}</b></td><td class="muted">${esc(bp.function_name || '')} ${esc(shortPath(bp.file_path))}:${bp.line_number}</td>` +
                      `<td><input class="bp-condition" placeholder="always" size="14" value="${esc(bp.condition || '')}" title="e.g. user.plan == &quot;pro&quot;; evaluated by the agent"></td>` +
                      `<td class="num">${bp.capture_count} / ${bp.max_captures}</td><td><button class="link danger bp-delete" title="Delete">delete</button></td></tr>`,
                  )
                  .join('')}</tbody></table>`) +
            '</div>',
        )
        .join('');
  }

  renderSnapshots() {
    const items = this.snapshots
      .map((s) => `<li data-snapshot="${esc(s.id)}" class="${s.id === this.selected ? 'selected' : ''}"><b>${esc(s.label || s.breakpoint_id)}</b> <span class="muted">${esc(s.service_name)} · ${formatTime(Date.parse(s.captured_at || s.received_at))}</span>${(s.security_flags ?? []).length > 0 ? ` <span class="badge warn">${s.security_flags.length} redacted</span>` : ''}</li>`)
      .join('');
    const snap = this.snapshots.find((s) => s.id === this.selected);
    this.list.innerHTML =
      '<h3>Captured snapshots</h3>' +
      (items === '' ? '<p class="empty">No snapshots captured yet. Enable a breakpoint, then run the code that calls <code>captureSnapshot</code>.</p>' : `<ul class="snap-list">${items}</ul>`) +
      (snap ? renderSnapshot(snap) : '');
  }

  async onChange(e) {
    const row = e.target.closest('[data-bp]');
    try {
      if (e.target.classList.contains('bp-toggle') && row) {
        await api(`/api/breakpoints/${encodeURIComponent(row.dataset.bp)}`, { method: 'PATCH', json: { enabled: e.target.checked } });
      } else if (e.target.classList.contains('bp-condition') && row) {
        await api(`/api/breakpoints/${encodeURIComponent(row.dataset.bp)}`, { method: 'PATCH', json: { condition: e.target.value.trim() } });
      } else if (e.target.classList.contains('kill-switch')) {
        const service = e.target.closest('[data-service]').dataset.service;
        await api(`/api/kill-switch/${encodeURIComponent(service)}`, { method: 'PUT', json: { enabled: e.target.checked } });
      }
    } finally {
      this.refresh();
    }
  }

  async onClick(e) {
    if (!e.target.classList.contains('bp-delete')) return;
    const row = e.target.closest('[data-bp]');
    await api(`/api/breakpoints/${encodeURIComponent(row.dataset.bp)}`, { method: 'DELETE' }).catch(() => {});
    this.refresh();
  }
}

function shortPath(path) {
  const parts = String(path || '').split('/');
  return parts.slice(-2).join('/');
}

function renderSnapshot(s) {
  const flags = (s.security_flags ?? []).map((f) => `<li><mark class="redacted">${esc(f.type)}</mark> <span class="muted">${esc(f.severity ?? '')}</span> ${esc(f.variable ?? '')}</li>`).join('');
  const ctx = s.request_context;
  const ctxTable = ctx
    ? `<table class="kv">${['method', 'path', 'url', 'ip', 'user_agent'].filter((k) => ctx[k] !== undefined).map((k) => `<tr><th>${k}</th><td>${esc(String(ctx[k]))}</td></tr>`).join('')}</table>` +
      (ctx.query && Object.keys(ctx.query).length ? `<h5>Query</h5>${renderTree(ctx.query, 1)}` : '') +
      (ctx.headers && Object.keys(ctx.headers).length ? `<h5>Headers</h5>${renderTree(ctx.headers, 1)}` : '')
    : '<p class="muted">no request (captured outside a request)</p>';
  const stack = Array.isArray(s.stack_trace) ? s.stack_trace.map((f) => (typeof f === 'string' ? f : `at ${f.function ?? f.function_name ?? '?'} (${f.file ?? f.file_path ?? '?'}:${f.line ?? f.line_number ?? '?'})`)).join('\n') : String(s.stack_trace ?? '');
  return (
    `<div class="snapshot" data-snapshot-detail="${esc(s.id)}"><div class="snap-head"><b>${esc(s.label || '')}</b> <span class="muted">${esc(s.function_name || '')} ${esc(shortPath(s.file_path))}:${s.line_number ?? ''} · captured ${esc(s.captured_at ?? '')}</span>` +
    (s.trace_id ? ` <a href="#" class="trace-link" data-trace-link="${esc(s.trace_id)}">trace ${esc(s.trace_id.slice(0, 8))}…</a>` : '') +
    `</div><h4>Variables</h4><div class="vars">${renderTree(s.variables ?? {})}</div>` +
    (flags ? `<h4>Redacted</h4><ul class="flags">${flags}</ul>` : '') +
    `<h4>Request</h4>${ctxTable}<h4>Stack</h4><pre class="stack">${esc(stack)}</pre></div>`
  );
}
