// SERVER spans for Express 4 (CJS), Express 5 (ESM), Fastify 4 (CJS) and Fastify 5 (ESM), each app started as a
// user would: `node --import ./register.mjs app`, exporting to a receiver in this process.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { useFixture } from '../helpers/framework-cases.mjs';

const APPS = [
  { name: 'Express 4 (CommonJS)', fixture: 'test/apps/express4/app.cjs', express: true },
  { name: 'Express 5 (ESM)', fixture: 'test/apps/express5/app.mjs', express: true },
  { name: 'Fastify 4 (CommonJS)', fixture: 'test/apps/fastify4/app.cjs', express: false },
  { name: 'Fastify 5 (ESM)', fixture: 'test/apps/fastify5/app.mjs', express: false },
];

for (const fixture of APPS) {
  describe(fixture.name, () => {
    const { spanFor, app: appOf, receiver: receiverOf } = useFixture(fixture.fixture);
    // The fixture's process and the receiver, once started by the before hook.
    let app;
    let receiver;
    before(() => { app = appOf(); receiver = receiverOf(); });

    test('route template, TraceKit and OpenTelemetry attributes, resource', async () => {
      const { span, response } = await spanFor('/users/42?tab=orders', { headers: { 'x-forwarded-for': '203.0.113.7, 10.0.0.1' } });
      assert.equal(response.status, 200);
      assert.equal(span.name, 'GET /users/:id');
      const a = span.attributes;
      assert.equal(a['http.route'], '/users/:id');
      // Several handlers (Express: a middleware, then the handler): the last one's name.
      assert.equal(a['code.function.name'], 'getUser');
      assert.equal(a['http.method'], 'GET');
      assert.equal(a['http.request.method'], 'GET');
      assert.equal(a['http.status_code'], 200);
      assert.equal(a['http.response.status_code'], 200);
      assert.equal(a['url.path'], '/users/42');
      assert.equal(a['url.query'], 'tab=orders');
      assert.match(a['http.url'], /^http:\/\/127\.0\.0\.1:\d+\/users\/42\?tab=orders$/);
      assert.equal(a['http.client_ip'], '203.0.113.7');
      assert.equal(a['client.address'], '203.0.113.7');
      assert.equal(a['server.address'], '127.0.0.1');
      assert.equal(a['server.port'], app.port);
      assert.equal(typeof a['http.duration_ms'], 'number');
      assert.equal(span.status.code, 0);
      assert.equal(span.parentSpanId, '');
      assert.equal(span.resource.attributes['service.name'], 'shop');
      assert.equal(span.resource.attributes['telemetry.sdk.language'], 'nodejs');
    });

    test('nested routers / prefixed plugins give the full template', async () => {
      const { span } = await spanFor('/api/v1/items/7');
      assert.equal(span.name, 'GET /api/v1/items/:itemId');
      assert.equal(span.attributes['http.route'], '/api/v1/items/:itemId');
      assert.equal(span.attributes['code.function.name'], 'getItem');
    });

    test('an anonymous handler: no code.function.name', async () => {
      const { span, response } = await spanFor('/anonymous');
      assert.equal(response.body, 'no name');
      assert.equal(span.name, 'GET /anonymous');
      assert.equal(span.attributes['code.function.name'], undefined);
    });

    if (fixture.express) {
      test('app.route() with several methods', async () => {
        const get = (await spanFor('/books/3')).span;
        assert.equal(get.name, 'GET /books/:bookId');
        assert.equal(get.attributes['code.function.name'], 'getBook');
        const { span, response } = await spanFor('/books/3', { method: 'POST' });
        assert.equal(response.status, 201);
        assert.equal(span.name, 'POST /books/:bookId');
        assert.equal(span.attributes['code.function.name'], 'createBook');
      });

      test('next(err) answered with a 4xx by the app\'s own error handler is not an error of the app', async () => {
        const { span, response } = await spanFor('/next-error');
        assert.equal(response.status, 400);
        assert.deepEqual(JSON.parse(response.body), { error: 'passed to next' });
        assert.notEqual(span.status.code, 2);
        assert.equal(span.events.filter((e) => e.name === 'exception').length, 0);
      });

      test('streamed and piped bodies end the span when the response ends', async () => {
        const streamed = await spanFor('/stream');
        assert.equal(streamed.response.body, 'chunk 0\nchunk 1\nchunk 2\n');
        assert.equal(streamed.span.name, 'GET /stream');
        // The stream writes three chunks 10 ms apart: the span must cover them.
        assert.ok(streamed.span.attributes['http.duration_ms'] >= 15, `duration ${streamed.span.attributes['http.duration_ms']}`);
        const piped = await spanFor('/pipe');
        assert.equal(piped.response.body, 'abc');
        assert.equal(piped.span.attributes['http.status_code'], 200);
      });
    } else {
      test('reply.send(error) records the exception', async () => {
        const { span, response } = await spanFor('/reply-error');
        assert.equal(response.status, 500);
        assert.equal(span.name, 'GET /reply-error');
        assert.equal(span.status.code, 2);
        assert.equal(span.events.find((e) => e.name === 'exception').attributes['exception.type'], 'TypeError');
      });

      test('a request answered by an onRequest hook (401) still gets its route template', async () => {
        const denied = await spanFor('/secure/accounts/5');
        assert.equal(denied.response.status, 401);
        assert.equal(denied.span.name, 'GET /secure/accounts/:accountId');
        assert.equal(denied.span.attributes['http.route'], '/secure/accounts/:accountId');
        assert.equal(denied.span.status.code, 0);
        // The handler never ran: it did not answer, so it is not named.
        assert.equal(denied.span.attributes['code.function.name'], undefined);
        const allowed = await spanFor('/secure/accounts/5', { headers: { authorization: 'Bearer ok' } });
        assert.equal(allowed.response.status, 200);
        assert.equal(allowed.span.name, 'GET /secure/accounts/:accountId');
        assert.equal(allowed.span.attributes['code.function.name'], 'getAccount');
      });

      test('a streamed reply ends the span when the stream ends', async () => {
        const { span, response } = await spanFor('/stream');
        assert.equal(response.body, 'chunk 0\nchunk 1\nchunk 2\n');
        assert.equal(span.name, 'GET /stream');
        assert.equal(span.attributes['http.status_code'], 200);
      });
    }

    test('sync throw: exception event with stack, status ERROR, 500 from the framework', async () => {
      const { span, response } = await spanFor('/error-sync');
      assert.equal(response.status, 500);
      assert.equal(span.name, 'GET /error-sync');
      assert.equal(span.status.code, 2);
      const events = span.events.filter((e) => e.name === 'exception');
      assert.equal(events.length, 1, 'one exception event');
      const [event] = events;
      assert.equal(event.attributes['exception.type'], 'Error');
      assert.equal(event.attributes['exception.message'], 'boom sync');
      // The backend's code discovery parses V8 frames: `at fn (file:line:col)` or `at file:line:col`.
      assert.match(event.attributes['exception.stacktrace'], /Error: boom sync\n\s+at .*app\.(c|m)js:\d+:\d+/);
    });

    test('async error: exception event, status ERROR', async () => {
      const { span, response } = await spanFor('/error-async');
      assert.equal(response.status, 500);
      assert.equal(span.name, 'GET /error-async');
      assert.equal(span.status.code, 2);
      assert.equal(span.events.find((e) => e.name === 'exception').attributes['exception.message'], 'boom async');
    });

    test('404: bare method name, no route, not an error', async () => {
      const { span, response } = await spanFor('/no/such/path');
      assert.equal(response.status, 404);
      assert.equal(span.name, 'GET');
      assert.equal(span.attributes['http.route'], undefined);
      assert.equal(span.attributes['http.status_code'], 404);
      assert.equal(span.status.code, 0);
    });

    test('redirect ends the span with 302', async () => {
      const { span, response } = await spanFor('/redirect');
      assert.equal(response.status, 302);
      assert.equal(span.name, 'GET /redirect');
      assert.equal(span.attributes['http.status_code'], 302);
    });

    test('aborted request: the span still ends, marked aborted', async () => {
      const marker = `abort-${Math.random().toString(36).slice(2)}`;
      await new Promise((resolve, reject) => {
        const socket = net.connect(app.port, '127.0.0.1', () => {
          socket.write(`GET /slow HTTP/1.1\r\nHost: 127.0.0.1:${app.port}\r\nUser-Agent: ${marker}\r\n\r\n`);
          setTimeout(() => { socket.destroy(); resolve(); }, 150);
        });
        socket.on('error', reject);
      });
      const [span] = await receiver.waitForSpans((s) => s.kind === 2 && s.attributes['user_agent.original'] === marker, 5000);
      assert.equal(span.name, 'GET /slow');
      assert.equal(span.attributes['http.aborted'], true);
      assert.ok(span.attributes['http.duration_ms'] < 1400, 'ended when the client left, not when the handler finished');
    });

    test('an incoming traceparent continues the caller\'s trace', async () => {
      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
      const { span } = await spanFor('/users/1', { headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });
      assert.equal(span.traceId, traceId);
      assert.equal(span.parentSpanId, '00f067aa0ba902b7');
    });

    test('fetch inside a handler: CLIENT child span, traceparent reaches the upstream', async () => {
      const upstreamSeen = [];
      const http = await import('node:http');
      const upstream = http.createServer((req, res) => {
        upstreamSeen.push(req.headers.traceparent);
        res.end('upstream ok');
      });
      await new Promise((resolve) => upstream.listen(0, '127.0.0.1', resolve));
      try {
        const port = upstream.address().port;
        const { span, response } = await spanFor(`/fetch-upstream?port=${port}`);
        assert.equal(response.body, 'upstream ok');
        const [client] = await receiver.waitForSpans((s) => s.kind === 3 && s.traceId === span.traceId && s.attributes['server.port'] === port);
        assert.equal(client.parentSpanId, span.spanId);
        assert.equal(upstreamSeen.length, 1);
        assert.equal(upstreamSeen[0], `00-${span.traceId}-${client.spanId}-01`);
      } finally {
        upstream.close();
      }
    });
  });
}
