// Configuration through the environment, end to end: a bad value never stops the app (one warning naming the
// variable), the API key never shows in the output, the key rules decide where spans go, `.env` fills only unset
// variables, sampling is parent-based and still propagates, and the switches (ignore paths, disabled
// instrumentations, protocol, debug) do what docs/configuration.md says.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startReceiver } from '../helpers/receiver.mjs';
import { ROOT, agentEnv, cleanEnv, request, startApp, stopApp } from '../helpers/app.mjs';
import { startUpstreams } from '../fixtures/upstream.mjs';

const PLAIN_SERVER = 'test/fixtures/plain-server.mjs';
const QUIT_SERVER = 'test/fixtures/quit-server.mjs';
const ENV_ECHO_SERVER = 'test/fixtures/env-echo-server.mjs';
const LOG_CONNECTIONS = './test/fixtures/log-outgoing-connections.cjs';
const API_KEY = 'ctxio_test_key_0123456789'; // what agentEnv sets
const AGENT_VERSION = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
const SERVER = 2;
const CLIENT = 3;

async function serve(t, fixture, options) {
  const app = await startApp(fixture, options);
  t.after(() => stopApp(app, 'SIGKILL'));
  return app;
}

async function receiverFor(t, options) {
  const receiver = await startReceiver(options);
  t.after(() => receiver.close());
  return receiver;
}

async function upstreamsFor(t) {
  const upstreams = await startUpstreams();
  t.after(() => upstreams.close());
  return upstreams;
}

/** agentEnv without some of its variables. */
function agentEnvWithout(receiver, names, extra = {}) {
  const env = agentEnv(receiver, extra);
  for (const name of names) delete env[name];
  return env;
}

const warningLines = (stderr) => stderr.split('\n').filter((line) => line.startsWith('[tracekit] warning:'));
const agentLines = (stderr) => stderr.split('\n').filter((line) => line.startsWith('[tracekit]'));
const callUrl = (app, via, target) => `${app.url}/call?via=${via}&target=${encodeURIComponent(target)}`;
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-(0[01])$/;

describe('a bad value: the app runs, its exit code is unchanged, one warning names the variable', () => {
  const cases = [
    ['TRACEKIT_SAMPLE_RATE', 'abc'],
    ['TRACEKIT_SAMPLE_RATE', '2'],
    ['TRACEKIT_SAMPLE_RATE', '-1'],
    ['TRACEKIT_SAMPLE_RATE', '50%'],
    // Without a key: the default it falls back to is the TraceKit cloud, and nothing must go there from a test.
    ['TRACEKIT_ENDPOINT', 'http://[bad', { withoutKey: true }],
    ['TRACEKIT_SERVICE_NAME_MAPPINGS', 'nocolon'],
    ['OTEL_TRACES_SAMPLER', 'bogus'],
    ['TRACEKIT_PROTOCOL', 'grpc'],
    ['TRACEKIT_ENABLED', 'maybe'],
  ];
  for (const [name, value, { withoutKey = false } = {}] of cases) {
    test(`${name}=${value}`, async (t) => {
      const receiver = await receiverFor(t);
      const env = withoutKey
        ? cleanEnv({ TRACEKIT_SERVICE_NAME: 'fixture', OTEL_BSP_SCHEDULE_DELAY: '50', [name]: value })
        : agentEnv(receiver, { [name]: value });
      const app = await serve(t, QUIT_SERVER, { env });
      const answer = await request(`${app.url}/work`);
      assert.equal(answer.status, 200);
      assert.equal(answer.body, 'ok');
      assert.equal((await request(`${app.url}/quit?code=5`)).body, 'bye');
      const timer = setTimeout(() => app.child.kill('SIGKILL'), 10_000);
      const exited = await app.exit;
      clearTimeout(timer);
      assert.deepStrictEqual(exited, { code: 5, signal: null }, app.stderr);
      const warnings = warningLines(app.stderr);
      assert.equal(warnings.length, 1, `expected one warning line, got:\n${app.stderr}`);
      assert.ok(warnings[0].includes(name), `the warning does not name ${name}: ${warnings[0]}`);
      if (withoutKey) {
        assert.equal(receiver.requests.length, 0);
      } else {
        // The agent carried on with the default: the request was still traced and exported.
        await receiver.waitForSpans((s) => s.attributes['url.path'] === '/work');
      }
    });
  }
});

