// CLIENT spans for outgoing http, https and fetch from a plain node:http server run under the agent.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { startReceiver } from '../helpers/receiver.mjs';
import { agentEnv, cleanEnv, request, runScript, startApp, stopApp } from '../helpers/app.mjs';
import { startUpstreams } from '../fixtures/upstream.mjs';

describe('outgoing calls from a plain http server', () => {
  let receiver;
  let upstreams;
  let app;

  before(async () => {
    receiver = await startReceiver();
    upstreams = await startUpstreams();
    app = await startApp('test/fixtures/plain-server.mjs', {
      env: agentEnv(receiver, {
        TRACEKIT_SERVICE_NAME: 'gateway',
        TRACEKIT_SERVICE_NAME_MAPPINGS: `127.0.0.1:${upstreams.httpsPort}=secure-api, localhost=local-thing`,
      }),
    });
  });
  after(async () => {
    if (app) await stopApp(app);
    await upstreams?.close();
    await receiver?.close();
  });

  /** Calls /call on the app and returns { server, client, seen } for that request. */
  async function call(via, target) {
    const before = upstreams.seen.length;
    const id = Math.random().toString(36).slice(2);
    const response = await request(`${app.url}/call?id=${id}&via=${via}&target=${encodeURIComponent(target)}`);
    const [server] = await receiver.waitForSpans((s) => s.kind === 2 && s.attributes['url.query']?.startsWith(`id=${id}&`));
    const clients = await receiver.waitForSpans((s) => s.kind === 3 && s.parentSpanId === server.spanId);
    return { response, server, client: clients[0], clients, seen: upstreams.seen.slice(before) };
  }

  for (const via of ['http', 'get', 'named', 'fetch']) {
    test(`${via}: CLIENT child span with method, url, status, server address/port, peer.service; traceparent injected`, async () => {
      const target = `${upstreams.httpUrl}/orders/9?page=2`;
      const { response, server, client, clients, seen } = await call(via, target);
      assert.equal(response.status, 200);
      assert.equal(clients.length, 1, 'one CLIENT span per outgoing request');
      assert.equal(client.traceId, server.traceId);
      assert.equal(client.name, 'GET');
      const a = client.attributes;
      assert.equal(a['http.method'], 'GET');
      assert.equal(a['http.request.method'], 'GET');
      assert.equal(a['http.url'], target);
      assert.equal(a['url.full'], target);
      assert.equal(a['server.address'], '127.0.0.1');
      assert.equal(a['server.port'], upstreams.httpPort);
      assert.equal(a['peer.service'], '127.0.0.1');
      assert.equal(a['http.status_code'], 200);
      assert.equal(a['http.response.status_code'], 200);
      assert.equal(client.status.code, 0);
      assert.equal(seen.length, 1);
      assert.equal(seen[0].traceparent, `00-${client.traceId}-${client.spanId}-01`);
    });
  }

  test('https to a self-signed local server, with a host:port service mapping', async () => {
    const { response, client, seen } = await call('https', `${upstreams.httpsUrl}/secure`);
    assert.equal(response.status, 200);
    assert.equal(client.attributes['http.url'], `${upstreams.httpsUrl}/secure`);
    assert.equal(client.attributes['server.port'], upstreams.httpsPort);
    assert.equal(client.attributes['peer.service'], 'secure-api');
    assert.equal(seen[0].traceparent, `00-${client.traceId}-${client.spanId}-01`);
  });

  test('a host-only mapping applies when no host:port mapping matches', async () => {
    const { client } = await call('fetch', `http://localhost:${upstreams.httpPort}/x`);
    assert.equal(client.attributes['peer.service'], 'local-thing');
  });

  test('credentials and signature query parameters are redacted from the URL', async () => {
    const target = `http://user:secret@127.0.0.1:${upstreams.httpPort}/file?X-Amz-Signature=abc123&sig=zzz&keep=1`;
    const { client } = await call('http', target);
    const url = client.attributes['http.url'];
    assert.equal(url, `http://127.0.0.1:${upstreams.httpPort}/file?X-Amz-Signature=REDACTED&sig=REDACTED&keep=1`);
    assert.ok(!url.includes('secret'));
  });

  test('4xx and 5xx upstream answers mark the CLIENT span as an error', async () => {
    for (const status of [404, 503]) {
      const { client } = await call('fetch', `${upstreams.httpUrl}/status?status=${status}`);
      assert.equal(client.attributes['http.status_code'], status);
      assert.equal(client.status.code, 2);
    }
  });

  test('connection refused: CLIENT span with the exception; the app handles the error as before', async () => {
    // A port that was just free (fetch refuses "bad ports" such as 1 before any request exists).
    const probe = net.createServer();
    await new Promise((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const closedPort = probe.address().port;
    await new Promise((resolve) => probe.close(resolve));
    for (const via of ['http', 'fetch']) {
      const response = await request(`${app.url}/call?via=${via}&target=${encodeURIComponent(`http://127.0.0.1:${closedPort}/refused`)}`);
      assert.equal(response.status, 502, `${via}: the app saw the error (${response.body})`);
      const [client] = await receiver.waitForSpans((s) => s.kind === 3 && s.attributes['server.port'] === closedPort && (via === 'http' ? !s.scope.name.includes('fetch') : s.scope.name.includes('fetch')));
      assert.equal(client.status.code, 2);
      assert.ok(client.events.some((e) => e.name === 'exception'), `${via}: exception event`);
    }
  });

  test('the agent never traces its own exports', async () => {
    await new Promise((resolve) => setTimeout(resolve, 300));
    const own = receiver.spans().filter((s) => String(s.attributes['http.url'] ?? '').includes('/v1/traces') || s.attributes['server.port'] === Number(new URL(receiver.url).port));
    assert.deepEqual(own, []);
  });
});

describe('outgoing calls outside any request', () => {
  test('a root CLIENT span; an http error with no listener still crashes the app exactly as without the agent', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tracekit-client-'));
    const script = path.join(dir, 'no-listener.cjs');
    writeFileSync(script, "require('node:http').get('http://127.0.0.1:1/');\n");
    const receiver = await startReceiver();
    try {
      const bare = await runScript(script, { preload: false, env: cleanEnv() });
      const traced = await runScript(script, { env: agentEnv(receiver) });
      assert.equal(bare.code, 1);
      assert.equal(traced.code, bare.code);
      assert.match(bare.stderr, /ECONNREFUSED/);
      assert.match(traced.stderr, /ECONNREFUSED/);
      const [client] = await receiver.waitForSpans((s) => s.kind === 3, 5000);
      assert.equal(client.parentSpanId, '');
      assert.equal(client.status.code, 2);
    } finally {
      await receiver.close();
    }
  });
});
