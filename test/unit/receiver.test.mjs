// The integration tests' fake intake and decoder, fed by our own encoders.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { startReceiver } from '../helpers/receiver.mjs';
import { encodeTraceRequestProto } from '../../agent/export/otlp-proto.ts';
import { encodeTraceRequestJson } from '../../agent/export/otlp-json.ts';

const resource = { attributes: { 'service.name': 'receiver-test' } };
let counter = 0;

function span(name, overrides = {}) {
  counter++;
  return {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId: (0xa000 + counter).toString(16).padStart(16, '0'),
    parentSpanId: undefined,
    traceState: undefined,
    traceFlags: 1,
    name,
    kind: 1,
    startTime: 1715000000123.5,
    endTime: 1715000000124.75,
    attributes: { 'http.route': '/users/:id', 'http.response.status_code': 200 },
    events: undefined,
    links: undefined,
    statusCode: 0,
    statusMessage: undefined,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    scope: { name: 'http', version: '1.0.0' },
    ...overrides,
  };
}

const post = (url, body, headers) => fetch(url, { method: 'POST', body, headers });
const protobuf = { 'content-type': 'application/x-protobuf' };
const json = { 'content-type': 'application/json' };

test('decodes protobuf and JSON exports into the same flattened spans', async (t) => {
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  const child = span('child', { parentSpanId: '00f067aa0ba902b7', kind: 2 });
  const spans = [span('GET /users/:id'), child];

  const protoReply = await post(receiver.tracesUrl, encodeTraceRequestProto(resource, spans), protobuf);
  assert.equal(protoReply.status, 200);
  assert.equal(protoReply.headers.get('content-type'), 'application/x-protobuf');
  assert.equal((await protoReply.arrayBuffer()).byteLength, 0);

  const jsonReply = await post(receiver.tracesUrl, encodeTraceRequestJson(resource, spans), { 'content-type': 'application/json; charset=utf-8' });
  assert.equal(jsonReply.status, 200);
  assert.equal(jsonReply.headers.get('content-type'), 'application/json');
  assert.equal(await jsonReply.text(), '{}');

  const received = receiver.spans();
  assert.equal(received.length, 4);
  assert.deepStrictEqual(received.slice(2), received.slice(0, 2));
  const [root, decodedChild] = received;
  assert.equal(root.name, 'GET /users/:id');
  assert.equal(root.kind, 2);
  assert.equal(root.parentSpanId, '');
  assert.equal(root.startTimeUnixNano, '1715000000123500000');
  assert.deepStrictEqual(root.attributes, { 'http.route': '/users/:id', 'http.response.status_code': 200 });
  assert.deepStrictEqual(root.resource.attributes, { 'service.name': 'receiver-test' });
  assert.deepStrictEqual(root.scope, { name: 'http', version: '1.0.0' });
  assert.equal(root.flags, 1);
  assert.equal(decodedChild.parentSpanId, '00f067aa0ba902b7');
  assert.equal(decodedChild.kind, 3);

  const [first] = receiver.requests;
  assert.equal(first.method, 'POST');
  assert.equal(first.url, '/v1/traces');
  assert.equal(first.headers['content-type'], 'application/x-protobuf');
  assert.ok(Buffer.isBuffer(first.body) && first.body.length > 0);
});

test('gzip bodies, non-trace paths and undecodable exports are recorded', async (t) => {
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  const gzipped = zlib.gzipSync(encodeTraceRequestProto(resource, [span('zipped')]));
  assert.equal((await post(receiver.tracesUrl, gzipped, { ...protobuf, 'content-encoding': 'gzip' })).status, 200);
  assert.equal((await post(`${receiver.url}/v1/metrics`, '{"resourceMetrics":[]}', json)).status, 200);
  assert.equal((await post(receiver.tracesUrl, 'not json', json)).status, 400);

  assert.deepStrictEqual(receiver.spans().map((s) => s.name), ['zipped']);
  const [zipped, metrics, broken] = receiver.requests;
  assert.ok(zipped.rawBody.length === gzipped.length && zipped.body.length > 0);
  assert.equal(metrics.traces, undefined);
  assert.equal(metrics.body.toString(), '{"resourceMetrics":[]}');
  assert.ok(broken.decodeError instanceof SyntaxError);
  await assert.rejects(receiver.waitForSpans(2, 50), /decode error/);
});

test('setStatus, status functions and reply headers', async (t) => {
  const receiver = await startReceiver({ status: 503, headers: { 'retry-after': '1' } });
  t.after(() => receiver.close());
  const body = encodeTraceRequestProto(resource, [span('rejected')]);
  const rejected = await post(receiver.tracesUrl, body, protobuf);
  assert.equal(rejected.status, 503);
  assert.equal(rejected.headers.get('retry-after'), '1');
  assert.deepStrictEqual(receiver.spans(), [], 'spans of a rejected export are not accepted');

  receiver.setStatus((request) => (request.index % 2 === 1 ? 200 : 429));
  assert.equal((await post(receiver.tracesUrl, encodeTraceRequestProto(resource, [span('accepted')]), protobuf)).status, 200);
  assert.equal((await post(receiver.tracesUrl, body, protobuf)).status, 429);
  assert.deepStrictEqual(receiver.requests.map((r) => r.status), [503, 200, 429]);
  assert.deepStrictEqual(receiver.spans().map((s) => s.name), ['accepted']);

  receiver.clear();
  assert.equal(receiver.requests.length, 0);
});

test('waitForSpans by count, predicate and { where, count }; a timeout lists what arrived', async (t) => {
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  setTimeout(() => post(receiver.tracesUrl, encodeTraceRequestJson(resource, [span('late one'), span('late two')]), json), 50);

  const all = await receiver.waitForSpans(2, 2000);
  assert.deepStrictEqual(all.map((s) => s.name), ['late one', 'late two']);
  const [match] = await receiver.waitForSpans((s) => s.name === 'late two', 100);
  assert.equal(match.name, 'late two');
  const some = await receiver.waitForSpans({ where: (s) => s.name.startsWith('late'), count: 2 }, 100);
  assert.equal(some.length, 2);

  await assert.rejects(receiver.waitForSpans((s) => s.name === 'never', 60), (error) => {
    assert.match(error.message, /no 1 span\(s\) matching .*never/);
    assert.match(error.message, /POST \/v1\/traces → 200 \(application\/json, \d+ bytes, 2 spans\)/);
    assert.match(error.message, /"late one" kind=2 trace=4bf92f3577b34da6a3ce929d0e0e4736/);
    return true;
  });
});

test('delayMs holds the reply; close() ends a pending one', async (t) => {
  const receiver = await startReceiver({ delayMs: 150 });
  const started = Date.now();
  const reply = await post(receiver.tracesUrl, encodeTraceRequestProto(resource, [span('slow')]), protobuf);
  assert.equal(reply.status, 200);
  assert.ok(Date.now() - started >= 140, `replied after ${Date.now() - started} ms`);

  receiver.setDelay(10_000);
  const pending = post(receiver.tracesUrl, encodeTraceRequestProto(resource, [span('never answered')]), protobuf);
  await receiver.waitForSpans((s) => s.name === 'never answered', 1000);
  await receiver.close();
  await assert.rejects(pending);
  t.diagnostic('closed with a request in flight');
});
