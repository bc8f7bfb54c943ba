// Details of one span: attributes (false, 0 and '' shown as they are), events, the exception's stack and the
// log lines recorded under the span.
import { api, esc, formatDuration, formatTime, formatValue, serviceColor } from './dom.mjs';

const KIND = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];
const STATUS = ['unset', 'ok', 'error'];

function attributeTable(attributes) {
  const keys = Object.keys(attributes).sort();
  if (keys.length === 0) return '<p class="muted">none</p>';
  return `<table class="kv">${keys.map((k) => `<tr><th>${esc(k)}</th><td class="v-${typeof attributes[k]}">${esc(formatValue(attributes[k]))}</td></tr>`).join('')}</table>`;
}

function eventsBlock(span) {
  if (span.events.length === 0) return '<p class="muted">none</p>';
  return span.events
    .map((event) => {
      const offset = (Number(BigInt(event.timeUnixNano) - BigInt(span.startTimeUnixNano)) / 1e6) || 0;
      const { 'exception.stacktrace': stack, ...rest } = event.attributes;
      return (
        `<div class="event${event.name === 'exception' ? ' exception' : ''}"><div class="event-head"><b>${esc(event.name)}</b> <span class="muted">+${formatDuration(offset)}</span></div>` +
        attributeTable(rest) +
        (stack ? `<pre class="stack">${esc(stack)}</pre>` : '') +
        `</div>`
      );
    })
    .join('');
}

function logsBlock(logs) {
  if (logs.length === 0) return '<p class="muted">no log lines for this span</p>';
  return `<table class="logs">${logs
    .map((log) => `<tr class="sev-${esc((log.severityText || 'info').toLowerCase())}"><td class="muted">${formatTime(log.timeMs)}</td><td>${esc(log.severityText || '')}</td><td class="log-body">${esc(formatValue(log.body))}</td></tr>`)
    .join('')}</table>`;
}

export async function renderSpanDetails(container, span) {
  const header =
    `<div class="span-head"><span class="svc-dot" style="background:${serviceColor(span.service)}"></span><b>${esc(span.name)}</b>` +
    `<span class="muted">${esc(span.service)} · ${KIND[span.kind] ?? span.kind} · ${formatDuration(span.durationMs)} · status ${STATUS[span.status.code] ?? span.status.code}${span.status.message ? `: ${esc(span.status.message)}` : ''}</span></div>` +
    `<div class="ids muted">span ${span.spanId}${span.parentSpanId ? ` · parent ${span.parentSpanId}` : ' · root'}</div>`;
  const body = (logs) =>
    header +
    `<h4>Attributes</h4>${attributeTable(span.attributes)}` +
    `<h4>Events</h4>${eventsBlock(span)}` +
    `<h4>Logs</h4>${logs === undefined ? '<p class="muted">loading…</p>' : logsBlock(logs)}` +
    `<details><summary>Resource</summary>${attributeTable(span.resource)}</details>`;
  container.innerHTML = body(undefined);
  try {
    const { logs } = await api(`/api/logs?span_id=${span.spanId}`);
    if (container.dataset.span === span.spanId) container.innerHTML = body(logs);
  } catch {
    if (container.dataset.span === span.spanId) container.innerHTML = body([]);
  }
}
