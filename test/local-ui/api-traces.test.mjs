// The trace API of tracekit-local, driven over HTTP against the real binary: ingest in OTLP/JSON, protobuf and
// gzip, spans grouped by trace, the list and its filters, one trace, stats, clearing, and the /ws live feed.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { gzipSync } from 'node:zlib';
import WebSocket from 'ws';
import { getJson, hex, jsonSpan, post, startLocalUi, tracesBody, tracesProto, until } from './helpers.mjs';

describe('tracekit-local trace API', { timeout: 60_000 }, () => {
  let ui;
  before(async () => {
    ui = await startLocalUi();
  });
  after(() => ui.stop());
  beforeEach(async () => {
    const res = await fetch(`${ui.url}/api/traces`, { method: 'DELETE' });
    assert.equal(res.status, 200);
  });

  test('GET /api/health answers as the TraceKit Local UI does', async () => {
    const { status, json } = await getJson(`${ui.url}/api/health`);
    assert.equal(status, 200);
    assert.equal(json.status, 'ok');
    assert.equal(typeof json.uptime, 'number');
    assert.equal(typeof json.stats, 'object');
  });

  test('spans of one trace sent in separate requests and encodings become one trace', async () => {
    const traceId = hex(16);
    const rootId = hex(8);
    const root = jsonSpan({ traceId, spanId: rootId, name: 'GET /checkout', durationMs: 40 });
    const child = jsonSpan({ traceId, parentSpanId: rootId, name: 'SELECT users', kind: 3, durationMs: 5 });
    const grandchild = jsonSpan({ traceId, parentSpanId: child.spanId, name: 'dns', kind: 1, durationMs: 1 });
    assert.equal((await post(`${ui.url}/v1/traces`, tracesBody('checkout', [root]))).status, 200);
    const protoRes = await post(`${ui.url}/v1/traces`, tracesProto(tracesBody('checkout', [child])), { contentType: 'application/x-protobuf' });
    assert.equal(protoRes.status, 200);
    assert.equal(protoRes.headers.get('content-type'), 'application/x-protobuf');
    const gz = await post(`${ui.url}/v1/traces`, gzipSync(JSON.stringify(tracesBody('db', [grandchild]))), { headers: { 'content-encoding': 'gzip' } });
    assert.equal(gz.status, 200);
    const { json: list } = await getJson(`${ui.url}/api/traces`);
    assert.equal(list.total, 1);
    const summary = list.traces[0];
    assert.equal(summary.traceId, traceId);
    assert.equal(summary.rootName, 'GET /checkout');
    assert.equal(summary.service, 'checkout');
    assert.equal(summary.spanCount, 3);
    assert.equal(summary.durationMs, 40);
    assert.deepEqual(summary.services, ['checkout', 'db']);
    const { status, json: trace } = await getJson(`${ui.url}/api/traces/${traceId}`);
    assert.equal(status, 200);
    assert.deepEqual(trace.spans.map((s) => s.name).sort(), ['GET /checkout', 'SELECT users', 'dns']);
    assert.equal(trace.spans.find((s) => s.name === 'SELECT users').kind, 3);
  });

  test('gzip-compressed protobuf is accepted', async () => {
    const traceId = hex(16);
    const body = gzipSync(tracesProto(tracesBody('svc', [jsonSpan({ traceId })])));
    const res = await post(`${ui.url}/v1/traces`, body, { contentType: 'application/x-protobuf', headers: { 'content-encoding': 'gzip' } });
    assert.equal(res.status, 200);
    assert.equal((await getJson(`${ui.url}/api/traces/${traceId}`)).status, 200);
  });

  test('a re-sent span replaces its earlier copy instead of counting twice', async () => {
    const span = jsonSpan({ traceId: hex(16) });
    await post(`${ui.url}/v1/traces`, tracesBody('svc', [span]));
    await post(`${ui.url}/v1/traces`, tracesBody('svc', [span]));
    const { json } = await getJson(`${ui.url}/api/traces/${span.traceId}`);
    assert.equal(json.spanCount, 1);
  });

  test('GET /api/traces/:id of an unknown trace is a 404 with a reason', async () => {
    const res = await fetch(`${ui.url}/api/traces/${hex(16)}`);
    assert.equal(res.status, 404);
    assert.match((await res.json()).error, /no trace/);
  });

  test('the list filters by service, status, span name, attribute and minimum duration, newest first, paged', async () => {
    const fast = hex(16);
    const slowError = hex(16);
    const other = hex(16);
    await post(`${ui.url}/v1/traces`, tracesBody('checkout', [jsonSpan({ traceId: fast, name: 'GET /cart', durationMs: 3, attributes: { 'http.status_code': 200, cached: false } })]));
    await post(`${ui.url}/v1/traces`, tracesBody('checkout', [jsonSpan({ traceId: slowError, name: 'POST /pay', durationMs: 250, status: 2, attributes: { 'http.status_code': 500, cached: true } })]));
    await post(`${ui.url}/v1/traces`, tracesBody('payment', [jsonSpan({ traceId: other, name: 'charge', durationMs: 50 })]));
    const ids = async (query) => (await getJson(`${ui.url}/api/traces?${query}`)).json.traces.map((t) => t.traceId);
    assert.deepEqual(await ids(''), [other, slowError, fast]);
    assert.deepEqual(await ids('service=checkout'), [slowError, fast]);
    assert.deepEqual(await ids('status=error'), [slowError]);
    assert.deepEqual(await ids('status=ok'), [other, fast]);
    assert.deepEqual(await ids('name=pay'), [slowError]);
    assert.deepEqual(await ids('attr=http.status_code%3D500'), [slowError]);
    assert.deepEqual(await ids('attr=cached%3Dfalse'), [fast]);
    assert.deepEqual(await ids('attr=cached'), [slowError, fast]);
    assert.deepEqual(await ids('minDuration=50'), [other, slowError]);
    assert.deepEqual(await ids('minDuration=0.1s'), [slowError]);
    assert.deepEqual(await ids('service=checkout&minDuration=100ms'), [slowError]);
    const page = (await getJson(`${ui.url}/api/traces?limit=1&offset=1`)).json;
    assert.deepEqual(page.traces.map((t) => t.traceId), [slowError]);
    assert.equal(page.total, 3);
  });

  test('bad list parameters get a 400 with the reason', async () => {
    for (const [query, reason] of [['limit=abc', /limit/], ['offset=-1', /offset/], ['status=broken', /status/], ['minDuration=soon', /minDuration/], ['attr=%3Dx', /attr/]]) {
      const res = await fetch(`${ui.url}/api/traces?${query}`);
      assert.equal(res.status, 400, query);
      assert.match((await res.json()).error, reason);
    }
  });

  test('GET /api/stats counts traces, spans and error traces', async () => {
    const traceId = hex(16);
    await post(`${ui.url}/v1/traces`, tracesBody('svc', [jsonSpan({ traceId, status: 2 }), jsonSpan({ traceId })]));
    const { json } = await getJson(`${ui.url}/api/stats`);
    assert.equal(json.traces, 1);
    assert.equal(json.spans, 2);
    assert.equal(json.errorTraces, 1);
    assert.deepEqual(json.services, ['svc']);
  });

  test('/ws sends connected, new_trace, trace_updated and traces_cleared', async (t) => {
    const socket = new WebSocket(`${ui.url.replace('http', 'ws')}/ws`);
    t.after(() => socket.terminate());
    const messages = [];
    socket.on('message', (data) => messages.push(JSON.parse(String(data))));
    await until(() => messages.some((m) => m.type === 'connected'), 'connected');
    const traceId = hex(16);
    const rootId = hex(8);
    await post(`${ui.url}/v1/traces`, tracesBody('svc', [jsonSpan({ traceId, spanId: rootId, name: 'root' })]));
    const created = await until(() => messages.find((m) => m.type === 'new_trace' && m.data.traceId === traceId), 'new_trace');
    assert.equal(created.data.rootName, 'root');
    assert.equal(created.data.spanCount, 1);
    await post(`${ui.url}/v1/traces`, tracesBody('svc', [jsonSpan({ traceId, parentSpanId: rootId, name: 'child' })]));
    const updated = await until(() => messages.find((m) => m.type === 'trace_updated' && m.data.traceId === traceId), 'trace_updated');
    assert.equal(updated.data.spanCount, 2);
    await fetch(`${ui.url}/api/traces`, { method: 'DELETE' });
    await until(() => messages.some((m) => m.type === 'traces_cleared'), 'traces_cleared');
    assert.equal((await getJson(`${ui.url}/api/traces`)).json.total, 0);
  });

  test('a WebSocket from another web origin is refused', async () => {
    const socket = new WebSocket(`${ui.url.replace('http', 'ws')}/ws`, { headers: { origin: 'http://evil.example' } });
    const status = await new Promise((resolve) => {
      socket.on('unexpected-response', (req, res) => resolve(res.statusCode));
      socket.on('error', () => resolve('error'));
    });
    assert.equal(status, 403);
  });

  test('a request naming a non-loopback host is refused (DNS rebinding), loopback names are served', async () => {
    const { port } = new URL(ui.url);
    const ask = (host) => new Promise((resolve, reject) => {
      http.get({ host: '127.0.0.1', port, path: '/api/health', headers: { host } }, (res) => {
        res.resume();
        resolve(res.statusCode);
      }).on('error', reject);
    });
    assert.equal(await ask(`evil.example:${port}`), 403);
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, 'localhost']) assert.equal(await ask(host), 200, host);
  });

  test('the page and its assets are served from the package', async () => {
    const page = await fetch(`${ui.url}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type'), /text\/html/);
    const html = await page.text();
    assert.match(html, /app\.js/);
    assert.doesNotMatch(html, /https?:\/\//, 'no CDN or other remote resource');
    for (const asset of ['/app.js', '/app.css']) assert.equal((await fetch(`${ui.url}${asset}`)).status, 200, asset);
  });
});
