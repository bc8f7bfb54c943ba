// The TraceKit Local UI in development: found when it runs (at start or later), sent OTLP JSON
// with OTLP kind numbers and never the API key, ignored outside development, and never a cost at start-up.
// The Local UI is faked inside the test process (test/fixtures/fake-local-ui.mjs).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { startReceiver } from '../helpers/receiver.mjs';
import { agentEnv, request, startApp, stopApp } from '../helpers/app.mjs';
import { reservePort, startBlackhole, startFakeLocalUi } from '../fixtures/fake-local-ui.mjs';

const PLAIN_SERVER = 'test/fixtures/plain-server.mjs';
const SCRIPT = 'test/fixtures/spans-then-exit.mjs';
const API_KEY = 'ctxio_test_key_0123456789'; // what agentEnv sets
const SERVER = 2;

async function serve(t, fixture, options) {
  const app = await startApp(fixture, options);
  t.after(() => stopApp(app, 'SIGKILL'));
  return app;
}

async function closeAfter(t, thing) {
  t.after(() => thing.close());
  return thing;
}

async function until(condition, what, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

/** An OTLP JSON attribute's plain value. */
function attr(span, key) {
  const value = span.attributes?.find((a) => a.key === key)?.value;
  if (value === undefined) return undefined;
  return value.stringValue ?? value.intValue ?? value.boolValue ?? value.doubleValue;
}

const uiSpanFor = (ui, path) => ui.spans().find((s) => attr(s, 'url.path') === path);

function developmentEnv(receiver, uiUrl, extra = {}) {
  return agentEnv(receiver, {
    NODE_ENV: 'development',
    TRACEKIT_LOCAL_UI_URL: uiUrl,
    TRACEKIT_LOCAL_UI_PROBE_INTERVAL_MS: '300',
    ...extra,
  });
}

describe('Local UI running at start', () => {
  test('spans arrive there as OTLP JSON with OTLP kinds and no API key, and at the backend too', async (t) => {
    const receiver = await closeAfter(t, await startReceiver());
    const ui = await closeAfter(t, await startFakeLocalUi());
    const app = await serve(t, PLAIN_SERVER, { env: developmentEnv(receiver, ui.url) });
    await until(() => ui.healthChecks() > 0, 'the first Local UI probe');
    await sleep(100);
    assert.equal((await request(`${app.url}/to-ui?q=1`, { headers: { 'user-agent': 'ui-test' } })).status, 200);
    await until(() => uiSpanFor(ui, '/to-ui') !== undefined, 'the span at the Local UI');

    const span = uiSpanFor(ui, '/to-ui');
    assert.equal(span.kind, SERVER, 'OTLP numbering: SERVER is 2');
    assert.equal(span.serviceName, 'fixture');
    assert.match(span.traceId, /^[0-9a-f]{32}$/);
    assert.match(span.spanId, /^[0-9a-f]{16}$/);
    assert.match(String(span.startTimeUnixNano), /^\d{19}$/);
    assert.equal(attr(span, 'http.user_agent'), 'ui-test');
    for (const post of ui.requests.filter((r) => r.method === 'POST')) {
      assert.equal(post.status, 200, `the Local UI refused a body: ${post.body.slice(0, 200)}`);
      assert.equal(post.headers['content-type'].split(';')[0], 'application/json');
      assert.equal(post.headers['x-api-key'], undefined, 'the API key was sent to the Local UI');
      assert.ok(!JSON.stringify(post.headers).includes(API_KEY));
    }
    // The backend (key + endpoint set) gets the same span, with the key.
    const [backendSpan] = await receiver.waitForSpans((s) => s.attributes['url.path'] === '/to-ui');
    assert.equal(backendSpan.spanId, span.spanId);
    assert.equal(backendSpan.kind, SERVER);
    assert.equal(receiver.requests[0].headers['x-api-key'], API_KEY);
    assert.equal(app.stderr.split('\n').filter((l) => l.startsWith('[tracekit] warning:')).length, 0, app.stderr);
  });

  test('ENV=development works like NODE_ENV=development', async (t) => {
    const receiver = await closeAfter(t, await startReceiver());
    const ui = await closeAfter(t, await startFakeLocalUi());
    const env = developmentEnv(receiver, ui.url, { ENV: 'development' });
    delete env.NODE_ENV;
    const app = await serve(t, PLAIN_SERVER, { env });
    await until(() => ui.healthChecks() > 0, 'the first Local UI probe');
    await sleep(100);
    assert.equal((await request(`${app.url}/env-dev`)).status, 200);
    await until(() => uiSpanFor(ui, '/env-dev') !== undefined, 'the span at the Local UI');
  });

  test('without an API key, the Local UI still gets the spans (no backend)', async (t) => {
    const receiver = await closeAfter(t, await startReceiver());
    const ui = await closeAfter(t, await startFakeLocalUi());
    const env = developmentEnv(receiver, ui.url);
    delete env.TRACEKIT_API_KEY;
    delete env.TRACEKIT_ENDPOINT;
    const app = await serve(t, PLAIN_SERVER, { env });
    await until(() => ui.healthChecks() > 0, 'the first Local UI probe');
    await sleep(100);
    assert.equal((await request(`${app.url}/keyless`)).status, 200);
    await until(() => uiSpanFor(ui, '/keyless') !== undefined, 'the span at the Local UI');
    assert.equal(receiver.requests.length, 0);
  });
});

test('Local UI absent: the app starts and works as usual, silently', async (t) => {
  const receiver = await closeAfter(t, await startReceiver());
  const port = await reservePort();
  const started = Date.now();
  const app = await serve(t, PLAIN_SERVER, { env: developmentEnv(receiver, `http://127.0.0.1:${port}`) });
  const toListening = Date.now() - started;
  assert.ok(toListening < 5000, `took ${toListening} ms to listen`);
  assert.equal((await request(`${app.url}/no-ui`)).status, 200);
  await receiver.waitForSpans((s) => s.attributes['url.path'] === '/no-ui');
  await sleep(700); // a couple of failed probes
  assert.equal((await request(`${app.url}/still-fine`)).status, 200);
  await receiver.waitForSpans((s) => s.attributes['url.path'] === '/still-fine');
  assert.deepStrictEqual(await stopApp(app, 'SIGTERM'), { code: null, signal: 'SIGTERM' });
  assert.equal(app.stderr, '');
});

test('Local UI started after the app: found after the probe interval', async (t) => {
  const receiver = await closeAfter(t, await startReceiver());
  const port = await reservePort();
  const app = await serve(t, PLAIN_SERVER, { env: developmentEnv(receiver, `http://127.0.0.1:${port}`) });
  assert.equal((await request(`${app.url}/before-ui`)).status, 200);
  await receiver.waitForSpans((s) => s.attributes['url.path'] === '/before-ui');
  await sleep(700);

  const ui = await closeAfter(t, await startFakeLocalUi({ port }));
  const uiStarted = Date.now();
  await until(() => ui.healthChecks() > 0, 'a probe of the late Local UI', 3000);
  assert.ok(Date.now() - uiStarted < 2000, `found only after ${Date.now() - uiStarted} ms`);
  await sleep(100);
  assert.equal((await request(`${app.url}/after-ui`)).status, 200);
  await until(() => uiSpanFor(ui, '/after-ui') !== undefined, 'the span at the late Local UI');
  assert.equal(uiSpanFor(ui, '/after-ui').kind, SERVER);
});

test('a Local UI that stops does not delay the backend', {
}, async (t) => {
  const receiver = await closeAfter(t, await startReceiver());
  const ui = await startFakeLocalUi();
  let uiClosed = false;
  t.after(() => (uiClosed ? undefined : ui.close()));
  const app = await serve(t, PLAIN_SERVER, { env: developmentEnv(receiver, ui.url) });
  await until(() => ui.healthChecks() > 0, 'the first Local UI probe');
  await sleep(100);
  assert.equal((await request(`${app.url}/ui-alive`)).status, 200);
  await until(() => uiSpanFor(ui, '/ui-alive') !== undefined, 'the span at the Local UI');

  await ui.close();
  uiClosed = true;
  // The first batch after the stop goes to both destinations at once; its Local UI half keeps retrying.
  assert.equal((await request(`${app.url}/ui-gone-1`)).status, 200);
  await receiver.waitForSpans((s) => s.attributes['url.path'] === '/ui-gone-1', 15_000);
  await sleep(300);
  // The next batch must not wait for those retries.
  const sent = Date.now();
  assert.equal((await request(`${app.url}/ui-gone-2`)).status, 200);
  await receiver.waitForSpans((s) => s.attributes['url.path'] === '/ui-gone-2', 15_000);
  const late = Date.now() - sent;
  assert.ok(late < 3000, `the backend got the span ${late} ms after the request`);
});

describe('not development: the Local UI is never probed', () => {
  for (const [label, extra] of [['NODE_ENV=production', { NODE_ENV: 'production' }], ['NODE_ENV unset', {}]]) {
    test(label, async (t) => {
      const receiver = await closeAfter(t, await startReceiver());
      const ui = await closeAfter(t, await startFakeLocalUi());
      const env = agentEnv(receiver, { TRACEKIT_LOCAL_UI_URL: ui.url, TRACEKIT_LOCAL_UI_PROBE_INTERVAL_MS: '300', ...extra });
      const app = await serve(t, PLAIN_SERVER, { env });
      assert.equal((await request(`${app.url}/prod`)).status, 200);
      await receiver.waitForSpans((s) => s.attributes['url.path'] === '/prod');
      await sleep(1000); // three probe intervals
      assert.equal(ui.requests.length, 0, JSON.stringify(ui.requests.map((r) => `${r.method} ${r.url}`)));
    });
  }
});

describe('a Local UI that accepts connections but never answers (blackhole)', () => {
  /** ms from spawn to the fixture's LISTENING line. */
  async function timeToListening(t, env) {
    const started = Date.now();
    const app = await serve(t, PLAIN_SERVER, { env });
    const ms = Date.now() - started;
    return { app, ms };
  }

  test('does not delay start-up (≤ ~400 ms more than without a Local UI) nor requests', async (t) => {
    const receiver = await closeAfter(t, await startReceiver());
    const blackhole = await closeAfter(t, await startBlackhole());
    const without = [];
    const withBlackhole = [];
    for (let i = 0; i < 3; i++) {
      const a = await timeToListening(t, agentEnv(receiver));
      without.push(a.ms);
      await stopApp(a.app, 'SIGKILL');
      const b = await timeToListening(t, developmentEnv(receiver, blackhole.url));
      withBlackhole.push(b.ms);
      const begun = Date.now();
      assert.equal((await request(`${b.app.url}/during-probe-${i}`)).status, 200);
      assert.ok(Date.now() - begun < 400, `a request took ${Date.now() - begun} ms while the probe hung`);
      await stopApp(b.app, 'SIGKILL');
    }
    const best = (list) => Math.min(...list);
    assert.ok(best(withBlackhole) - best(without) < 400,
      `time to LISTENING: with a blackhole Local UI ${withBlackhole.join('/')} ms, without ${without.join('/')} ms`);
    assert.ok(blackhole.connections > 0, 'the Local UI was never probed');
  });

  test('does not hold a short script at exit', async (t) => {
    const receiver = await closeAfter(t, await startReceiver());
    const blackhole = await closeAfter(t, await startBlackhole());
    const runScript = async (env) => {
      const started = Date.now();
      const app = await startApp(SCRIPT, { args: ['natural'], env, waitForPort: false });
      t.after(() => stopApp(app, 'SIGKILL'));
      const closed = once(app.child, 'close');
      const result = await app.exit;
      await closed;
      return { ...result, ms: Date.now() - started, stderr: app.stderr };
    };
    const plain = await runScript(agentEnv(receiver));
    const dev = await runScript(developmentEnv(receiver, blackhole.url));
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal(dev.code, 0, dev.stderr);
    assert.ok(dev.ms - plain.ms < 1000, `with a blackhole Local UI ${dev.ms} ms, without ${plain.ms} ms`);
  });
});
