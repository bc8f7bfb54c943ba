// Realistic data for the Local UI tests and benchmarks, sent the way agents send it: a checkout service calling
// a payment service (one call failing with a stack), TraceKit metrics JSON, OTLP logs under a span, and a
// code-monitoring breakpoint with a captured snapshot.
import { hex, jsonSpan, post, tracesBody } from './helpers.mjs';

const STACK = 'Error: card declined\n    at charge (/app/payment/charge.js:42:11)\n    at async handler (/app/payment/server.js:18:5)';

/** Sends one checkout → payment trace; returns its ids. */
export async function sendCheckoutTrace(url, { fail = false, startNs = BigInt(Date.now()) * 1_000_000n } = {}) {
  const traceId = hex(16);
  const rootId = hex(8);
  const clientId = hex(8);
  const serverId = hex(8);
  const ms = (n) => startNs + BigInt(Math.round(n * 1e6));
  const checkout = [
    jsonSpan({ traceId, spanId: rootId, name: 'POST /checkout', kind: 2, startNs: ms(0), durationMs: 48, status: fail ? 2 : 0, attributes: { 'http.method': 'POST', 'http.route': '/checkout', 'http.status_code': fail ? 502 : 200, 'cart.items': 3, 'cart.gift': false, 'cart.discount': 0 } }),
    jsonSpan({ traceId, parentSpanId: rootId, name: 'SELECT carts', kind: 3, startNs: ms(2), durationMs: 6, attributes: { 'db.system': 'postgresql', 'db.statement': 'SELECT * FROM carts WHERE id = $1' } }),
    jsonSpan({ traceId, spanId: clientId, parentSpanId: rootId, name: 'POST', kind: 3, startNs: ms(10), durationMs: 35, status: fail ? 2 : 0, attributes: { 'http.method': 'POST', 'http.url': 'http://localhost:8082/charge', 'peer.service': 'payment' } }),
  ];
  const exception = fail
    ? [{ name: 'exception', timeUnixNano: String(ms(40)), attributes: [{ key: 'exception.type', value: { stringValue: 'Error' } }, { key: 'exception.message', value: { stringValue: 'card declined' } }, { key: 'exception.stacktrace', value: { stringValue: STACK } }] }]
    : [];
  const payment = [
    jsonSpan({ traceId, spanId: serverId, parentSpanId: clientId, name: 'POST /charge', kind: 2, startNs: ms(12), durationMs: 30, status: fail ? 2 : 0, events: exception, attributes: { 'http.method': 'POST', 'http.route': '/charge', 'http.status_code': fail ? 500 : 200 } }),
    jsonSpan({ traceId, parentSpanId: serverId, name: 'stripe.charges.create', kind: 1, startNs: ms(15), durationMs: 22, status: fail ? 2 : 0 }),
  ];
  await post(`${url}/v1/traces`, tracesBody('checkout', checkout));
  await post(`${url}/v1/traces`, tracesBody('payment', payment));
  return { traceId, rootId, serverId };
}

/** TraceKit metrics JSON exactly as the SDKs send it: counters as sums, gauges and histograms as gauges. */
export function tracekitMetrics(service, points) {
  const byName = new Map();
  for (const { name, type, value, tags = {}, timeMs = Date.now() } of points) {
    const key = `${type}:${name}`;
    if (!byName.has(key)) byName.set(key, { name, type, dataPoints: [] });
    byName.get(key).dataPoints.push({ attributes: Object.entries(tags).map(([k, v]) => ({ key: k, value: { stringValue: String(v) } })), timeUnixNano: String(BigInt(timeMs) * 1_000_000n), asDouble: value });
  }
  const metrics = [...byName.values()].map(({ name, type, dataPoints }) => (type === 'counter' ? { name, sum: { dataPoints, aggregationTemporality: 2, isMonotonic: true } } : { name, gauge: { dataPoints } }));
  return { resourceMetrics: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] }, scopeMetrics: [{ scope: { name: 'tracekit' }, metrics }] }] };
}

export function otlpLogs(service, records) {
  return {
    resourceLogs: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeLogs: [{ scope: { name: 'console' }, logRecords: records.map(({ body, severityText = 'INFO', severityNumber = 9, traceId = '', spanId = '', timeMs = Date.now() }) => ({ timeUnixNano: String(BigInt(timeMs) * 1_000_000n), severityNumber, severityText, body: { stringValue: body }, traceId, spanId, attributes: [] })) }],
      },
    ],
  };
}

export async function sendMetrics(url, count = 20) {
  const now = Date.now();
  const points = [];
  for (let i = 0; i < count; i++) {
    const timeMs = now - (count - i) * 1000;
    points.push({ name: 'orders.placed', type: 'counter', value: 1 + (i % 3), tags: { region: 'eu' }, timeMs });
    points.push({ name: 'nodejs.heap.used', type: 'gauge', value: 30e6 + i * 4e5 + (i % 4) * 1e6, timeMs });
  }
  return post(`${url}/v1/metrics`, tracekitMetrics('checkout', points));
}

/** Registers a breakpoint as the agent does, enables it as a developer would, and captures a snapshot. */
export async function sendSnapshot(url, { traceId } = {}) {
  const site = { service_name: 'checkout', file_path: '/app/checkout/cart.js', line_number: 27, function_name: 'applyDiscount', label: 'discount' };
  const { json: registered } = await post(`${url}/sdk/snapshots/auto-register`, site);
  await fetch(`${url}/api/breakpoints/${registered.id}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ enabled: true }) });
  const capture = await post(`${url}/sdk/snapshots/capture`, {
    breakpoint_id: registered.id,
    ...site,
    variables: { cart: { id: 'c_123', items: [{ sku: 'A-1', qty: 2 }, { sku: 'B-7', qty: 1 }], total: 59.9, gift: false }, user: { email: '[REDACTED:email]', api_key: '[REDACTED:sensitive_name]', plan: 'pro' }, attempt: 0 },
    security_flags: [{ type: 'email', severity: 'high', variable: 'user.email' }, { type: 'sensitive_variable_name', severity: 'medium', variable: 'user.api_key' }],
    stack_trace: 'at applyDiscount (/app/checkout/cart.js:27:9)\nat async checkout (/app/checkout/server.js:51:3)',
    trace_id: traceId,
    request_context: { method: 'POST', path: '/checkout', url: '/checkout?coupon=SPRING', ip: '127.0.0.1', user_agent: 'curl/8.5', query: { coupon: 'SPRING' }, headers: { 'content-type': 'application/json', host: 'localhost:8081' } },
    captured_at: new Date().toISOString(),
  });
  return { breakpointId: registered.id, capture };
}
