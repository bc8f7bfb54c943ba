// Bad settings: each gives one warning and a safe value, and the app runs exactly as without the agent. A malformed
// endpoint turns its export off (never redirected to the TraceKit cloud), a loopback endpoint without a scheme
// means http://, and values too long for a URL or a header are cut.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeTraceKit } from '../helpers/fake-tracekit.mjs';
import { startReceiver } from '../helpers/receiver.mjs';
import { APP, KEY, app, baseline, cleanEnv, envFor, get, sameAnswer, sameExit, startApp, stopApp, until, warnings } from '../helpers/reliability.mjs';

const LOG_CONNECTIONS = './test/fixtures/log-outgoing-connections.cjs';

async function receiverFor(t) {
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  return receiver;
}

describe('bad values', { concurrency: true }, () => {
  test('bad sample rate, mappings and batching values: one warning each, the defaults, spans still exported', async (t) => {
    const receiver = await receiverFor(t);
    const bad = {
      TRACEKIT_SAMPLE_RATE: '50%',
      TRACEKIT_SERVICE_NAME_MAPPINGS: 'no-equals-sign,=empty-host',
      OTEL_BSP_SCHEDULE_DELAY: '-5',
      OTEL_BSP_MAX_QUEUE_SIZE: 'lots',
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '1e3',
      OTEL_BSP_EXPORT_TIMEOUT: '99999999999999',
      TRACEKIT_METRICS_FLUSH_INTERVAL_MS: '0',
    };
    const withAgent = await app(t, { ...envFor(receiver), ...bad });
    const without = await baseline(t);
    await sameAnswer(withAgent, without, '/spans?n=3&name=bad');
    await receiver.waitForSpans({ where: (s) => s.name.startsWith('bad-'), count: 3 });
    await sameExit(withAgent, without);
    const lines = warnings(withAgent);
    // Two mapping entries are two warnings; every other variable one.
    assert.equal(lines.length, Object.keys(bad).length + 1, withAgent.stderr);
    for (const name of Object.keys(bad)) assert.ok(lines.some((l) => l.includes(name)), `no warning names ${name}`);
  });

  for (const [name, value] of [
    ['TRACEKIT_ENDPOINT', 'https://exa mple.com'],
    ['TRACEKIT_ENDPOINT', 'ftp://collector:4318'],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'collector:4318'],
  ]) {
    test(`${name}=${value} with a key: one warning, nothing sent anywhere (no lookup, no connection)`, async (t) => {
      const env = cleanEnv({ TRACEKIT_API_KEY: KEY, [name]: value, TRACEKIT_CODE_MONITORING: 'true', OTEL_BSP_SCHEDULE_DELAY: '50' });
      const started = await startApp(APP, { env, nodeArgs: ['--import', './register.mjs', '-r', LOG_CONNECTIONS] });
      t.after(() => stopApp(started, 'SIGKILL'));
      const without = await baseline(t);
      await sameAnswer(started, without, '/spans?n=3');
      await sameAnswer(started, without, '/metrics?n=3');
      await sameExit(started, without);
      assert.doesNotMatch(started.stdout, /OUTGOING-(DNS|CONNECT)/, started.stdout);
      assert.equal(warnings(started).length, 1, started.stderr);
      assert.match(warnings(started)[0], new RegExp(`${name}=.*off \\(nothing is sent anywhere else\\)`));
    });
  }
});

describe('endpoints without a scheme', { concurrency: true }, () => {
  for (const host of ['127.0.0.1', 'localhost']) {
    test(`TRACEKIT_ENDPOINT=${host}:<port> is plain http (a local collector), no warning`, async (t) => {
      const receiver = await receiverFor(t);
      const port = new URL(receiver.url).port;
      const withAgent = await app(t, envFor(receiver, { TRACEKIT_ENDPOINT: `${host}:${port}` }));
      await get(withAgent, '/spans?n=1&name=noscheme');
      await receiver.waitForSpans((s) => s.name === 'noscheme-0');
      assert.equal(warnings(withAgent).length, 0, withAgent.stderr);
    });
  }

  test('https against a plain-http server: the warning says how to write the endpoint, not a raw OpenSSL error', async (t) => {
    const receiver = await receiverFor(t);
    const withAgent = await app(t, envFor(receiver, { TRACEKIT_ENDPOINT: receiver.url.replace('http://', 'https://'), OTEL_BSP_EXPORT_TIMEOUT: '1500' }));
    await get(withAgent, '/spans?n=1');
    await until(() => warnings(withAgent).length > 0, 'the export warning');
    assert.match(warnings(withAgent)[0], /does not speak TLS \(https\): if it is a plain-http collector, write the endpoint as http:\/\/host:port/);
    assert.doesNotMatch(warnings(withAgent)[0], /SSL routines|wrong version number/);
  });
});

describe('values too long for a URL or a header', () => {
  test('a 100 KB service name is cut to 256 characters: breakpoint polls keep working', async (t) => {
    const backend = await startFakeTraceKit();
    t.after(() => backend.close());
    const name = 's'.repeat(100_000);
    const withAgent = await app(t, envFor(backend, {
      TRACEKIT_SERVICE_NAME: name, TRACEKIT_CODE_MONITORING: 'true', TRACEKIT_CODE_MONITORING_POLL_INTERVAL_MS: '100',
    }));
    await backend.waitFor(() => backend.polls.filter((p) => p.method === 'GET').length >= 3, 5000, 'three polls');
    assert.equal(backend.polls[0].service, name.slice(0, 256));
    assert.equal(warnings(withAgent).length, 1, withAgent.stderr);
    assert.match(warnings(withAgent)[0], /TRACEKIT_SERVICE_NAME is 100000 characters long; using its first 256/);
    assert.doesNotMatch(withAgent.stderr, /breakpoint poll failed/);
  });
});
