// The waterfall of one trace: spans nested under their parents, bars to scale on a shared time axis, each
// service in its colour, errors in red. Rendered as one HTML string: 500 spans stay well inside a frame budget.
import { esc, formatDuration, serviceColor } from './dom.mjs';

const KIND = ['', 'internal', 'server', 'client', 'producer', 'consumer'];

/** Spans in display order (depth-first, children by start time) with their depth. */
export function orderSpans(spans) {
  const ids = new Set(spans.map((s) => s.spanId));
  const children = new Map();
  const roots = [];
  for (const span of spans) {
    if (span.parentSpanId && ids.has(span.parentSpanId)) {
      let list = children.get(span.parentSpanId);
      if (!list) children.set(span.parentSpanId, (list = []));
      list.push(span);
    } else roots.push(span);
  }
  const byStart = (a, b) => a.startMs - b.startMs;
  const out = [];
  const stack = roots.sort(byStart).reverse().map((span) => [span, 0]);
  while (stack.length > 0) {
    const [span, depth] = stack.pop();
    out.push({ span, depth });
    const kids = children.get(span.spanId);
    if (kids) for (const kid of kids.sort(byStart).reverse()) stack.push([kid, depth + 1]);
  }
  return out;
}

function ticks(totalMs) {
  const out = [];
  for (let i = 0; i <= 4; i++) out.push(`<span class="tick" style="left:${i * 25}%">${i === 0 ? '0' : formatDuration((totalMs * i) / 4)}</span>`);
  return out.join('');
}

export function renderWaterfall(trace, selectedSpanId) {
  const rows = orderSpans(trace.spans);
  const start = trace.startMs;
  const total = Math.max(trace.durationMs, 0.001);
  const html = [];
  for (const { span, depth } of rows) {
    const left = ((span.startMs - start) / total) * 100;
    const width = Math.max((span.durationMs / total) * 100, 0.15);
    const error = span.status.code === 2;
    const color = serviceColor(span.service);
    const labelLeft = left > 70;
    html.push(
      `<div class="wf-row${error ? ' error' : ''}${span.spanId === selectedSpanId ? ' selected' : ''}" data-span="${span.spanId}">` +
        `<div class="wf-label" style="padding-left:${8 + depth * 14}px" title="${esc(span.name)}">` +
        `<span class="svc-dot" style="background:${color}"></span>` +
        `<span class="wf-name">${esc(span.name)}</span>` +
        `<span class="wf-kind">${KIND[span.kind] ?? ''}</span>${error ? '<span class="badge error">error</span>' : ''}</div>` +
        `<div class="wf-track"><div class="wf-bar" style="left:${left}%;width:${width}%;background:${color}"></div>` +
        `<span class="wf-time${labelLeft ? ' before' : ''}" style="${labelLeft ? `right:${100 - left}%` : `left:${left + width}%`}">${formatDuration(span.durationMs)}</span></div>` +
        `</div>`,
    );
  }
  const services = trace.services.map((s) => `<span class="legend"><span class="svc-dot" style="background:${serviceColor(s)}"></span>${esc(s)}</span>`).join('');
  return (
    `<div class="wf-head"><div class="wf-label muted">${rows.length} spans</div><div class="wf-track axis">${ticks(total)}</div></div>` +
    `<div class="wf-body">${html.join('')}</div>` +
    `<div class="wf-legend">${services}</div>`
  );
}
