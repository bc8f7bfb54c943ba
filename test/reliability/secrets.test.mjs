// The API key and the app's secrets: the key never appears in any line the agent writes, never reaches the Local UI,
// never crosses plain http to a non-loopback host (the lookup of that host does not even start), is never used as a
// host name, and the agent's own requests are never traced. Secrets in captured variables are redacted first.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeLocalUi } from '../fixtures/fake-local-ui.mjs';
import { startFakeTraceKit } from '../helpers/fake-tracekit.mjs';
import { startReceiver } from '../helpers/receiver.mjs';
import { behaviours } from '../helpers/hostile-server.mjs';
import { APP, KEY, app, baseline, cleanEnv, envFor, get, hostile, sameAnswer, sameExit, until, warnings } from '../helpers/reliability.mjs';

const MASKED = 'ctxio_****';
const LOG_CONNECTIONS = './test/fixtures/log-outgoing-connections.cjs';

async function closeAfter(t, thing) {
  t.after(() => thing.close());
  return thing;
}

describe('the API key', { concurrency: true }, () => {
  test('pasted into the service name, environment, version and resource attributes: never on stdout or stderr, never at the Local UI, masked in the spans', async (t) => {
    const receiver = await closeAfter(t, await startReceiver());
    const ui = await closeAfter(t, await startFakeLocalUi());
    const env = envFor(receiver, {
      TRACEKIT_DEBUG: 'true',
      TRACEKIT_SERVICE_NAME: `shop-${KEY}`,
      TRACEKIT_ENVIRONMENT: KEY,
      TRACEKIT_SERVICE_VERSION: `1.0-${KEY}`,
      OTEL_RESOURCE_ATTRIBUTES: `team=${KEY}`,
      NODE_ENV: 'development',
      TRACEKIT_LOCAL_UI_URL: ui.url,
    });
    const withAgent = await app(t, env);
    await until(() => ui.healthChecks() > 0, 'the Local UI probe');
    await until(() => withAgent.stderr.includes('Local UI found'), 'the Local UI to be found');
    await get(withAgent, '/spans?n=2&name=leak');
    await until(() => ui.requests.some((r) => r.method === 'POST' && r.body.includes('leak-0')), 'spans at the Local UI');
    const [span] = await receiver.waitForSpans((s) => s.name === 'leak-0');
    assert.equal(span.resource.attributes['service.name'], `shop-${MASKED}`);
    await sameExit(withAgent, await baseline(t));
    assert.ok(!withAgent.stderr.includes(KEY), withAgent.stderr);
    assert.ok(!withAgent.stdout.includes(KEY));
    assert.match(withAgent.stderr, /service: shop-ctxio_\*\*\*\*/, 'the debug summary shows the masked name');
    for (const request of ui.requests) {
      assert.ok(!JSON.stringify(request.headers).includes(KEY), 'a header to the Local UI holds the key');
      assert.ok(!request.body.includes(KEY), 'a body sent to the Local UI holds the key');
    }
    for (const request of receiver.requests) assert.ok(!request.body.includes(Buffer.from(KEY)), 'an exported span holds the key');
  });

  test('pasted into TRACEKIT_ENDPOINT: never resolved as a host name, one warning, export off', async (t) => {
    const env = cleanEnv({ TRACEKIT_API_KEY: KEY, TRACEKIT_ENDPOINT: KEY, TRACEKIT_SERVICE_NAME: 'fixture' });
    const withAgent = await app(t, env);
    const without = await baseline(t);
    await sameAnswer(withAgent, without, '/spans?n=3');
    await sameExit(withAgent, without);
    assert.equal(warnings(withAgent).length, 1, withAgent.stderr);
    assert.match(warnings(withAgent)[0], /TRACEKIT_ENDPOINT="ctxio_\*\*\*\*" holds the API key; traces, metrics and code monitoring are off/);
    assert.ok(!withAgent.stderr.includes(KEY));
  });

  test('never over plain http to a non-loopback host: no DNS lookup, no connection, one warning', async (t) => {
    const { startApp, stopApp } = await import('../helpers/app.mjs');
    const env = cleanEnv({ TRACEKIT_API_KEY: KEY, TRACEKIT_ENDPOINT: 'http://collector.invalid:4318', TRACEKIT_CODE_MONITORING: 'true' });
    const started = await startApp(APP, { env, nodeArgs: ['--import', './register.mjs', '-r', LOG_CONNECTIONS] });
    t.after(() => stopApp(started, 'SIGKILL'));
    await get(started, '/spans?n=3');
    await get(started, '/metrics?n=3');
    await stopApp(started);
    assert.doesNotMatch(started.stdout, /OUTGOING-(DNS|CONNECT)/, started.stdout);
    assert.equal(warnings(started).length, 1, started.stderr);
    assert.match(warnings(started)[0], /refusing to send the API key \(ctxio_\*\*\*\*\) over plain http/);
  });

  test('a 401 names the variable holding the key, never the key; a missing key is named as such', async (t) => {
    const server = await hostile(t, (req, res) => behaviours.status(res, 401));
    const withAgent = await app(t, envFor(server));
    await get(withAgent, '/spans?n=1');
    await until(() => warnings(withAgent).length > 0, 'the refusal warning');
    assert.match(warnings(withAgent)[0], /HTTP 401: the backend refused the API key from TRACEKIT_API_KEY/);
    assert.ok(!withAgent.stderr.includes(KEY));

    const collector = await hostile(t, (req, res) => behaviours.status(res, 403));
    const keyless = await app(t, cleanEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_BSP_SCHEDULE_DELAY: '50' }));
    await get(keyless, '/spans?n=1');
    await until(() => warnings(keyless).length > 0, 'the refusal warning');
    assert.match(warnings(keyless)[0], /HTTP 403: the backend wants credentials; set TRACEKIT_API_KEY/);
  });

  test('a key refused by the code-monitoring API is named the same way', async (t) => {
    const backend = await closeAfter(t, await startFakeTraceKit());
    backend.pollAnswer = () => ({ status: 403, body: '{"error":"forbidden"}' });
    const withAgent = await app(t, envFor(backend, { TRACEKIT_CODE_MONITORING: 'true', TRACEKIT_CODE_MONITORING_POLL_INTERVAL_MS: '100' }));
    await backend.waitFor(() => backend.polls.length >= 1, 5000, 'a poll');
    await until(() => withAgent.stderr.includes('breakpoint poll failed'), 'the poll warning');
    assert.match(withAgent.stderr, /breakpoint poll failed \(HTTP 403: the backend refused the API key from TRACEKIT_API_KEY/);
    assert.ok(!withAgent.stderr.includes(KEY));
  });
});

