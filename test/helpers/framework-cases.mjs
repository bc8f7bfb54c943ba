// The cases every framework fixture must pass (route templates of plain, param and nested routes, handler names,
// thrown and rejected errors, a 4xx built from an error, a 404), written once for the Koa, Hapi and NestJS apps.
// Each fixture is started once per describe block, under the preload, exporting to a receiver in this process.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startReceiver } from './receiver.mjs';
import { agentEnv, request, startApp, stopApp } from './app.mjs';

/**
 * Starts `fixture` under the preload once for the enclosing describe block (before/after hooks) and returns
 * { spanFor, app(), receiver() }: spanFor(path) sends one request with a unique marker and returns the single
 * SERVER span it produced, with the response.
 */
export function useFixture(fixture, env = {}) {
  let receiver;
  let app;
  before(async () => {
    receiver = await startReceiver();
    app = await startApp(fixture, { env: agentEnv(receiver, { TRACEKIT_SERVICE_NAME: 'shop', ...env }) });
  });
  after(async () => {
    if (app) await stopApp(app);
    await receiver?.close();
  });

  async function spanFor(path, { method = 'GET', headers = {} } = {}) {
    const marker = `req-${Math.random().toString(36).slice(2)}`;
    const response = await request(`${app.url}${path}`, { method, headers: { 'user-agent': marker, ...headers } });
    const [span] = await receiver.waitForSpans((s) => s.kind === 2 && s.attributes['user_agent.original'] === marker).catch((error) => {
      // What the app printed is the first thing to read when its spans never arrive.
      throw new Error(`${error.message}\nresponse: ${response.status}\napp stderr: ${app.stderr.slice(-3000)}`);
    });
    // A duplicate (a second SERVER span for the same request) would have ended before the span of a request sent
    // after it: once that one has arrived, so has any duplicate, and there must be exactly one.
    const fence = `${marker}-fence`;
    await request(`${app.url}/__tracekit_test_fence__`, { headers: { 'user-agent': fence } });
    await receiver.waitForSpans((s) => s.kind === 2 && s.attributes['user_agent.original'] === fence);
    const all = receiver.spans().filter((s) => s.kind === 2 && s.attributes['user_agent.original'] === marker);
    assert.equal(all.length, 1, `exactly one SERVER span per request, got ${all.length}`);
    return { span, response };
  }
  return { spanFor, app: () => app, receiver: () => receiver };
}

/**
 * `routes` maps each case to the fixture's path, template and handler name:
 * { user, nested, anonymous?, missing } as { path, template, handler? } (no `anonymous` where handlers always
 * have names).
 * `extra(context)` adds framework-specific tests, with the context useFixture returns.
 */
export function describeFramework({ name, fixture, routes, env = {}, extra }) {
  describe(name, () => {
    const context = useFixture(fixture, env);
    const { spanFor } = context;

    const assertOk = (span, route) => {
      assert.equal(span.name, `GET ${route.template}`);
      assert.equal(span.attributes['http.route'], route.template);
      assert.equal(span.attributes['code.function.name'], route.handler);
      assert.equal(span.status.code, 0);
    };

    test('param route: template, handler name, status', async () => {
      const { span, response } = await spanFor(routes.user.path);
      assert.equal(response.status, 200);
      assertOk(span, routes.user);
      assert.equal(span.attributes['http.status_code'], 200);
      assert.equal(span.resource.attributes['service.name'], 'shop');
    });

    test('nested routes and prefixes: the full template', async () => {
      const { span, response } = await spanFor(routes.nested.path);
      assert.equal(response.status, 200);
      assertOk(span, routes.nested);
    });

    if (routes.anonymous) test('an anonymous handler: no code.function.name', async () => {
      const { span, response } = await spanFor(routes.anonymous.path);
      assert.equal(response.status, 200);
      assertOk(span, routes.anonymous);
    });

    test('a thrown error: 500, exception event with stack, status ERROR', async () => {
      const { span, response } = await spanFor('/error-sync');
      assert.equal(response.status, 500);
      assert.equal(span.name, 'GET /error-sync');
      assert.equal(span.status.code, 2);
      const events = span.events.filter((e) => e.name === 'exception');
      assert.equal(events.length, 1, 'one exception event');
      assert.equal(events[0].attributes['exception.type'], 'Error');
      assert.equal(events[0].attributes['exception.message'], 'boom sync');
      assert.match(events[0].attributes['exception.stacktrace'], /Error: boom sync\n\s+at /);
    });

    test('an async route that rejects: exception event, status ERROR', async () => {
      const { span, response } = await spanFor('/error-async');
      assert.equal(response.status, 500);
      assert.equal(span.name, 'GET /error-async');
      assert.equal(span.status.code, 2);
      assert.equal(span.events.find((e) => e.name === 'exception')?.attributes['exception.message'], 'boom async');
    });

    test('a 404 thrown by the handler is not an error', async () => {
      const { span, response } = await spanFor(routes.missing.path);
      assert.equal(response.status, 404);
      assert.equal(span.name, `GET ${routes.missing.template}`);
      assert.equal(span.attributes['http.status_code'], 404);
      assert.equal(span.status.code, 0);
      assert.equal(span.events.filter((e) => e.name === 'exception').length, 0);
    });

    test('no route: bare method name, 404, not an error', async () => {
      const { span, response } = await spanFor('/no/such/path');
      assert.equal(response.status, 404);
      assert.equal(span.name, 'GET');
      assert.equal(span.attributes['http.route'], undefined);
      assert.equal(span.attributes['code.function.name'], undefined);
      assert.equal(span.status.code, 0);
    });

    test('fetch inside a handler: CLIENT child span of the SERVER span', async () => {
      const http = await import('node:http');
      const upstream = http.createServer((req, res) => res.end('upstream ok'));
      await new Promise((resolve) => upstream.listen(0, '127.0.0.1', resolve));
      try {
        const port = upstream.address().port;
        const { span, response } = await spanFor(`/fetch-upstream?port=${port}`);
        assert.equal(response.body, 'upstream ok');
        const [client] = await context.receiver().waitForSpans((s) => s.kind === 3 && s.traceId === span.traceId && s.attributes['server.port'] === port);
        assert.equal(client.parentSpanId, span.spanId);
      } finally {
        upstream.close();
      }
    });

    extra?.(context);
  });
}
