// The Traces tab: filters, the live list (refetched on each change the feed announces) and the selected
// trace's waterfall with span details.
import { $, api, debounce, esc, formatDuration, formatTime, serviceColor } from './dom.mjs';
import { renderSpanDetails } from './span-details.mjs';
import { renderWaterfall } from './waterfall.mjs';

const LIST_LIMIT = 1000;

export class TracesView {
  constructor(timings) {
    this.timings = timings;
    this.form = $('#filters');
    this.rows = $('#trace-rows');
    this.detail = $('#trace-detail');
    this.selectedTrace = undefined;
    this.selectedSpan = undefined;
    this.trace = undefined;
    this.refreshSoon = debounce(() => this.refresh(), 150, 600);
    this.reloadTraceSoon = debounce(() => this.loadTrace(this.selectedTrace, false), 200, 800);
    this.form.addEventListener('input', debounce(() => this.refresh(), 200));
    this.form.addEventListener('change', () => this.refresh());
    this.form.addEventListener('submit', (e) => e.preventDefault());
    this.form.addEventListener('reset', () => setTimeout(() => this.refresh(), 0));
    $('#clear-traces').addEventListener('click', () => api('/api/traces', { method: 'DELETE' }).catch(() => {}));
    this.rows.addEventListener('click', (e) => {
      const row = e.target.closest('[data-trace]');
      if (row) this.select(row.dataset.trace);
    });
    this.detail.addEventListener('click', (e) => {
      const row = e.target.closest('.wf-row');
      if (row) this.selectSpan(row.dataset.span);
    });
  }

  query() {
    const params = new URLSearchParams({ limit: String(LIST_LIMIT) });
    for (const [key, value] of new FormData(this.form)) if (String(value).trim() !== '') params.set(key, String(value).trim());
    return params;
  }

  async refresh() {
    // Refreshes overlap (a blur's change and the form's reset fire together) and their answers may come back out of
    // order: only the newest one may draw, or an older filter's list would replace the current one.
    const seq = (this.refreshSeq = (this.refreshSeq ?? 0) + 1);
    let result;
    try {
      result = await api(`/api/traces?${this.query()}`);
      if (seq !== this.refreshSeq) return;
      this.form.classList.remove('invalid');
      this.form.title = '';
    } catch (error) {
      if (seq !== this.refreshSeq) return;
      this.form.classList.add('invalid');
      this.form.title = error.message;
      $('#trace-count').textContent = error.message;
      return;
    }
    this.renderList(result);
  }

  renderList(result) {
    const t0 = performance.now();
    const html = [];
    for (const t of result.traces) {
      html.push(
        `<div role="row" data-trace="${t.traceId}" class="tl-row${t.status === 'error' ? ' error' : ''}${t.traceId === this.selectedTrace ? ' selected' : ''}">` +
          `<span class="muted">${formatTime(t.startMs)}</span>` +
          `<span><span class="svc-dot" style="background:${serviceColor(t.service)}"></span>${esc(t.service)}${t.services.length > 1 ? ` <span class="muted">+${t.services.length - 1}</span>` : ''}</span>` +
          `<span class="name">${esc(t.rootName)}</span>` +
          `<span class="num">${formatDuration(t.durationMs)}</span>` +
          `<span class="num">${t.spanCount}</span>` +
          `<span>${t.status === 'error' ? `<span class="badge error">${t.errorCount} error${t.errorCount > 1 ? 's' : ''}</span>` : '<span class="badge ok">ok</span>'}</span></div>`,
      );
    }
    this.rows.innerHTML = html.join('');
    // Reading a layout property makes the browser lay the rows out now, so the timing covers what the user waits for.
    void this.rows.offsetHeight;
    this.timings.listRenderMs = performance.now() - t0;
    this.timings.listRows = result.traces.length;
    $('#traces-empty').hidden = result.traces.length > 0;
    $('#trace-count').textContent = `${result.total} trace${result.total === 1 ? '' : 's'}${result.total > result.traces.length ? ` (showing ${result.traces.length})` : ''}`;
  }

  setServices(services) {
    const select = this.form.elements.service;
    const current = select.value;
    const known = new Set([...select.options].map((o) => o.value));
    for (const service of services) {
      if (!known.has(service)) select.add(new Option(service, service));
    }
    select.value = current;
  }

  select(traceId) {
    this.selectedTrace = traceId;
    this.selectedSpan = undefined;
    for (const row of this.rows.querySelectorAll('.tl-row.selected')) row.classList.remove('selected');
    this.rows.querySelector(`[data-trace="${CSS.escape(traceId)}"]`)?.classList.add('selected');
    this.loadTrace(traceId, true);
  }

  async loadTrace(traceId, pickRoot) {
    if (!traceId) return;
    let trace;
    try {
      trace = await api(`/api/traces/${traceId}`);
    } catch (error) {
      this.detail.innerHTML = `<p class="empty">${esc(error.message)}</p>`;
      return;
    }
    if (traceId !== this.selectedTrace) return;
    this.trace = trace;
    if (pickRoot || !trace.spans.some((s) => s.spanId === this.selectedSpan)) {
      this.selectedSpan = (trace.spans.find((s) => s.status.code === 2) ?? trace.spans[0])?.spanId;
    }
    this.renderTrace();
  }

  renderTrace() {
    const trace = this.trace;
    const t0 = performance.now();
    this.detail.innerHTML =
      `<div class="trace-head"><h3>${esc(trace.rootName)}</h3><span class="muted">${formatDuration(trace.durationMs)} · ${trace.spanCount} spans · ${trace.services.length} service${trace.services.length > 1 ? 's' : ''} · trace ${trace.traceId}</span></div>` +
      `<div class="waterfall">${renderWaterfall(trace, this.selectedSpan)}</div>` +
      `<div class="span-details" id="span-details"></div>`;
    void this.detail.offsetHeight;
    this.timings.waterfallRenderMs = performance.now() - t0;
    this.timings.waterfallSpans = trace.spans.length;
    this.showSpan();
  }

  selectSpan(spanId) {
    this.selectedSpan = spanId;
    for (const row of this.detail.querySelectorAll('.wf-row.selected')) row.classList.remove('selected');
    this.detail.querySelector(`.wf-row[data-span="${CSS.escape(spanId)}"]`)?.classList.add('selected');
    this.showSpan();
  }

  showSpan() {
    const container = $('#span-details', this.detail);
    const span = this.trace?.spans.find((s) => s.spanId === this.selectedSpan);
    if (!container || !span) return;
    container.dataset.span = span.spanId;
    renderSpanDetails(container, span);
  }

  /** A feed message: new_trace, trace_updated or traces_cleared. */
  onFeed(message) {
    if (message.type === 'traces_cleared') {
      this.selectedTrace = undefined;
      this.trace = undefined;
      this.detail.innerHTML = '<p class="empty">Select a trace to see its waterfall.</p>';
    }
    if (message.type === 'trace_updated' && message.data.traceId === this.selectedTrace) this.reloadTraceSoon();
    if (message.type === 'logs_added' && this.selectedTrace) this.reloadTraceSoon();
    this.refreshSoon();
  }
}