describe('the API key', () => {
  test('never appears on stderr with TRACEKIT_DEBUG=1, only masked (also when pasted into the wrong variable)', async (t) => {
    const receiver = await receiverFor(t);
    const key = 'ctxio_S3cretPart0123456789abcdef';
    const app = await serve(t, PLAIN_SERVER, {
      env: agentEnv(receiver, { TRACEKIT_API_KEY: key, TRACEKIT_DEBUG: '1', TRACEKIT_SAMPLE_RATE: key }),
    });
    assert.equal((await request(`${app.url}/secret`)).status, 200);
    await receiver.waitForSpans((s) => s.attributes['url.path'] === '/secret');
    await stopApp(app, 'SIGTERM');
    assert.match(app.stderr, /\[tracekit\] debug: /, 'debug output expected');
    assert.match(app.stderr, /ctxio_\*\*\*\*/);
    assert.ok(!app.stderr.includes('S3cretPart'), `the key leaked:\n${app.stderr}`);
    assert.equal(receiver.requests[0].headers['x-api-key'], key, 'the key is still sent');
  });

  test('no key and the default endpoint: one info line, no export attempt at all', async (t) => {
    const env = cleanEnv({ TRACEKIT_SERVICE_NAME: 'fixture', OTEL_BSP_SCHEDULE_DELAY: '50' });
    const app = await serve(t, PLAIN_SERVER, { env, nodeArgs: ['--import', './register.mjs', '-r', LOG_CONNECTIONS] });
    assert.equal((await request(`${app.url}/nokey`)).status, 200);
    await sleep(500);
    assert.deepStrictEqual(await stopApp(app, 'SIGTERM'), { code: null, signal: 'SIGTERM' });
    const lines = agentLines(app.stderr);
    assert.equal(lines.length, 1, app.stderr);
    assert.match(lines[0], /^\[tracekit\] (?!warning:).*TRACEKIT_API_KEY/);
    assert.doesNotMatch(app.stdout, /OUTGOING-(CONNECT|DNS)/, `the agent tried to reach something:\n${app.stdout}`);
  });

  test('no key and an explicit collector endpoint: spans arrive, without an X-API-Key header', async (t) => {
    const receiver = await receiverFor(t);
    const env = cleanEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, TRACEKIT_SERVICE_NAME: 'fixture', OTEL_BSP_SCHEDULE_DELAY: '50' });
    const app = await serve(t, PLAIN_SERVER, { env, nodeArgs: ['--import', './register.mjs', '-r', LOG_CONNECTIONS] });
    assert.equal((await request(`${app.url}/collector`)).status, 200);
    await receiver.waitForSpans((s) => s.attributes['url.path'] === '/collector');
    for (const r of receiver.requests) assert.equal(r.headers['x-api-key'], undefined);
    // The connection log sees export connections (so the test above, which saw none, means something).
    assert.match(app.stdout, new RegExp(`OUTGOING-CONNECT 127\\.0\\.0\\.1:${new URL(receiver.url).port}`));
    assert.equal(warningLines(app.stderr).length, 0, app.stderr);
  });

  test('with a key: exactly one x-api-key header with the key', async (t) => {
    const receiver = await receiverFor(t);
    const app = await serve(t, PLAIN_SERVER, { env: agentEnv(receiver) });
    assert.equal((await request(`${app.url}/keyed`)).status, 200);
    await receiver.waitForSpans((s) => s.attributes['url.path'] === '/keyed');
    for (const r of receiver.requests) {
      assert.equal(r.headers['x-api-key'], API_KEY);
      const raw = [];
      for (const [k] of Object.entries(r.headers)) if (k.toLowerCase() === 'x-api-key') raw.push(k);
      assert.equal(raw.length, 1);
    }
    assert.equal(app.stderr, '');
  });
});

