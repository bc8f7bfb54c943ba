// Compatibility with TraceKit's own SDKs: a span payload exactly as @tracekit/node-apm sends it to the Local UI
// (OTLP/JSON, decimal-string times, stringValue|intValue|doubleValue|boolValue attributes, an exception event)
// is accepted, grouped and shown with every value intact, and the service map is built from the same data.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { getJson, post, startLocalUi } from './helpers.mjs';
import { sendCheckoutTrace } from './sample-data.mjs';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PAYLOAD = {
  resourceSpans: [
    {
      resource: {
        attributes: [
          { key: 'service.name', value: { stringValue: 'node-app' } },
          { key: 'service.version', value: { stringValue: '1.0.0' } },
          { key: 'telemetry.sdk.name', value: { stringValue: '@tracekit/node-apm' } },
          { key: 'telemetry.sdk.version', value: { stringValue: '1.7.0' } },
        ],
      },
      scopeSpans: [
        {
          scope: { name: '@tracekit/node-apm', version: '1.7.0' },
          spans: [
            {
              traceId: TRACE_ID,
              spanId: '00f067aa0ba902b7',
              parentSpanId: '',
              name: 'GET /users/:id',
              kind: 2,
              startTimeUnixNano: '1773741600000000000',
              endTimeUnixNano: '1773741600012500000',
              attributes: [
                { key: 'http.method', value: { stringValue: 'GET' } },
                { key: 'http.url', value: { stringValue: '/users/42?full=1' } },
                { key: 'http.route', value: { stringValue: '/users/:id' } },
                { key: 'http.status_code', value: { intValue: '500' } },
                { key: 'http.duration_ms', value: { doubleValue: 12.5 } },
                { key: 'user.cached', value: { boolValue: false } },
                { key: 'retry.count', value: { intValue: 0 } },
                { key: 'ratio', value: { doubleValue: 0 } },
                { key: 'note', value: { stringValue: '' } },
              ],
              events: [
                {
                  name: 'exception',
                  timeUnixNano: '1773741600010000000',
                  attributes: [
                    { key: 'exception.type', value: { stringValue: 'TypeError' } },
                    { key: 'exception.message', value: { stringValue: "Cannot read properties of undefined (reading 'id')" } },
                    { key: 'exception.stacktrace', value: { stringValue: "TypeError: Cannot read properties of undefined (reading 'id')\n    at getUser (/app/users.js:10:20)" } },
                  ],
                },
              ],
              status: { code: 2, message: 'Internal Server Error' },
            },
            {
              traceId: TRACE_ID,
              spanId: 'b7ad6b7169203331',
              parentSpanId: '00f067aa0ba902b7',
              name: 'pg.query',
              kind: 3,
              startTimeUnixNano: '1773741600001000000',
              endTimeUnixNano: '1773741600004000000',
              attributes: [{ key: 'db.system', value: { stringValue: 'postgresql' } }],
              status: { code: 0 },
            },
          ],
        },
      ],
    },
  ],
};

describe('tracekit-local compatibility', { timeout: 60_000 }, () => {
  let ui;
  before(async () => {
    ui = await startLocalUi();
  });
  after(() => ui.stop());

  test('a TraceKit SDK payload is accepted and shown with false, 0 and empty values intact', async () => {
    const res = await post(`${ui.url}/v1/traces`, PAYLOAD);
    assert.equal(res.status, 200);
    const { json: list } = await getJson(`${ui.url}/api/traces?service=node-app`);
    assert.equal(list.total, 1);
    assert.deepEqual(
      { ...list.traces[0], receivedAt: undefined },
      {
        traceId: TRACE_ID, service: 'node-app', rootName: 'GET /users/:id', rootComplete: true,
        startTime: '2026-03-17T10:00:00.000Z', startMs: 1773741600000, durationMs: 12.5, spanCount: 2,
        errorCount: 1, status: 'error', services: ['node-app'], receivedAt: undefined,
      },
    );
    const { json: trace } = await getJson(`${ui.url}/api/traces/${TRACE_ID}`);
    const root = trace.spans.find((s) => s.spanId === '00f067aa0ba902b7');
    assert.equal(root.kind, 2, 'SERVER stays SERVER (OTLP numbering)');
    assert.deepEqual(root.attributes, {
      'http.method': 'GET', 'http.url': '/users/42?full=1', 'http.route': '/users/:id', 'http.status_code': 500,
      'http.duration_ms': 12.5, 'user.cached': false, 'retry.count': 0, ratio: 0, note: '',
    });
    assert.equal(root.events[0].name, 'exception');
    assert.match(root.events[0].attributes['exception.stacktrace'], /at getUser \(\/app\/users\.js:10:20\)/);
    assert.deepEqual(root.status, { code: 2, message: 'Internal Server Error' });
    assert.equal(root.resource['telemetry.sdk.name'], '@tracekit/node-apm');
    assert.equal(trace.spans.find((s) => s.name === 'pg.query').durationMs, 3);
  });

  test('the service map joins CLIENT peer.service and cross-service parents without counting a call twice', async () => {
    await fetch(`${ui.url}/api/traces`, { method: 'DELETE' });
    await sendCheckoutTrace(ui.url);
    await sendCheckoutTrace(ui.url, { fail: true });
    const { json: map } = await getJson(`${ui.url}/api/service-map`);
    assert.deepEqual(map.edges, [{ source: 'checkout', target: 'payment', calls: 2, errors: 1, errorRate: 0.5 }]);
    const nodes = Object.fromEntries(map.nodes.map((n) => [n.service, n]));
    assert.equal(nodes.checkout.spans, 6);
    assert.equal(nodes.payment.spans, 4);
    assert.equal(nodes.payment.errors, 2);
  });

  test('a cross-service parent with no peer.service still makes an edge; an untraced peer is a node', async () => {
    await fetch(`${ui.url}/api/traces`, { method: 'DELETE' });
    const traceId = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
    const span = (service, spanId, parentSpanId, kind, attributes = []) => ({
      resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
      scopeSpans: [{ spans: [{ traceId, spanId, parentSpanId, name: `${service} op`, kind, startTimeUnixNano: '1773741600000000000', endTimeUnixNano: '1773741600001000000', attributes }] }],
    });
    await post(`${ui.url}/v1/traces`, {
      resourceSpans: [
        span('gateway', '1111111111111111', '', 2),
        span('worker', '2222222222222222', '1111111111111111', 5),
        span('worker', '3333333333333333', '2222222222222222', 3, [{ key: 'peer.service', value: { stringValue: 'redis' } }]),
      ],
    });
    const { json: map } = await getJson(`${ui.url}/api/service-map`);
    const edges = map.edges.map((e) => `${e.source}->${e.target}:${e.calls}`).sort();
    assert.deepEqual(edges, ['gateway->worker:1', 'worker->redis:1']);
    assert.equal(map.nodes.find((n) => n.service === 'redis').traced, false);
  });
});
