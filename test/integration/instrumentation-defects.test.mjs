// Regression tests for what the instrumentation foundation fixed, each as a user meets it: a fetch error event that
// crashed the app, a caller's own traceparent sent twice, snapshots that lost their request under a derived context,
// outgoing calls of ignored requests that became orphan traces, a module loaded before the agent, and stack frames
// of the agent that could not be read.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startReceiver } from '../helpers/receiver.mjs';
import { startFakeTraceKit } from '../helpers/fake-tracekit.mjs';
import { agentEnv, cleanEnv, request, startApp, stopApp } from '../helpers/app.mjs';

const APP = 'test/fixtures/defects/app.cjs';

describe('outgoing calls and stacks', () => {
  let receiver;
  let upstream;
  let seen;
  let app;
  before(async () => {
    seen = [];
    upstream = http.createServer((req, res) => {
      seen.push({ path: req.url, traceparent: req.headers.traceparent });
      res.end('upstream ok');
    });
    await new Promise((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    receiver = await startReceiver();
    app = await startApp(APP, { env: agentEnv(receiver, { UPSTREAM_PORT: String(upstream.address().port), TRACEKIT_IGNORE_PATHS: '/health' }) });
  });
  after(async () => {
    if (app) await stopApp(app);
    await receiver?.close();
    await new Promise((resolve) => upstream.close(resolve));
  });

  test('a fetch error event whose error throws from `message` does not end the app', async () => {
    const response = await request(`${app.url}/hostile-fetch-error`);
    assert.equal(response.status, 200);
    assert.equal(response.body, 'still here 200');
    const [span] = await receiver.waitForSpans((s) => s.kind === 3 && /\/hostile$/.test(s.attributes['url.full']));
    assert.equal(span.status.code, 2, 'the CLIENT span is marked as failed');
    assert.equal(app.exited, undefined, 'the app is still running');
    assert.doesNotMatch(app.stderr, /failed and is now off/, 'a hostile error object is handled, not a failure of the agent');
  });

  test('a fetch whose caller set traceparent sends one value: the agent\'s CLIENT span as parent', async () => {
    const response = await request(`${app.url}/preset-traceparent`);
    assert.equal(response.body, 'upstream ok');
    const sent = seen.find((s) => s.path === '/preset');
    assert.match(sent.traceparent, /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/, `one traceparent value, got ${sent.traceparent}`);
    const [client] = await receiver.waitForSpans((s) => s.kind === 3 && /\/preset$/.test(s.attributes['url.full']));
    assert.equal(sent.traceparent, `00-${client.traceId}-${client.spanId}-01`);
  });

  test('an ignored path makes no span, and its outgoing calls neither become root spans nor carry traceparent', async () => {
    const response = await request(`${app.url}/health`);
    assert.equal(response.body, 'healthy');
    // A later traced request proves the exporter ran after the ignored one.
    await request(`${app.url}/preset-traceparent`);
    await receiver.waitForSpans((s) => s.kind === 2 && s.attributes['url.path'] === '/preset-traceparent');
    const spans = receiver.spans();
    assert.equal(spans.filter((s) => s.attributes['url.path'] === '/health').length, 0);
    assert.equal(spans.filter((s) => /\/health-(fetch|http)$/.test(s.attributes['url.full'] ?? '')).length, 0, 'no orphan CLIENT spans');
    for (const path of ['/health-fetch', '/health-http']) {
      assert.equal(seen.find((s) => s.path === path).traceparent, undefined, `${path} carries no traceparent`);
    }
  });

  test('stack frames of the agent in the app\'s errors are named and readable', async () => {
    const { body } = await request(`${app.url}/stack`);
    const agentFrames = body.split('\n').filter((line) => /@tracekit|dist[\\/]/.test(line));
    assert.ok(agentFrames.length > 0, `the Express wrapper is on the stack:\n${body}`);
    for (const frame of agentFrames) {
      // `at Layer.handleRequest (…/dist/guard.cjs:221:27)`: a function name, a file that is not the minified bundle.
      assert.match(frame, /^\s+at [\w.$]+(?: \[as \w+\])? \(.*dist[\\/]guard\.cjs:\d+:\d+\)$/, `readable frame: ${frame}`);
    }
    assert.ok(agentFrames.length <= 2, `at most two agent frames, got:\n${agentFrames.join('\n')}`);
  });
});

test('express required before the agent: one warning without TRACEKIT_DEBUG, naming the module and the fix', async () => {
  const receiver = await startReceiver();
  const app = await startApp(APP, {
    env: agentEnv(receiver, { UPSTREAM_PORT: '1' }),
    nodeArgs: ['--require', './test/fixtures/defects/preload-express.cjs', '--import', './register.mjs'],
  });
  await stopApp(app);
  await receiver.close();
  const lines = app.stderr.split('\n').filter((line) => /loaded before the agent/.test(line));
  assert.equal(lines.length, 1, app.stderr);
  assert.match(lines[0], /express/);
  assert.match(lines[0], /--import @tracekit\/agent\/register/);
});

describe('snapshots under a derived context keep the request', () => {
  let backend;
  let app;
  before(async () => {
    backend = await startFakeTraceKit();
    backend.activateOnRegister = true;
    app = await startApp('test/fixtures/snapshot/derived.cjs', {
      env: cleanEnv({
        TRACEKIT_ENDPOINT: backend.url,
        TRACEKIT_API_KEY: 'ctxio_monitoring_key_0123456789',
        TRACEKIT_SERVICE_NAME: 'derived',
        TRACEKIT_CODE_MONITORING: 'true',
        TRACEKIT_CODE_MONITORING_POLL_INTERVAL_MS: '100',
      }),
    });
  });
  after(async () => {
    if (app) await stopApp(app);
    await backend?.close();
  });

  for (const path of ['/value', '/baggage', '/child-span', '/value-then-span', '/foreign-span']) {
    test(`${path}: request_context is present`, async () => {
      const label = `derived${path.replace('/', '-')}`;
      const captured = () => backend.captures.find((c) => c.body.label === label);
      // The first call registers the site; calls go on until the activated breakpoint captures.
      const deadline = Date.now() + 10_000;
      while (captured() === undefined) {
        assert.ok(Date.now() < deadline, `a capture for ${label} within 10 s (registrations: ${backend.registrations.length})`);
        await request(`${app.url}${path}`, { headers: { 'user-agent': 'derived-test' } });
        await backend.waitFor(() => captured() !== undefined || backend.polls.length > 0, 1000, 'a poll').catch(() => {});
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const body = captured().body;
      assert.equal(body.request_context?.path, path, JSON.stringify(body.request_context));
      assert.equal(body.request_context.user_agent, 'derived-test');
      assert.match(body.trace_id, /^[0-9a-f]{32}$/);
      if (path === '/foreign-span') assert.equal(body.trace_id, '4bf92f3577b34da6a3ce929d0e0e4736');
    });
  }
});