describe('.env in the working directory', () => {
  /** A temp dir holding a copy of the env-echo fixture and a `.env`. */
  function appDir(t, dotenv) {
    const dir = mkdtempSync(join(tmpdir(), 'tracekit-dotenv-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    copyFileSync(join(ROOT, ENV_ECHO_SERVER), join(dir, 'server.mjs'));
    writeFileSync(join(dir, '.env'), dotenv);
    return dir;
  }
  const nodeArgs = ['--import', join(ROOT, 'register.mjs')];

  test('supplies TRACEKIT_SERVICE_NAME when the environment does not set it (and process.env stays untouched)', async (t) => {
    const receiver = await receiverFor(t);
    const dir = appDir(t, '# service for the agent\nTRACEKIT_SERVICE_NAME=from-dotenv\n');
    const app = await serve(t, join(dir, 'server.mjs'), { cwd: dir, nodeArgs, env: agentEnvWithout(receiver, ['TRACEKIT_SERVICE_NAME']) });
    assert.equal((await request(`${app.url}/env?name=TRACEKIT_SERVICE_NAME`)).body, '<unset>');
    const [span] = await receiver.waitForSpans((s) => s.attributes['url.path'] === '/env');
    assert.equal(span.resource.attributes['service.name'], 'from-dotenv');
    const lines = agentLines(app.stderr);
    assert.equal(lines.length, 1, app.stderr);
    assert.match(lines[0], /TRACEKIT_SERVICE_NAME/);
    assert.ok(!app.stderr.includes('from-dotenv'), 'values read from .env are not printed');
  });

  test('does not override the same variable set in the real environment', async (t) => {
    const receiver = await receiverFor(t);
    const dir = appDir(t, 'TRACEKIT_SERVICE_NAME=from-dotenv\n');
    const app = await serve(t, join(dir, 'server.mjs'), {
      cwd: dir,
      nodeArgs,
      env: agentEnv(receiver, { TRACEKIT_SERVICE_NAME: 'from-env' }),
    });
    assert.equal((await request(`${app.url}/env?name=TRACEKIT_SERVICE_NAME`)).body, 'from-env');
    const [span] = await receiver.waitForSpans((s) => s.attributes['url.path'] === '/env');
    assert.equal(span.resource.attributes['service.name'], 'from-env');
    assert.equal(app.stderr, '');
  });
});

describe('sampling', () => {
  test('rate 0: nothing exported, but traceparent still propagates (flag 00), also from an unsampled parent', async (t) => {
    const receiver = await receiverFor(t);
    const upstreams = await upstreamsFor(t);
    const app = await serve(t, PLAIN_SERVER, { env: agentEnv(receiver, { TRACEKIT_SAMPLE_RATE: '0' }) });
    for (const via of ['http', 'fetch']) {
      assert.equal((await request(callUrl(app, via, `${upstreams.httpUrl}/rate0-${via}`))).status, 200);
    }
    const incoming = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00';
    assert.equal((await request(callUrl(app, 'http', `${upstreams.httpUrl}/rate0-child`), { headers: { traceparent: incoming } })).status, 200);

    for (const via of ['http', 'fetch']) {
      const seen = upstreams.seen.find((s) => s.url === `/rate0-${via}`);
      assert.ok(seen?.traceparent, `no traceparent via ${via}`);
      const [, traceId, , flags] = TRACEPARENT.exec(seen.traceparent) ?? [];
      assert.equal(flags, '00', seen.traceparent);
      assert.notEqual(traceId, '0'.repeat(32));
    }
    const child = upstreams.seen.find((s) => s.url === '/rate0-child');
    const [, childTrace, childParent, childFlags] = TRACEPARENT.exec(child?.traceparent ?? '') ?? [];
    assert.equal(childTrace, '0af7651916cd43dd8448eb211c80319c', 'the incoming trace id continues');
    assert.notEqual(childParent, 'b7ad6b7169203331');
    assert.equal(childFlags, '00');

    await sleep(800);
    await stopApp(app, 'SIGTERM');
    assert.equal(receiver.spans().length, 0);
    assert.equal(app.stderr, '');
  });

  test('rate 0 honours an incoming sampled traceparent (parent-based)', async (t) => {
    const receiver = await receiverFor(t);
    const upstreams = await upstreamsFor(t);
    const app = await serve(t, PLAIN_SERVER, { env: agentEnv(receiver, { TRACEKIT_SAMPLE_RATE: '0' }) });
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const incoming = `00-${traceId}-00f067aa0ba902b7-01`;
    assert.equal((await request(callUrl(app, 'http', `${upstreams.httpUrl}/sampled`), { headers: { traceparent: incoming } })).status, 200);
    const spans = await receiver.waitForSpans({ where: (s) => s.traceId === traceId, count: 2 });
    const server = spans.find((s) => s.kind === SERVER);
    const client = spans.find((s) => s.kind === CLIENT);
    assert.ok(server && client, JSON.stringify(spans.map((s) => [s.name, s.kind])));
    assert.equal(server.parentSpanId, '00f067aa0ba902b7');
    assert.equal(client.parentSpanId, server.spanId);
    const seen = upstreams.seen.find((s) => s.url === '/sampled');
    assert.equal(seen.traceparent, `00-${traceId}-${client.spanId}-01`);
  });

  test('rate 1: every request is exported', async (t) => {
    const receiver = await receiverFor(t);
    const app = await serve(t, PLAIN_SERVER, { env: agentEnv(receiver, { TRACEKIT_SAMPLE_RATE: '1' }) });
    for (let i = 0; i < 10; i++) assert.equal((await request(`${app.url}/all-${i}`)).status, 200);
    const spans = await receiver.waitForSpans({ where: (s) => s.kind === SERVER, count: 10 });
    assert.equal(new Set(spans.map((s) => s.attributes['url.path'])).size, 10);
    assert.equal(new Set(spans.map((s) => s.traceId)).size, 10);
  });
});

test('TRACEKIT_IGNORE_PATHS=/health,/metrics*: no span for those paths', async (t) => {
  const receiver = await receiverFor(t);
  const app = await serve(t, PLAIN_SERVER, { env: agentEnv(receiver, { TRACEKIT_IGNORE_PATHS: '/health,/metrics*' }) });
  for (const path of ['/health', '/health?verbose=1', '/metrics', '/metrics/cpu', '/metricsz', '/healthz', '/kept']) {
    assert.equal((await request(`${app.url}${path}`)).status, 200, path);
  }
  await receiver.waitForSpans((s) => s.attributes['url.path'] === '/kept');
  await sleep(300);
  const paths = receiver.spans().map((s) => s.attributes['url.path']).sort();
  assert.deepStrictEqual(paths, ['/healthz', '/kept']);
  assert.equal(app.stderr, '');
});

test('TRACEKIT_DISABLED_INSTRUMENTATIONS=fetch: fetch makes no CLIENT span, http still does', async (t) => {
  const receiver = await receiverFor(t);
  const upstreams = await upstreamsFor(t);
  const app = await serve(t, PLAIN_SERVER, { env: agentEnv(receiver, { TRACEKIT_DISABLED_INSTRUMENTATIONS: 'fetch' }) });
  assert.equal((await request(callUrl(app, 'fetch', `${upstreams.httpUrl}/via-fetch`))).status, 200);
  assert.equal((await request(callUrl(app, 'http', `${upstreams.httpUrl}/via-http`))).status, 200);
  await receiver.waitForSpans({ where: (s) => s.kind === SERVER, count: 2 });
  await receiver.waitForSpans((s) => s.kind === CLIENT);
  await sleep(300);
  const clients = receiver.spans().filter((s) => s.kind === CLIENT);
  assert.equal(clients.length, 1, JSON.stringify(clients.map((s) => s.attributes['url.full'])));
  assert.match(clients[0].attributes['url.full'], /\/via-http$/);
  assert.equal(app.stderr, '');
});

describe('wire format', () => {
  for (const [label, extra, contentType] of [
    ['TRACEKIT_PROTOCOL=http/json → JSON bodies', { TRACEKIT_PROTOCOL: 'http/json' }, 'application/json'],
    ['default → protobuf bodies', {}, 'application/x-protobuf'],
  ]) {
    test(label, async (t) => {
      const receiver = await receiverFor(t);
      const app = await serve(t, PLAIN_SERVER, { env: agentEnv(receiver, extra) });
      assert.equal((await request(`${app.url}/format`)).status, 200);
      const [span] = await receiver.waitForSpans((s) => s.attributes['url.path'] === '/format');
      assert.equal(span.kind, SERVER);
      const traceRequests = receiver.requests.filter((r) => r.path === '/v1/traces');
      assert.ok(traceRequests.length > 0);
      for (const r of traceRequests) assert.equal(r.headers['content-type'].split(';')[0].trim(), contentType);
      if (contentType === 'application/json') {
        const body = JSON.parse(traceRequests[0].body.toString('utf8'));
        assert.ok(Array.isArray(body.resourceSpans));
      } else {
        assert.throws(() => JSON.parse(traceRequests[0].body.toString('utf8')));
      }
    });
  }
});

describe('TRACEKIT_DEBUG=1 start-up summary', () => {
  test('version, Node version, service, endpoint, masked key, sampler, instrumentations, Local UI off', async (t) => {
    const receiver = await receiverFor(t);
    const app = await serve(t, PLAIN_SERVER, { env: agentEnv(receiver, { TRACEKIT_DEBUG: '1', TRACEKIT_SAMPLE_RATE: '0.5' }) });
    await stopApp(app, 'SIGTERM');
    const out = app.stderr;
    assert.ok(out.includes(`@tracekit/agent ${AGENT_VERSION}`), out);
    assert.ok(out.includes(`Node.js ${process.versions.node}`), out);
    assert.match(out, /service: fixture\b/);
    assert.ok(out.includes(receiver.tracesUrl), out);
    assert.match(out, /API key: ctxio_\*\*\*\*/);
    assert.ok(!out.includes(API_KEY), 'unmasked key in the summary');
    assert.match(out, /sampler: parentbased_traceidratio \(ratio 0\.5\)/);
    assert.match(out, /instrumentations: .*\bhttp\b.*\bfetch\b/);
    assert.match(out, /Local UI: off/);
    assert.equal(warningLines(out).length, 0, out);
  });

  test('Local UI state in development', async (t) => {
    const receiver = await receiverFor(t);
    const app = await serve(t, PLAIN_SERVER, {
      env: agentEnv(receiver, { TRACEKIT_DEBUG: '1', NODE_ENV: 'development', TRACEKIT_LOCAL_UI_URL: 'http://127.0.0.1:9' }),
    });
    await stopApp(app, 'SIGTERM');
    assert.match(app.stderr, /Local UI: (?!off).*127\.0\.0\.1:9\b/);
    assert.match(app.stderr, /service: fixture \[development\]/);
  });

  test('does not print credentials or a query token written into the endpoint', {
  }, async (t) => {
    const receiver = await receiverFor(t);
    const port = new URL(receiver.url).port;
    const app = await serve(t, PLAIN_SERVER, {
      env: agentEnv(receiver, { TRACEKIT_DEBUG: '1', TRACEKIT_ENDPOINT: `http://user:S3cretPw@127.0.0.1:${port}/x?token=T0kenValue` }),
    });
    await stopApp(app, 'SIGTERM');
    assert.match(app.stderr, /endpoint: /);
    assert.ok(!app.stderr.includes('S3cretPw'), `password printed:\n${app.stderr}`);
    assert.ok(!app.stderr.includes('T0kenValue'), `query token printed:\n${app.stderr}`);
  });
});