describe('secrets in captured variables, and the agent\'s own requests', { concurrency: true }, () => {
  test('secrets nested in objects, Maps, arrays, URLs and headers are redacted before the capture leaves; the app\'s objects are unchanged', async (t) => {
    const backend = await closeAfter(t, await startFakeTraceKit());
    backend.activateOnRegister = true;
    const env = envFor(backend, { TRACEKIT_CODE_MONITORING: 'true', TRACEKIT_CODE_MONITORING_POLL_INTERVAL_MS: '100', TRACEKIT_SERVICE_NAME: 'monitored' });
    const withAgent = await app(t, env);
    const without = await baseline(t);
    await sameAnswer(withAgent, without, '/snapshot?label=hostile');
    await backend.waitFor(() => backend.registrations.length >= 1, 5000, 'the registration');
    // The breakpoint is active once a poll after the registration listed it.
    const registeredAt = backend.registrations[0].at;
    await backend.waitFor(() => backend.polls.some((p) => p.at > registeredAt + 50), 5000, 'a poll listing the breakpoint');
    await until(async () => {
      if (backend.captures.length > 0) return true;
      await sameAnswer(withAgent, without, '/snapshot?label=hostile');
      return backend.captures.length > 0;
    }, 'a capture', 8000);
    const capture = backend.captures[0];
    const text = JSON.stringify(capture.body);
    for (const secret of ['hunter2-password', 'sk_live_0123456789abcdefghij', 'Bearer abc.def.ghi', 'someone@example.com', '4111 1111 1111 1111', 'pa55word', 'session=abcdef', 'ctxio_nested_secret_key_123']) {
      assert.ok(!text.includes(secret), `${secret} left the process: ${text.slice(0, 2000)}`);
    }
    assert.ok(Buffer.byteLength(text) < 1024 * 1024, `capture of ${Buffer.byteLength(text)} bytes`);
    await sameExit(withAgent, without);
  });

  test('the agent\'s own requests are never traced, with the Local UI on the same machine too', async (t) => {
    const receiver = await closeAfter(t, await startReceiver());
    const ui = await closeAfter(t, await startFakeLocalUi());
    const env = envFor(receiver, { NODE_ENV: 'development', TRACEKIT_LOCAL_UI_URL: ui.url, TRACEKIT_LOCAL_UI_PROBE_INTERVAL_MS: '100' });
    const withAgent = await app(t, env);
    await until(() => withAgent.stderr.includes('Local UI found'), 'the Local UI to be found');
    for (let i = 0; i < 3; i++) {
      await get(withAgent, `/spans?n=2&name=own${i}`);
      await receiver.waitForSpans((s) => s.name === `own${i}-0`);
    }
    await until(() => ui.healthChecks() >= 3, 'more probes');
    const spans = receiver.spans();
    const clientSpans = spans.filter((s) => s.kind === 3);
    assert.deepEqual(clientSpans.map((s) => s.name), [], 'a CLIENT span of the agent\'s own export or probe');
    const serverSpans = spans.filter((s) => s.kind === 2);
    assert.deepEqual(serverSpans.map((s) => s.attributes['url.path']).filter((p) => p?.startsWith('/v1') || p?.startsWith('/api')), []);
  });
});
