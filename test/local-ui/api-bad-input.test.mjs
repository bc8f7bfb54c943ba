// Bad input never crashes tracekit-local: malformed bodies get a 400 (or 413/415) with the reason, bodies are
// capped at 10 MB before and after gzip, and a client that never finishes its request is cut off.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import http from 'node:http';
import { gzipSync } from 'node:zlib';
import { getJson, hex, jsonSpan, post, startLocalUi, tracesBody } from './helpers.mjs';

const TEN_MB = 10 * 1024 * 1024;

/** POSTs with node:http so a response sent before the body is fully written is still read. */
function rawPost(url, path, body, headers) {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}${path}`, { method: 'POST', headers }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode, json: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('tracekit-local bad input', { timeout: 60_000 }, () => {
  let ui;
  before(async () => {
    ui = await startLocalUi(['--request-timeout', '1s']);
  });
  after(async () => {
    const { code, signal } = await ui.stop();
    assert.ok(code === 0 || signal === 'SIGTERM', `clean exit after the bad input (code ${code}, signal ${signal})`);
    assert.doesNotMatch(ui.output().stderr, /unexpected error|failed:/, 'no handler threw');
  });

  const cases = [
    ['invalid JSON', '{"resourceSpans": [', {}, 400, /not valid JSON/],
    ['no resourceSpans array', '{"spans": []}', {}, 400, /resourceSpans array required/],
    ['a JSON array', '[]', {}, 400, /JSON object/],
    ['resourceSpans not an array', '{"resourceSpans": {}}', {}, 400, /resourceSpans array required/],
    ['bad protobuf', Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]), { 'content-type': 'application/x-protobuf' }, 400, /protobuf/],
    ['protobuf with field 0', Buffer.from([0x00, 0x01]), { 'content-type': 'application/x-protobuf' }, 400, /protobuf/],
    ['invalid gzip', Buffer.from('not gzip at all'), { 'content-encoding': 'gzip' }, 400, /gzip/],
    ['unknown encoding', '{}', { 'content-encoding': 'br' }, 415, /Content-Encoding/],
  ];
  for (const [what, body, headers, status, reason] of cases) {
    test(`POST /v1/traces with ${what} → ${status}`, async () => {
      const res = await post(`${ui.url}/v1/traces`, body, { contentType: headers['content-type'] ?? 'application/json', headers });
      assert.equal(res.status, status);
      assert.match(res.json.error, reason);
    });
  }

  test('metrics and logs routes reject bodies without their top-level arrays', async () => {
    assert.match((await post(`${ui.url}/v1/metrics`, '{}')).json.error, /resourceMetrics array required/);
    assert.match((await post(`${ui.url}/v1/logs`, '{}')).json.error, /resourceLogs array required/);
    assert.equal((await post(`${ui.url}/v1/logs`, Buffer.from([0x0a, 0x05]), { contentType: 'application/x-protobuf' })).status, 400);
  });

  test('spans without valid ids are dropped and reported as a partial success; the rest are kept', async () => {
    const good = jsonSpan({ traceId: hex(16) });
    const res = await post(`${ui.url}/v1/traces`, tracesBody('svc', [good, { ...good, spanId: 'xyz' }, { ...good, traceId: '' }, null]));
    assert.equal(res.status, 200);
    assert.equal(res.json.partialSuccess.rejectedSpans, 3);
    assert.equal((await getJson(`${ui.url}/api/traces/${good.traceId}`)).json.spanCount, 1);
  });

  test('a body over 10 MB as sent is refused with 413', async () => {
    const body = Buffer.alloc(TEN_MB + 1, 0x20);
    const res = await rawPost(ui.url, '/v1/traces', body, { 'content-type': 'application/json', 'content-length': body.length });
    assert.equal(res.status, 413);
    assert.match(res.json.error, /10 MB/);
  });

  test('a chunked body that grows over 10 MB is refused with 413', async () => {
    const res = await new Promise((resolve, reject) => {
      const req = http.request(`${ui.url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (r) => {
        let text = '';
        r.on('data', (d) => (text += d));
        r.on('end', () => resolve({ status: r.statusCode, json: JSON.parse(text) }));
      });
      req.on('error', reject);
      const chunk = Buffer.alloc(1024 * 1024, 0x20);
      for (let i = 0; i < 11; i++) req.write(chunk);
      req.end();
    });
    assert.equal(res.status, 413);
  });

  test('a small gzip body that inflates past 10 MB is refused with 413', async () => {
    const bomb = gzipSync(Buffer.alloc(TEN_MB + 1024, 0x20));
    assert.ok(bomb.length < 100_000);
    const res = await post(`${ui.url}/v1/traces`, bomb, { headers: { 'content-encoding': 'gzip' } });
    assert.equal(res.status, 413);
    assert.match(res.json.error, /gzip/);
  });

  test('a client that never finishes sending is cut off by the request timeout', async () => {
    const { port } = new URL(ui.url);
    const socket = net.connect(Number(port), '127.0.0.1');
    socket.on('error', () => {});
    let received = '';
    socket.on('data', (d) => (received += d));
    socket.write('POST /v1/traces HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"resourceSpans"');
    await new Promise((resolve) => socket.on('close', resolve));
    assert.match(received, /^HTTP\/1\.1 408/);
  });

  test('unknown routes are 404 and wrong methods 405, with reasons', async () => {
    const missing = await fetch(`${ui.url}/api/nothing`);
    assert.equal(missing.status, 404);
    assert.match((await missing.json()).error, /no route/);
    const wrong = await fetch(`${ui.url}/v1/traces`);
    assert.equal(wrong.status, 405);
    const badPath = await fetch(`${ui.url}/api/traces/%E0%A4%A`);
    assert.equal(badPath.status, 400);
  });

  test('garbage instead of HTTP gets a 400 and the server keeps serving', async () => {
    const { port } = new URL(ui.url);
    const socket = net.connect(Number(port), '127.0.0.1');
    socket.on('error', () => {});
    let received = '';
    socket.on('data', (d) => (received += d));
    socket.write('\x00\x01\x02 nonsense\r\n\r\n');
    await new Promise((resolve) => socket.on('close', resolve));
    assert.match(received, /400/);
    assert.equal((await fetch(`${ui.url}/api/health`)).status, 200);
  });
});
