// Code monitoring end to end: fixtures call tracekit.captureSnapshot under the agent, against a fake TraceKit
// backend (poll, auto-register, capture, SSE) in this process.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import path from 'node:path';
import { startFakeTraceKit } from '../helpers/fake-tracekit.mjs';
import { ROOT, cleanEnv, request, startApp, stopApp } from '../helpers/app.mjs';

function monitoringEnv(backend, extra = {}) {
  return cleanEnv({
    TRACEKIT_ENDPOINT: backend.url,
    TRACEKIT_API_KEY: 'ctxio_monitoring_key_0123456789',
    TRACEKIT_SERVICE_NAME: 'monitored',
    TRACEKIT_CODE_MONITORING: 'true',
    TRACEKIT_CODE_MONITORING_POLL_INTERVAL_MS: '200',
    OTEL_BSP_SCHEDULE_DELAY: '50',
    ...extra,
  });
}

async function withApp(fixture, backend, options, run) {
  const app = await startApp(fixture, { env: monitoringEnv(backend, options.env), nodeArgs: options.nodeArgs });
  try {
    await run(app);
  } finally {
    await stopApp(app);
  }
  return app;
}

describe('full flow: register, poll, capture, upload', () => {
  let backend;
  before(async () => { backend = await startFakeTraceKit(); });
  after(async () => { await backend?.close(); });

  test('CJS app: the first call registers the user call site; an enabled breakpoint then captures', async () => {
    backend.activateOnRegister = true;
    await withApp('test/fixtures/snapshot/app.cjs', backend, {}, async (app) => {
      assert.equal((await request(`${app.url}/checkout`)).status, 200);
      await backend.waitFor(() => backend.registrations.length >= 1, 5000, 'a registration');
      const registration = backend.registrations[0];
      assert.equal(registration.headers['x-api-key'], 'ctxio_monitoring_key_0123456789');
      assert.deepEqual(Object.keys(registration.body).sort(), ['file_path', 'function_name', 'label', 'line_number', 'service_name']);
      assert.equal(registration.body.service_name, 'monitored');
      assert.equal(registration.body.function_name, 'checkout');
      assert.equal(registration.body.label, 'checkout-total');
      assert.equal(registration.body.file_path, path.join(ROOT, 'test/fixtures/snapshot/app.cjs'));
      assert.equal(registration.body.line_number, 8);
      // The breakpoint becomes active with a poll (~500 ms after registering, or the 200 ms test interval).
      await backend.waitFor(() => backend.polls.length >= 2, 5000, 'a poll after the registration');
      await new Promise((resolve) => setTimeout(resolve, 300));
      const before = backend.captures.length;
      const response = await request(`${app.url}/checkout`, { headers: { 'user-agent': 'monitor-test', traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' } });
      assert.equal(response.status, 200, 'the app answers as usual');
      await backend.waitFor(() => backend.captures.length > before, 5000, 'a capture');
      const capture = backend.captures[before].body;
      assert.equal(capture.breakpoint_id, backend.breakpoints[0].id);
      assert.equal(capture.service_name, 'monitored');
      assert.equal(capture.function_name, 'checkout');
      assert.equal(capture.label, 'checkout-total');
      assert.equal(capture.line_number, 8);
      assert.match(capture.captured_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.equal(capture.variables.total, 12);
      assert.equal(capture.variables.password, '[REDACTED:sensitive_name]');
      assert.equal(capture.variables.contact, '[REDACTED:email]');
      assert.ok(capture.security_flags.some((f) => f.type === 'sensitive_variable_name' && f.severity === 'medium' && f.variable === 'password'));
      assert.ok(capture.security_flags.some((f) => f.type === 'email' && f.severity === 'high' && f.variable === 'contact'));
      assert.match(capture.stack_trace, /at checkout \(.*app\.cjs:8:\d+\)/);
      assert.doesNotMatch(capture.stack_trace, /dist[\\/](agent|snapshots|instrumentation-[\w-]+)\.cjs/);
      assert.equal(capture.trace_id, '4bf92f3577b34da6a3ce929d0e0e4736');
      assert.match(capture.span_id, /^[0-9a-f]{16}$/);
      assert.equal(capture.request_context.method, 'GET');
      assert.equal(capture.request_context.path, '/checkout');
      assert.equal(capture.request_context.user_agent, 'monitor-test');
      assert.equal(capture.request_context.headers['user-agent'], 'monitor-test');
      assert.equal(capture.request_context.ip, '127.0.0.1');
    });
    backend.activateOnRegister = false;
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Everything else the issue lists. Each test runs its own fake backend and app (so tests can run side by side),
// compares every response with the same fixture run without the agent, and ends the app with SIGTERM expecting the
// exit the app has without the agent.
// ---------------------------------------------------------------------------------------------------------------

const ROUTES = 'test/fixtures/snapshot/routes.cjs';
const APP_CJS = 'test/fixtures/snapshot/app.cjs';
const ESM_ASYNC = 'test/fixtures/snapshot/esm-async.mjs';
const KEY = 'ctxio_monitoring_key_0123456789';
const LOG_CONNECTIONS = './test/fixtures/log-outgoing-connections.cjs';
const SSE_PATH = '/sdk/snapshots/stream';
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function warningLines(stderr) {
  return stderr.split('\n').filter((line) => line.startsWith('[tracekit] warning:'));
}

/** Fixtures that run without the agent too: one run each, for the responses and the SIGTERM exit to compare with. */
const baselines = new Map();

async function baselineFor(fixture) {
  let entry = baselines.get(fixture);
  if (entry === undefined) {
    entry = (async () => {
      // The exit first, from a run that only starts and is terminated, then a run kept for the responses.
      const once = await startApp(fixture, { env: cleanEnv(), preload: false });
      const exit = await stopApp(once);
      const app = await startApp(fixture, { env: cleanEnv(), preload: false });
      return { app, exit, bodies: new Map() };
    })();
    baselines.set(fixture, entry);
  }
  return entry;
}

async function expectedBody(fixture, pathAndQuery) {
  const base = await baselineFor(fixture);
  if (!base.bodies.has(pathAndQuery)) {
    const response = await request(`${base.app.url}${pathAndQuery}`);
    base.bodies.set(pathAndQuery, { status: response.status, body: response.body });
  }
  return base.bodies.get(pathAndQuery);
}

before(async () => {
  await Promise.all([ROUTES, APP_CJS, ESM_ASYNC].map(baselineFor));
});

after(async () => {
  for (const entry of baselines.values()) {
    const base = await entry.catch(() => undefined);
    if (base !== undefined) await stopApp(base.app);
  }
});

/** A breakpoint on the routes fixture's single `snap(label)` call site. */
function snapBreakpoint(backend, label, overrides = {}) {
  return backend.breakpoint({ function_name: 'snap', label, ...overrides });
}

/** Labels that always capture once: a test proves that earlier work is over by asking for the next fence. */
function fences(backend, count = 12) {
  return Array.from({ length: count }, (_, i) => snapBreakpoint(backend, `fence-${i + 1}`));
}

/**
 * One fake backend and one monitored app. `setup(backend)` runs before the app starts; `env` adds or (with null)
 * removes variables; `baseline: false` for fixtures that need the agent to run at all.
 */
async function session(t, { fixture = ROUTES, env = {}, nodeArgs, setup, baseline = true } = {}) {
  const backend = await startFakeTraceKit();
  setup?.(backend);
  const fullEnv = monitoringEnv(backend, { TRACEKIT_CODE_MONITORING_POLL_INTERVAL_MS: '150', ...env });
  for (const [key, value] of Object.entries(env)) if (value === null) delete fullEnv[key];
  let app;
  try {
    app = await startApp(fixture, { env: fullEnv, nodeArgs });
  } catch (error) {
    await backend.close();
    throw error;
  }
  let fence = 0;
  let stopped = false;
  const s = {
    backend,
    app,
    /** A request whose answer must be the one the app gives without the agent. */
    async get(pathAndQuery, headers = {}) {
      const response = await request(`${app.url}${pathAndQuery}`, { headers });
      if (baseline) {
        const expected = await expectedBody(fixture, pathAndQuery);
        assert.equal(response.status, expected.status, `status of ${pathAndQuery}`);
        assert.equal(response.body, expected.body, `answer to ${pathAndQuery} changed under the agent`);
      } else {
        assert.equal(response.status, 200);
      }
      return response;
    },
    captured(label) {
      return backend.captures.filter((c) => c.body?.label === label);
    },
    /** Calls `snap(label)` until a capture of it arrives (a breakpoint may need a moment to be applied). */
    async captureSoon(label, timeoutMs = 5000, route = `/snap?label=${encodeURIComponent(label)}`, headers = {}) {
      const before = s.captured(label).length;
      const deadline = Date.now() + timeoutMs;
      while (s.captured(label).length === before) {
        if (Date.now() > deadline) throw new Error(`no capture of ${label} within ${timeoutMs} ms\nstderr: ${app.stderr}`);
        await s.get(route, headers);
        await backend.waitFor(() => s.captured(label).length > before, 250).catch(() => {});
      }
      return s.captured(label).at(-1).body;
    },
    /** Waits until a fresh fence label captured: captures asked for before it have arrived by then. */
    async fence() {
      const label = `fence-${++fence}`;
      await s.get(`/snap?label=${label}`);
      await backend.waitFor(() => s.captured(label).length > 0, 5000, `the capture of ${label}`);
      await sleep(50);
    },
    /** `snap(label)` (or `route`) is called and, as the next fence shows, captures nothing. */
    async expectNoCapture(label, route = `/snap?label=${encodeURIComponent(label)}`) {
      const before = s.captured(label).length;
      await s.get(route);
      await s.fence();
      assert.equal(s.captured(label).length, before, `${label} must not capture`);
    },
    warnings() {
      return warningLines(app.stderr);
    },
    /** SIGTERM: the exit must be the one the app has without the agent, and quick. */
    async stop() {
      stopped = true;
      const started = Date.now();
      let exit;
      try {
        exit = await stopApp(app);
      } finally {
        await backend.close();
      }
      assert.ok(Date.now() - started < 4000, `SIGTERM took ${Date.now() - started} ms`);
      const expected = baseline ? (await baselineFor(fixture)).exit : { code: null, signal: 'SIGTERM' };
      assert.deepEqual(exit, expected, `exit on SIGTERM\nstderr: ${app.stderr}`);
    },
  };
  t.after(async () => {
    if (stopped) return;
    await stopApp(app, 'SIGKILL');
    await backend.close();
  });
  return s;
}

/** The gaps between consecutive records, in ms. */
function gaps(records) {
  return records.slice(1).map((record, i) => record.at - records[i].at);
}

// ---------------------------------------------------------------------------------------------------------------

describe('call-site attribution: the user\'s frame, never the agent\'s', { concurrency: true }, () => {
  const agentFrame = /dist[\\/]|agent[\\/]snapshots|register\.(mjs|cjs)|node_modules[\\/]@tracekit/;

  async function registeredAndCaptured(s, route, label) {
    await s.get(route);
    await s.backend.waitFor(() => s.backend.registrations.some((r) => r.body.label === label), 5000, `the registration of ${label}`);
    const registration = s.backend.registrations.find((r) => r.body.label === label).body;
    // activateOnRegister: the next poll lists it; then a call captures.
    const capture = await s.captureSoon(label, 5000, route);
    return { registration, capture };
  }

  test('CJS: named function, async function, new Class, class method and anonymous arrow', async (t) => {
    const s = await session(t, { fixture: APP_CJS, setup: (b) => { b.activateOnRegister = true; } });
    const file = path.join(ROOT, APP_CJS);
    const cases = [
      ['/checkout', 'checkout-total', 'checkout', 8],
      ['/async', 'async-lookup', 'asyncLookup', 14],
      ['/new', 'inventory-new', 'new Inventory', 20],
      ['/method', 'inventory-reserve', 'Inventory.reserve', 25],
      ['/anonymous', 'anonymous-arrow', '<anonymous>', 35],
    ];
    for (const [route, label, functionName, line] of cases) {
      const { registration, capture } = await registeredAndCaptured(s, route, label);
      assert.equal(registration.file_path, file, label);
      assert.equal(registration.line_number, line, label);
      assert.equal(registration.function_name, functionName, label);
      assert.equal(capture.file_path, file);
      assert.equal(capture.line_number, line);
      assert.equal(capture.function_name, registration.function_name);
      const top = capture.stack_trace.split('\n')[0];
      assert.ok(top.includes(`${file}:${line}:`), `${label}: the stack starts at the user's line: ${top}`);
      assert.doesNotMatch(capture.stack_trace, agentFrame, label);
    }
    assert.match(s.captured('async-lookup')[0].body.stack_trace, /^ {4}at asyncLookup \(.*app\.cjs:14:\d+\)\n {4}at async /);
    assert.match(s.captured('inventory-new')[0].body.stack_trace, /^ {4}at new Inventory \(/);
    assert.match(s.captured('inventory-reserve')[0].body.stack_trace, /^ {4}at Inventory\.reserve \(.*app\.cjs:25:\d+\)\n {4}at \/method \(/);
    for (const r of s.backend.registrations) assert.doesNotMatch(r.body.file_path, agentFrame);
    await s.stop();
  });

  test('ESM: a file:// module registers a filesystem path', async (t) => {
    const s = await session(t, { fixture: 'test/fixtures/snapshot/app.mjs', baseline: false, setup: (b) => { b.activateOnRegister = true; } });
    const { registration, capture } = await registeredAndCaptured(s, '/?q=1', 'esm-label');
    assert.equal(registration.file_path, path.join(ROOT, 'test/fixtures/snapshot/app.mjs'));
    assert.ok(!registration.file_path.startsWith('file:'), registration.file_path);
    assert.equal(registration.function_name, 'esmHandler');
    assert.equal(registration.line_number, 5);
    assert.equal(capture.file_path, registration.file_path);
    assert.match(capture.stack_trace, /^ {4}at esmHandler \(\/.*app\.mjs:5:\d+\)/);
    assert.doesNotMatch(capture.stack_trace, /file:\/\/|dist[\\/]|register\.mjs/);
    assert.equal((await request(`${s.app.url}/`)).body, 'ok');
    await s.stop();
  });

  test('ESM async function after an await, and a function called through an alias', async (t) => {
    const s = await session(t, { fixture: ESM_ASYNC, setup: (b) => { b.activateOnRegister = true; } });
    const file = path.join(ROOT, ESM_ASYNC);
    const async_ = await registeredAndCaptured(s, '/', 'esm-async');
    assert.deepEqual([async_.registration.function_name, async_.registration.file_path, async_.registration.line_number], ['loadUser', file, 8]);
    assert.match(async_.capture.stack_trace, /^ {4}at loadUser \(.*esm-async\.mjs:8:\d+\)\n {4}at async /);
    const alias = await registeredAndCaptured(s, '/alias', 'esm-alias');
    assert.deepEqual([alias.registration.function_name, alias.registration.line_number], ['realName', 14]);
    for (const c of s.backend.captures) assert.doesNotMatch(c.body.stack_trace, agentFrame);
    await s.stop();
  });

  test('TypeScript via tsx: the registered line is the .ts source line (source maps)', async (t) => {
    const s = await session(t, {
      fixture: 'test/fixtures/snapshot/app.ts',
      nodeArgs: ['--import', 'tsx', '--import', './register.mjs'],
      baseline: false,
      setup: (b) => { b.activateOnRegister = true; },
    });
    const { registration, capture } = await registeredAndCaptured(s, '/', 'ts-label');
    assert.equal(registration.file_path, path.join(ROOT, 'test/fixtures/snapshot/app.ts'));
    assert.equal(registration.line_number, 11);
    assert.equal(registration.function_name, 'priceOrder');
    assert.equal(capture.line_number, 11);
    assert.match(capture.stack_trace, /^ {4}at priceOrder \(.*app\.ts:11:\d+\)\n {4}at .*app\.ts:16:\d+/);
    assert.doesNotMatch(capture.stack_trace, agentFrame);
    assert.deepEqual(capture.variables, { order: { id: 'o-1', amount: 10 }, taxed: 12 });
    await s.stop();
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe('limits', { concurrency: true }, () => {
  test('rate limit: at most one capture per second per breakpoint', async (t) => {
    const s = await session(t, { setup: (b) => b.setBreakpoints([snapBreakpoint(b, 'rate'), ...fences(b)]) });
    await s.backend.waitFor(() => s.backend.polls.length >= 1);
    await s.captureSoon('rate');
    const first = s.captured('rate')[0].at;
    // Five calls in one request, then two more requests, all within the second.
    await s.get('/snap?label=rate&n=5');
    await s.get('/snap?label=rate');
    await s.get('/snap?label=rate');
    await s.fence();
    assert.ok(Date.now() - first < 1000, 'the calls were within the second');
    assert.equal(s.captured('rate').length, 1);
    await sleep(Math.max(0, first + 1050 - Date.now()));
    await s.get('/snap?label=rate&n=3');
    await s.backend.waitFor(() => s.captured('rate').length === 2, 5000, 'the capture a second later');
    await s.fence();
    assert.equal(s.captured('rate').length, 2);
    await s.stop();
  });

  test('max_captures reached on the server, expire_at in the past, enabled:false: no capture', async (t) => {
    const s = await session(t, {
      setup: (b) => b.setBreakpoints([
        snapBreakpoint(b, 'maxed', { max_captures: 3, capture_count: 3 }),
        snapBreakpoint(b, 'default-max', { max_captures: undefined, capture_count: 100 }),
        snapBreakpoint(b, 'expired', { expire_at: new Date(Date.now() - 60_000).toISOString() }),
        snapBreakpoint(b, 'disabled', { enabled: false }),
        snapBreakpoint(b, 'future', { expire_at: new Date(Date.now() + 3_600_000).toISOString(), max_captures: 3, capture_count: 2 }),
        ...fences(b),
      ]),
    });
    await s.backend.waitFor(() => s.backend.polls.length >= 1);
    await s.fence();
    for (const label of ['maxed', 'default-max', 'expired', 'disabled']) await s.expectNoCapture(label);
    // The control: a breakpoint that expires later and has one capture left does capture.
    await s.captureSoon('future');
    await s.stop();
  });

  test('max_captures: the local count is enforced between polls', async (t) => {
    // The first call registers, and a registration brings a poll 500 ms later, which restarts the local count (the
    // server's count is trusted again). So the breakpoint arrives with that poll, and no poll follows for 60 s.
    const s = await session(t, { env: { TRACEKIT_CODE_MONITORING_POLL_INTERVAL_MS: '60000' } });
    const b = s.backend;
    await s.get('/snap?label=one-left');
    await b.waitFor(() => b.registrations.length === 1, 5000, 'the registration');
    b.setBreakpoints([snapBreakpoint(b, 'one-left', { max_captures: 2, capture_count: 1 }), ...fences(b)]);
    await b.waitFor(() => b.polls.length === 2, 5000, 'the poll after the registration');
    await s.captureSoon('one-left');
    await sleep(1100);
    await s.expectNoCapture('one-left');
    assert.equal(b.polls.length, 2, 'no poll came in between');
    await s.stop();
  });

  test('max_captures with a backend that counts captures (polls every 150 ms)', async (t) => {
    const s = await session(t, {
      setup: (b) => {
        b.countCaptures = true;
        b.setBreakpoints([snapBreakpoint(b, 'once', { max_captures: 1, capture_count: 0 }), ...fences(b)]);
      },
    });
    await s.captureSoon('once');
    await sleep(1100);
    await s.expectNoCapture('once');
    await s.stop();
  });

  test('conditions: sdk-evaluable ones are parsed, never run as code', async (t) => {
    const s = await session(t, {
      setup: (b) => b.setBreakpoints([
        snapBreakpoint(b, 'cond', { condition: 'i == 2 && label == "cond"', condition_eval: 'sdk-evaluable' }),
        snapBreakpoint(b, 'evil-cond', { condition: 'constructor.constructor("process.exit(3)")()', condition_eval: 'sdk-evaluable' }),
        ...fences(b),
      ]),
    });
    const capture = await s.captureSoon('cond', 5000, '/snap?label=cond&n=4');
    assert.equal(capture.variables.i, 2);
    await s.expectNoCapture('evil-cond');
    assert.equal(s.warnings().filter((l) => l.includes('condition not understood')).length, 1, s.app.stderr);
    await s.stop();
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe('kill switch', { concurrency: true }, () => {
  const env = { TRACEKIT_CODE_MONITORING_POLL_INTERVAL_MS: '150', TRACEKIT_CODE_MONITORING_KILL_SWITCH_POLL_INTERVAL_MS: '600' };

  test('from the poll: captures stop, no SSE, polls slow to the kill-switch interval; released: captures resume', async (t) => {
    const s = await session(t, { env, setup: (b) => b.setBreakpoints([snapBreakpoint(b, 'ks-a'), snapBreakpoint(b, 'ks-b'), ...fences(b)]) });
    await s.captureSoon('ks-a');
    assert.ok(gaps(s.backend.polls.slice(-3)).every((gap) => gap < 450), 'polls every 150 ms before');
    // Both in the same tick: the next poll answers with the kill switch and an SSE endpoint.
    s.backend.setKillSwitch(true);
    s.backend.setSseEndpoint(SSE_PATH);
    const killedAt = s.backend.polls.length;
    await s.backend.waitFor(() => s.backend.polls.length >= killedAt + 4, 5000, 'polls under the kill switch');
    const spacing = gaps(s.backend.polls.slice(killedAt));
    for (const gap of spacing) assert.ok(gap >= 550 && gap < 1500, `poll spacing ${spacing} under the kill switch (600 ms)`);
    const capturesBefore = s.backend.captures.length;
    await s.get('/snap?label=ks-b');
    await s.get('/snap?label=ks-new');
    await sleep(300);
    assert.equal(s.backend.captures.length, capturesBefore, 'no capture under the kill switch');
    assert.equal(s.backend.registrations.filter((r) => r.body.label === 'ks-new').length, 0, 'no registration either');
    assert.equal(s.backend.sseRequests.length, 0, 'no SSE connection under the kill switch');
    assert.equal(s.app.stderr.split('\n').filter((l) => l.includes('kill switch on')).length, 1, s.app.stderr);

    s.backend.setKillSwitch(false);
    await s.captureSoon('ks-b');
    await s.backend.waitFor(() => s.backend.sseRequests.length === 1, 5000, 'the SSE connection after the release');
    assert.equal(s.warnings().length, 0, s.app.stderr);
    await s.stop();
  });

  test('from a poll while SSE is up (a POST poll carrying the breaker event): the stream is closed', async (t) => {
    // While the stream is up, polls are only sent to deliver telemetry events: a breaker trip makes one.
    const s = await session(t, {
      env: { ...env, TRACEKIT_CODE_MONITORING_BREAKER_COOLDOWN_MS: '1500' },
      setup: (b) => b.setSseEndpoint(SSE_PATH),
    });
    const b = s.backend;
    await b.waitFor(() => b.sseConnections === 1, 5000, 'the SSE connection');
    const breakpoints = ['ks-1', 'ks-2', 'ks-3', 'ks-4'].map((label) => snapBreakpoint(b, label));
    b.setBreakpoints(breakpoints);
    b.sendEvent('init', { breakpoints, kill_switch: false });
    // Safe to set now: no poll is sent while the stream is up and nothing is pending.
    b.setKillSwitch(true);
    const pollsBefore = b.polls.length;
    b.captureStatus = () => 500;
    for (const label of ['ks-1', 'ks-2', 'ks-3']) await s.captureSoon(label);
    await b.waitFor(() => b.polls.some((p, i) => i >= pollsBefore && p.method === 'POST'), 5000, 'the POST poll');
    await b.waitFor(() => b.sseConnections === 0, 5000, 'the agent closing the stream');
    await b.waitFor(() => b.polls.length >= pollsBefore + 3, 5000, 'polls under the kill switch');
    const spacing = gaps(b.polls.slice(pollsBefore));
    for (const gap of spacing) assert.ok(gap >= 550 && gap < 1500, `poll spacing ${spacing} under the kill switch (600 ms)`);
    b.captureStatus = undefined;
    b.setKillSwitch(false);
    await b.waitFor(() => b.sseRequests.length === 2 && b.sseConnections === 1, 5000, 'the SSE reconnection after the release');
    await sleep(Math.max(0, b.captures.at(-1).at + 1600 - Date.now()));
    await s.captureSoon('ks-4');
    await s.stop();
  });

  test('from SSE: the stream closes, polls at the kill-switch interval, captures stop; released by a poll', async (t) => {
    const s = await session(t, { env, setup: (b) => b.setSseEndpoint(SSE_PATH) });
    const b = s.backend;
    await b.waitFor(() => b.sseConnections === 1, 5000, 'the SSE connection');
    const breakpoints = [snapBreakpoint(b, 'ks-a'), snapBreakpoint(b, 'ks-b'), ...fences(b)];
    b.setBreakpoints(breakpoints);
    b.sendEvent('init', { breakpoints, kill_switch: false });
    await s.captureSoon('ks-a');
    const pollsBefore = b.polls.length;
    b.setKillSwitch(true);
    b.sendEvent('kill_switch', { enabled: true });
    await b.waitFor(() => b.sseConnections === 0, 5000, 'the agent closing the stream');
    await b.waitFor(() => b.polls.length >= pollsBefore + 3, 5000, 'polls under the kill switch');
    const spacing = gaps(b.polls.slice(pollsBefore));
    for (const gap of spacing) assert.ok(gap >= 550 && gap < 1500, `poll spacing ${spacing} under the kill switch (600 ms)`);
    const capturesBefore = b.captures.length;
    await s.get('/snap?label=ks-b');
    await sleep(300);
    assert.equal(b.captures.length, capturesBefore, 'no capture under the kill switch');
    assert.equal(b.sseRequests.length, 1, 'no reconnection under the kill switch');

    b.setKillSwitch(false);
    await s.captureSoon('ks-b');
    await b.waitFor(() => b.sseRequests.length === 2 && b.sseConnections === 1, 5000, 'the SSE reconnection');
    assert.equal(s.warnings().length, 0, s.app.stderr);
    await s.stop();
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe('SSE', { concurrency: true }, () => {
  const LONG_POLL = { TRACEKIT_CODE_MONITORING_POLL_INTERVAL_MS: '60000' };

  test('every event type applies at once, without a poll; heartbeat, sdk_count and comments are ignored', async (t) => {
    const s = await session(t, { env: LONG_POLL, setup: (b) => b.setSseEndpoint(SSE_PATH) });
    const b = s.backend;
    await b.waitFor(() => b.sseConnections === 1, 5000, 'the SSE connection');
    const sseRequest = b.sseRequests[0];
    assert.equal(sseRequest.method, 'GET');
    assert.equal(sseRequest.url, SSE_PATH);
    assert.equal(sseRequest.headers['x-api-key'], KEY);
    assert.match(sseRequest.headers.accept, /^text\/event-stream$/);

    const a = snapBreakpoint(b, 'sse-a');
    const disabled = snapBreakpoint(b, 'sse-upd', { enabled: false });
    const renamed = snapBreakpoint(b, 'sse-old');
    const deleted = snapBreakpoint(b, 'sse-del');
    const kept = snapBreakpoint(b, 'sse-keep');
    const fenceList = fences(b, 20);
    b.sendEvent('init', { breakpoints: [a, disabled, renamed, deleted, kept, ...fenceList], kill_switch: false });
    await s.captureSoon('sse-a');

    const created = snapBreakpoint(b, 'sse-created');
    b.sendEvent('breakpoint_created', created);
    await s.captureSoon('sse-created');

    b.sendEvent('breakpoint_updated', { ...disabled, enabled: true });
    await s.captureSoon('sse-upd');

    b.sendEvent('breakpoint_updated', { ...renamed, label: 'sse-new' });
    await s.captureSoon('sse-new');
    await s.expectNoCapture('sse-old');

    b.sendEvent('breakpoint_deleted', { id: deleted.id });
    b.sendEvent('breakpoint_created', snapBreakpoint(b, 'marker-1'));
    await s.captureSoon('marker-1');
    await s.expectNoCapture('sse-del');

    // Ignored: not JSON, so they would break the stream if they were parsed.
    b.sendRaw('event: heartbeat\ndata: not json\n\n');
    b.sendRaw('event: sdk_count\ndata: 3\n\n');
    b.sendRaw('event: heartbeat\ndata: {"ts":1}\n\n');
    b.sendRaw(': a comment\n\n');
    b.sendEvent('breakpoint_created', snapBreakpoint(b, 'marker-2'));
    await s.captureSoon('marker-2');

    // A second init replaces the whole set.
    b.sendEvent('init', { breakpoints: [snapBreakpoint(b, 'sse-final'), ...fenceList], kill_switch: false });
    await s.captureSoon('sse-final');
    await s.expectNoCapture('sse-keep');

    assert.equal(b.polls.length, 1, 'only the first poll: every change came by SSE');
    assert.equal(b.sseRequests.length, 1, 'the stream stayed up');
    assert.equal(b.sseConnections, 1);
    assert.deepEqual(s.warnings(), []);
    await s.stop();
  });

  test('a dropped stream: back to polling at once, reconnection later', async (t) => {
    const s = await session(t, {
      env: { TRACEKIT_CODE_MONITORING_POLL_INTERVAL_MS: '200' },
      setup: (b) => {
        b.setSseEndpoint(SSE_PATH);
        b.setBreakpoints([snapBreakpoint(b, 'drop-a'), ...fences(b)]);
      },
    });
    const b = s.backend;
    await b.waitFor(() => b.sseConnections === 1, 5000, 'the SSE connection');
    await s.captureSoon('drop-a');
    const pollsConnected = b.polls.length;
    await sleep(600);
    assert.equal(b.polls.length, pollsConnected, 'no polls while the stream is up');

    // Only a poll can deliver this one now.
    b.setBreakpoints([...b.breakpoints, snapBreakpoint(b, 'drop-b')]);
    b.dropSse();
    await b.waitFor(() => b.polls.length > pollsConnected, 1000, 'a poll right after the drop');
    await s.captureSoon('drop-b');
    await b.waitFor(() => b.sseRequests.length === 2 && b.sseConnections === 1, 6000, 'the reconnection');
    await sleep(100);
    const pollsReconnected = b.polls.length;
    b.sendEvent('breakpoint_created', snapBreakpoint(b, 'drop-c'));
    await s.captureSoon('drop-c');
    await sleep(500);
    assert.ok(b.polls.length <= pollsReconnected + 1, 'polling pauses again once reconnected');
    const lost = s.warnings().filter((line) => line.includes('SSE stream lost'));
    assert.equal(lost.length, 1, s.app.stderr);
    assert.equal(s.warnings().length, 1, s.app.stderr);
    await s.stop();
  });

  const refusedStreams = [
    ['HTTP 500', (res) => res.writeHead(500, { 'content-type': 'text/event-stream' }).end()],
    ['HTTP 401', (res) => res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"unauthorized"}')],
    ['wrong content type', (res) => res.writeHead(200, { 'content-type': 'text/plain' }).end(`event: init\ndata: ${JSON.stringify({ breakpoints: [{ id: 'bad-stream', function_name: 'snap', label: 'from-bad-stream' }] })}\n\n`)],
    ['no content type', (res) => res.writeHead(200).end()],
  ];
  for (const [name, answer] of refusedStreams) {
    test(`${name}: polling carries on, reconnection backs off, one warning`, async (t) => {
      const s = await session(t, {
        env: { TRACEKIT_CODE_MONITORING_POLL_INTERVAL_MS: '200' },
        setup: (b) => {
          b.setSseEndpoint(SSE_PATH);
          b.setBreakpoints([snapBreakpoint(b, 'fb-a'), ...fences(b)]);
          b.sseAnswer = (_req, res) => {
            answer(res);
            return true;
          };
        },
      });
      const b = s.backend;
      await b.waitFor(() => b.sseRequests.length >= 1, 5000, 'the SSE attempt');
      const firstAttempt = b.sseRequests[0].at;
      await s.captureSoon('fb-a');
      await s.expectNoCapture('from-bad-stream');
      const polls = b.polls.length;
      await b.waitFor(() => b.polls.length >= polls + 2, 5000, 'polls going on');
      // Retried, with backoff (the first retry 0.5-1.5 s after the failure): waited for, then the gaps checked, so a
      // busy machine cannot turn a slow retry into a failure.
      await b.waitFor(() => b.sseRequests.length >= 3, 10_000, 'two reconnection attempts');
      const [first, second, third] = b.sseRequests.map((r) => r.at);
      assert.equal(first, firstAttempt);
      assert.ok(second - first >= 450, `the first retry came ${second - first} ms after the first attempt`);
      assert.ok(third - second >= 900, `the second retry came ${third - second} ms after the first retry (the backoff doubles)`);
      const lost = s.warnings().filter((line) => line.includes('SSE stream lost'));
      assert.equal(lost.length, 1, s.app.stderr);
      await s.stop();
    });
  }

  const malformed = [
    ['breakpoint_created that is not JSON', (b) => b.sendRaw('event: breakpoint_created\ndata: {"id":"bad","function_name":"snap","label":"mal-new"\n\n')],
    ['init whose kill_switch is not a boolean', (b) => b.sendEvent('init', { breakpoints: [snapBreakpoint(b, 'mal-new')], kill_switch: 'yes' })],
    ['init whose breakpoints is not an array', (b) => b.sendEvent('init', { breakpoints: 'x', kill_switch: false })],
    ['init that is an array', (b) => b.sendEvent('init', [snapBreakpoint(b, 'mal-new')])],
    ['breakpoint_created without an id', (b) => b.sendEvent('breakpoint_created', { function_name: 'snap', label: 'mal-new', enabled: true })],
    ['breakpoint_updated with a wrong type', (b) => b.sendEvent('breakpoint_updated', { ...b.breakpoints[0], label: 'mal-new', enabled: 'no' })],
    ['breakpoint_deleted without an id', (b) => b.sendEvent('breakpoint_deleted', { what: b.breakpoints[0].id })],
    ['kill_switch with a non-boolean', (b) => b.sendEvent('kill_switch', { enabled: 'yes' })],
  ];
  for (const [name, send] of malformed) {
    test(`malformed event (${name}): dropped whole, the breakpoint set stays as it was`, async (t) => {
      const s = await session(t, {
        env: { TRACEKIT_CODE_MONITORING_POLL_INTERVAL_MS: '200' },
        setup: (b) => {
          b.setSseEndpoint(SSE_PATH);
          b.setBreakpoints([snapBreakpoint(b, 'mal-a'), snapBreakpoint(b, 'mal-b'), ...fences(b)]);
          // After the first poll the backend fails: what is in force after the bad event is what the agent kept.
          b.pollAnswer = () => (b.polls.length > 1 ? { status: 500, body: '{}' } : undefined);
        },
      });
      const b = s.backend;
      await b.waitFor(() => b.sseConnections === 1, 5000, 'the SSE connection');
      await s.captureSoon('mal-a');
      send(b);
      await b.waitFor(() => s.app.stderr.includes('SSE stream lost'), 5000, 'the agent dropping the stream');
      await s.captureSoon('mal-b');
      await s.expectNoCapture('mal-new');
      assert.equal(s.warnings().filter((line) => line.includes('SSE stream lost')).length, 1, s.app.stderr);
      assert.doesNotMatch(s.app.stderr, /kill switch on/);
      await s.stop();
    });
  }

  test('silence longer than the window (TRACEKIT_CODE_MONITORING_SSE_SILENCE_MS): heartbeats keep the stream, silence drops it', async (t) => {
    const s = await session(t, {
      env: { TRACEKIT_CODE_MONITORING_POLL_INTERVAL_MS: '200', TRACEKIT_CODE_MONITORING_SSE_SILENCE_MS: '600' },
      setup: (b) => {
        b.setSseEndpoint(SSE_PATH);
        b.setBreakpoints([snapBreakpoint(b, 'quiet-a'), ...fences(b)]);
      },
    });
    const b = s.backend;
    await b.waitFor(() => b.sseConnections === 1, 5000, 'the SSE connection');
    const connectedAt = b.sseRequests[0].at;
    // Heartbeats every 200 ms for 1.5 s: longer than the window in all, never silent for 600 ms.
    for (let i = 0; i < 7; i++) {
      await sleep(200);
      b.sendEvent('heartbeat', {});
    }
    assert.equal(b.sseRequests.length, 1, 'heartbeats keep the stream up');
    assert.equal(b.sseConnections, 1);
    const polls = b.polls.length;
    const quietFrom = Date.now();
    b.setBreakpoints([...b.breakpoints, snapBreakpoint(b, 'quiet-b')]);
    await b.waitFor(() => b.sseConnections === 0, 3000, 'the agent dropping the silent stream');
    const droppedAfter = Date.now() - quietFrom;
    assert.ok(droppedAfter >= 500 && droppedAfter < 2000, `dropped after ${droppedAfter} ms of silence (window 600 ms)`);
    assert.ok(Date.now() - connectedAt > 1500);
    await b.waitFor(() => b.polls.length > polls, 2000, 'polling again');
    await s.captureSoon('quiet-b');
    assert.equal(s.warnings().filter((line) => /SSE stream lost \(no data/.test(line)).length, 1, s.app.stderr);
    await s.stop();
  });

  test('SSRF: an sse_endpoint off the base URL\'s origin is refused, with one warning per value', async (t) => {
    const evil = { requests: [] };
    const evilServer = http.createServer((req, res) => {
      evil.requests.push({ method: req.method, url: req.url, headers: req.headers });
      res.writeHead(200, { 'content-type': 'text/event-stream' }).end();
    });
    await new Promise((resolve) => evilServer.listen(0, '127.0.0.1', resolve));
    t.after(() => new Promise((resolve) => evilServer.close(resolve)));
    const evilHost = `127.0.0.1:${evilServer.address().port}`;
    const values = [
      '//evil.example/x',
      '@evil.example/x',
      'https://evil.example/',
      '/\\evil.example/x',
      '\\\\evil.example\\x',
      '/ok\\..\\x',
      `//${evilHost}/x`,
      `http://${evilHost}/x`,
      `@${evilHost}/x`,
      `/\\${evilHost}/x`,
      `\\\\${evilHost}\\x`,
      `/@${evilHost}/x`,
      `/\t/${evilHost}/x`,
    ];
    const s = await session(t, {
      env: { TRACEKIT_CODE_MONITORING_POLL_INTERVAL_MS: '100' },
      nodeArgs: ['--import', './register.mjs', '-r', LOG_CONNECTIONS],
      setup: (b) => {
        b.setBreakpoints([snapBreakpoint(b, 'ssrf-a'), ...fences(b)]);
        b.pollAnswer = (record) => ({
          body: JSON.stringify({ breakpoints: b.breakpoints, kill_switch: false, sse_endpoint: values[(b.polls.indexOf(record)) % values.length] }),
        });
      },
    });
    const b = s.backend;
    await b.waitFor(() => b.polls.length >= 2 * values.length + 1, 10_000, 'every value answered twice');
    await s.captureSoon('ssrf-a');
    assert.deepEqual(evil.requests, [], 'nothing reached the other server');
    assert.deepEqual(b.sseRequests, []);
    assert.deepEqual(b.otherRequests.filter((r) => !r.url.startsWith('/v1/')).map((r) => r.url), []);
    const backendHost = new URL(b.url).host;
    const connections = s.app.stdout.split('\n').filter((line) => line.startsWith('OUTGOING-'));
    for (const line of connections) assert.equal(line, `OUTGOING-CONNECT ${backendHost}`, 'only the backend is contacted');
    const refusals = s.warnings().filter((line) => line.includes('refusing sse_endpoint'));
    for (const value of values) {
      const lines = refusals.filter((line) => line.includes(`refusing sse_endpoint ${JSON.stringify(value)} `));
      assert.equal(lines.length, 1, `one warning for ${JSON.stringify(value)}\n${s.app.stderr}`);
    }
    assert.equal(refusals.length, values.length);
    assert.equal(s.warnings().length, values.length, s.app.stderr);
    await s.stop();
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe('circuit breaker (capture uploads)', { concurrency: true }, () => {
  const env = { TRACEKIT_CODE_MONITORING_POLL_INTERVAL_MS: '150', TRACEKIT_CODE_MONITORING_BREAKER_COOLDOWN_MS: '1500' };
  const labels = ['cb-1', 'cb-2', 'cb-3', 'cb-4', 'cb-5', 'cb-6'];

  for (const [name, failure] of [['HTTP 500', 500], ['a network error', 'reset']]) {
    test(`three captures answered with ${name}: trips once, pauses captures, resumes, reports with the next poll`, async (t) => {
      const s = await session(t, { env, setup: (b) => b.setBreakpoints([...labels.map((l) => snapBreakpoint(b, l)), ...fences(b)]) });
      const b = s.backend;
      await b.waitFor(() => b.polls.length >= 1);
      await s.fence();
      const okCaptures = b.captures.length;
      b.captureStatus = () => failure;
      for (const [i, label] of ['cb-1', 'cb-2', 'cb-3'].entries()) {
        await s.get(`/snap?label=${label}`);
        await b.waitFor(() => b.captures.length === okCaptures + i + 1, 5000, `failed capture ${i + 1}`);
      }
      await b.waitFor(() => s.app.stderr.includes('captures paused'), 5000, 'the breaker warning');
      const trippedAt = b.captures.at(-1).at;
      b.captureStatus = undefined;
      // Paused: a matching call sends nothing.
      await s.get('/snap?label=cb-4');
      await b.waitFor(() => b.polls.some((p) => p.method === 'POST'), 5000, 'the poll carrying the event');
      const report = b.polls.find((p) => p.method === 'POST');
      const afterTrip = b.polls.filter((p) => p.at > trippedAt + 50);
      assert.equal(afterTrip[0], report, 'the next poll after the trip carries the event');
      assert.equal(report.headers['x-api-key'], KEY);
      assert.match(report.headers['content-type'], /^application\/json/);
      assert.equal(report.service, 'monitored');
      assert.deepEqual(Object.keys(report.body), ['events']);
      assert.equal(report.body.events.length, 1);
      const event = report.body.events[0];
      assert.deepEqual(Object.keys(event).sort(), ['cooldown_seconds', 'failure_count', 'service_name', 'timestamp', 'type', 'window_seconds']);
      assert.equal(event.type, 'circuit_breaker_tripped');
      assert.equal(event.service_name, 'monitored');
      assert.equal(event.failure_count, 3);
      assert.equal(event.window_seconds, 60);
      assert.ok(Number.isInteger(event.cooldown_seconds) && Math.abs(event.cooldown_seconds - 1.5) <= 0.5, `cooldown_seconds ${event.cooldown_seconds}`);
      assert.match(event.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
      assert.ok(Math.abs(Date.parse(event.timestamp) - trippedAt) < 1000);

      // After the pause, the next capture is tried again.
      const resumed = await s.captureSoon('cb-5');
      assert.equal(resumed.label, 'cb-5');
      const resumedAt = s.captured('cb-5')[0].at;
      assert.ok(resumedAt - trippedAt >= 1400, `captures resumed ${resumedAt - trippedAt} ms after the trip (cooldown 1500 ms)`);
      assert.equal(b.captures.filter((c) => c.at > trippedAt && c.at < resumedAt).length, 0, 'no capture request during the pause');
      assert.equal(s.captured('cb-4').length, 0);
      await b.waitFor(() => b.polls.filter((p) => p.at > report.at).length >= 2, 5000, 'two more polls');
      assert.equal(b.polls.filter((p) => p.method === 'POST').length, 1, 'the event is sent once');
      assert.equal(s.warnings().filter((line) => line.includes('captures paused')).length, 1, s.app.stderr);
      assert.equal(s.warnings().length, 1, s.app.stderr);
      await s.stop();
    });
  }

  test('4xx answers are logged, not counted: no trip, captures go on', async (t) => {
    const s = await session(t, { env, setup: (b) => b.setBreakpoints([...labels.map((l) => snapBreakpoint(b, l)), ...fences(b)]) });
    const b = s.backend;
    await b.waitFor(() => b.polls.length >= 1);
    b.captureStatus = () => 400;
    for (const label of ['cb-1', 'cb-2', 'cb-3', 'cb-4', 'cb-5']) await s.captureSoon(label);
    b.captureStatus = undefined;
    await s.captureSoon('cb-6');
    // A tripped breaker would warn at once and queue its event for the next poll: two polls later, it would show.
    const answered = b.captures.at(-1).at;
    await b.waitFor(() => b.polls.filter((p) => p.at > answered).length >= 2, 5000, 'two polls after the last capture');
    assert.doesNotMatch(s.app.stderr, /captures paused/);
    assert.equal(b.polls.filter((p) => p.method === 'POST').length, 0, 'no breaker event');
    const refused = s.warnings().filter((line) => line.includes('HTTP 400'));
    assert.equal(refused.length, 1, s.app.stderr);
    await s.stop();
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe('PII scrubbing in captures', { concurrency: true }, () => {
  const groups = ['values', 'values2', 'nested', 'map', 'url', 'extra'];
  const piiBreakpoints = (b) => [...groups.map((g) => b.breakpoint({ function_name: 'piiCapture', label: `pii-${g}` })), ...fences(b)];
  const requestHeaders = { 'user-agent': 'probe ada@example.com', referer: 'https://example.com/from?x=1' };
  const requestQuery = '&token=abc123&contact=ada%40example.com&page=2';

  /** One capture of a group, taken again (a second later) if it ran into the time budget. */
  async function captureGroup(s, group) {
    for (let attempt = 1; ; attempt++) {
      const capture = await s.captureSoon(`pii-${group}`, 5000, `/pii?group=${group}${requestQuery}`, requestHeaders);
      if (!JSON.stringify(capture.variables).includes('[budget exceeded]') || attempt === 4) return capture;
      await sleep(1050);
    }
  }

  async function captureAll(s) {
    await s.backend.waitFor(() => s.backend.polls.length >= 1);
    const out = {};
    for (const group of groups) out[group] = await captureGroup(s, group);
    return out;
  }

  const flagsOf = (capture) => capture.security_flags.map((f) => `${f.type}/${f.severity}/${f.variable}`).sort();

  test('every pattern and sensitive names at every depth, with their security_flags', async (t) => {
    const s = await session(t, { env: { TRACEKIT_PII_EXTRA_NAMES: 'ssn_last4,mothers_maiden' }, setup: (b) => b.setBreakpoints(piiBreakpoints(b)) });
    const c = await captureAll(s);

    assert.deepEqual(c.values.variables, {
      email: 'write to [REDACTED:email] today',
      ssn: 'ssn [REDACTED:ssn] on file',
      card_spaces: 'card [REDACTED:credit_card]',
      card_dashes: '[REDACTED:credit_card]',
      card_plain: '[REDACTED:credit_card]',
      aws_access: 'id [REDACTED:aws_key]',
      aws_env: 'aws_secret_access_key=[REDACTED:aws_secret]',
    });
    assert.deepEqual(flagsOf(c.values), [
      'aws_key/high/aws_access', 'aws_secret/high/aws_env', 'credit_card/high/card_dashes', 'credit_card/high/card_plain',
      'credit_card/high/card_spaces', 'email/high/email', 'ssn/high/ssn',
    ]);

    assert.deepEqual(c.values2.variables, {
      bearer: 'Authorization: Bearer [REDACTED:oauth_token]',
      stripe: 'charge with [REDACTED:stripe_key]',
      login: 'login password=[REDACTED:password] then',
      session: '[REDACTED:jwt]',
      pem: '[REDACTED:private_key]',
      config: 'api_key=[REDACTED:api_key]',
      monkey: 'banana',
    });
    assert.deepEqual(flagsOf(c.values2), [
      'api_key/high/config', 'jwt/high/session', 'oauth_token/high/bearer', 'password/high/login', 'private_key/high/pem', 'stripe_key/high/stripe',
    ]);

    assert.deepEqual(c.nested.variables, {
      profile: { contact: { primary: '[REDACTED:email]', db: { password: '[REDACTED:sensitive_name]', user_token: '[REDACTED:sensitive_name]' } } },
      list: [{ secret: '[REDACTED:sensitive_name]' }, 'ssn [REDACTED:ssn]', ['deeper [REDACTED:email]']],
    });
    assert.deepEqual(flagsOf(c.nested), [
      'email/high/list[2][0]', 'email/high/profile.contact.primary', 'sensitive_variable_name/medium/list[0].secret',
      'sensitive_variable_name/medium/profile.contact.db.password', 'sensitive_variable_name/medium/profile.contact.db.user_token', 'ssn/high/list[1]',
    ]);

    assert.deepEqual(c.map.variables.byName, {
      '@type': 'Map',
      size: 3,
      entries: [['api_key', '[REDACTED:sensitive_name]'], ['[REDACTED:email]', 'a Map key that is an email'], ['owner', '[REDACTED:email]']],
    });
    assert.deepEqual(c.map.security_flags.map((f) => f.type).sort(), ['email', 'email', 'sensitive_variable_name']);

    assert.equal(c.url.variables.link, 'https://[REDACTED:password]@example.com/cb?token=[REDACTED:sensitive_name]&q=[REDACTED:email]&page=2');
    assert.equal(c.url.variables.href, 'https://[REDACTED:password]@example.com/cb?api_key=[REDACTED:sensitive_name]&name=ok');
    assert.deepEqual(flagsOf(c.url), [
      'email/high/link', 'password/high/href', 'password/high/link', 'sensitive_variable_name/medium/href', 'sensitive_variable_name/medium/link',
    ]);

    assert.deepEqual(c.extra.variables, { extra: { ssn_last4: '[REDACTED:sensitive_name]', mothers_maiden: '[REDACTED:sensitive_name]', nickname: 'Ada' } });

    const types = new Set(Object.values(c).flatMap((capture) => capture.security_flags.map((f) => f.type)));
    for (const type of ['email', 'ssn', 'credit_card', 'aws_key', 'aws_secret', 'oauth_token', 'stripe_key', 'password', 'jwt', 'private_key', 'api_key', 'sensitive_variable_name']) {
      assert.ok(types.has(type), `a ${type} flag`);
    }
    for (const capture of Object.values(c)) {
      for (const f of capture.security_flags) assert.equal(f.severity, f.type === 'sensitive_variable_name' ? 'medium' : 'high');
      // Nothing raw anywhere in the upload.
      assert.doesNotMatch(JSON.stringify(capture), /ada@example\.com|hunter2|s3cr3t|AKIAIOSFODNN7EXAMPLE|sk_live_4eC|4111|123-45-6789|abc123/);
    }

    // request_context: query, URL, headers scrubbed too.
    const context = c.values.request_context;
    assert.equal(context.query.token, '[REDACTED:sensitive_name]');
    assert.equal(context.query.contact, '[REDACTED:email]');
    assert.equal(context.query.page, '2');
    assert.equal(context.path, '/pii');
    assert.doesNotMatch(context.url, /abc123|ada/);
    assert.match(context.url, /token=\[REDACTED:sensitive_name\]/);
    assert.equal(context.headers.referer, 'https://example.com/from?x=1');
    assert.equal(context.headers['user-agent'], 'probe [REDACTED:email]');
    assert.equal(context.user_agent, 'probe [REDACTED:email]');
    await s.stop();
  });

  test('request_context header values are scrubbed as URLs: a referer\'s userinfo and sensitive query parameters', async (t) => {
    const s = await session(t, { setup: (b) => b.setBreakpoints(piiBreakpoints(b)) });
    await s.backend.waitFor(() => s.backend.polls.length >= 1);
    const capture = await s.captureSoon('pii-extra', 5000, '/pii?group=extra', { referer: 'https://carol:pw1@example.com/from?api_key=zzzzzzzz&x=1' });
    await s.stop();
    assert.equal(capture.request_context.headers.referer, 'https://[REDACTED:password]@example.com/from?api_key=[REDACTED:sensitive_name]&x=1');
  });

  test('TRACEKIT_PII_SCRUBBING=false leaves everything as it is, with no flags', async (t) => {
    const s = await session(t, { env: { TRACEKIT_PII_SCRUBBING: 'false' }, setup: (b) => b.setBreakpoints(piiBreakpoints(b)) });
    const c = await captureAll(s);
    assert.equal(c.values.variables.email, 'write to ada@example.com today');
    assert.equal(c.values.variables.card_spaces, 'card 4111 1111 1111 1111');
    assert.equal(c.values2.variables.login, 'login password=hunter2 then');
    assert.equal(c.values2.variables.config, 'api_key=abcdefghijklmnopqrstuvwxyz0123');
    assert.equal(c.nested.variables.profile.contact.db.password, 'hunter2');
    assert.deepEqual(c.map.variables.byName.entries[0], ['api_key', 'map-value-under-a-sensitive-key']);
    assert.equal(c.url.variables.link, 'https://alice:s3cret@example.com/cb?token=abc123&q=ada%40example.com&page=2');
    assert.equal(c.extra.variables.extra.ssn_last4, '6789');
    for (const capture of Object.values(c)) assert.deepEqual(capture.security_flags, []);
    assert.equal(c.values.request_context.query.token, 'abc123');
    await s.stop();
  });

  test('without TRACEKIT_PII_EXTRA_NAMES, names outside the list stay readable', async (t) => {
    const s = await session(t, { setup: (b) => b.setBreakpoints(piiBreakpoints(b)) });
    await s.backend.waitFor(() => s.backend.polls.length >= 1);
    const capture = await captureGroup(s, 'extra');
    assert.deepEqual(capture.variables, { extra: { ssn_last4: '6789', mothers_maiden: 'Smith', nickname: 'Ada' } });
    assert.deepEqual(capture.security_flags, []);
    await s.stop();
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe('serializer in the real app', { concurrency: true }, () => {
  /** The deepest nesting of objects/arrays in a JSON value. */
  function depth(value) {
    if (value === null || typeof value !== 'object') return 0;
    return 1 + Math.max(0, ...Object.values(value).map(depth));
  }

  test('hostile values (Proxy with throwing traps, throwing getter, toJSON, cycle, BigInt, 100 MB string, 1e6 array, 50 levels)', async (t) => {
    const s = await session(t, { setup: (b) => b.setBreakpoints([b.breakpoint({ function_name: '/hostile', label: 'hostile' }), ...fences(b)]) });
    await s.backend.waitFor(() => s.backend.polls.length >= 1);
    // The answer (the fixture's counters of user code that ran) must equal the one without the agent: all zero.
    // A capture may still run into the 2 ms budget on a loaded machine: then take it again.
    let capture;
    for (let attempt = 1; attempt <= 4; attempt++) {
      capture = await s.captureSoon('hostile', 10_000, '/hostile');
      if (!JSON.stringify(capture.variables).includes('[budget exceeded]')) break;
      await sleep(1050);
    }
    const v = capture.variables;
    assert.equal(v.hostile, '[Proxy]');
    assert.equal(v.withGetter.plain, 1);
    assert.equal(v.withGetter.boom, '[Getter]');
    assert.equal(v.withGetter.toJSON, '[Function: toJSON]');
    assert.deepEqual(v.cyclic, { name: 'loop', self: '[Circular]' });
    assert.equal(v.big, '1000000000000000000000000000000n');
    assert.match(v.huge, /^x{1024}…\[truncated \d+ chars\]$/);
    assert.ok(Array.isArray(v.many) && v.many.length <= 101, 'at most 100 items and a marker');
    for (const item of v.many) assert.ok(item === 1 || /^\[/.test(item), `item ${item}`);
    assert.ok(depth(v.deep) <= 6, `deep is cut at the depth limit (depth ${depth(v.deep)})`);
    assert.ok(Buffer.byteLength(JSON.stringify(v)) <= 65536, 'variables within 64 KB');
    assert.ok(Buffer.byteLength(JSON.stringify(capture)) <= 72 * 1024, 'the whole body stays small');
    assert.doesNotMatch(s.app.stderr, /failed internally|warning/);
    const micros = [...s.app.stderr.matchAll(/CAPTURE-MICROS ([\d.]+)/g)].map((m) => Number(m[1]));
    assert.ok(micros.length >= 1);
    t.diagnostic(`captureSnapshot of the hostile variables took ${micros.map((m) => `${(m / 1000).toFixed(2)} ms`).join(', ')}`);
    assert.ok(Math.max(...micros) < 100_000, `captureSnapshot blocked the loop for ${Math.max(...micros)} µs`);
    await s.stop();
  });

  test('the fixture\'s /hostile route, and breakpoint max_depth / max_payload_bytes', async (t) => {
    const s = await session(t, {
      fixture: APP_CJS,
      setup: (b) => b.setBreakpoints([
        b.breakpoint({ function_name: '/hostile', label: 'hostile', max_payload_bytes: 2048 }),
        b.breakpoint({ function_name: 'checkout', label: 'checkout-total', max_depth: 1 }),
      ]),
    });
    await s.backend.waitFor(() => s.backend.polls.length >= 1);
    const hostile = await s.captureSoon('hostile', 10_000, '/hostile');
    assert.ok(Buffer.byteLength(JSON.stringify(hostile.variables)) <= 2048, JSON.stringify(hostile.variables).length);
    const checkout = await s.captureSoon('checkout-total', 5000, '/checkout');
    assert.equal(typeof checkout.variables.cart, 'object');
    assert.equal(typeof checkout.variables.cart.items, 'string', 'cut at depth 1');
    assert.doesNotMatch(s.app.stderr, /failed internally|warning/);
    await s.stop();
  });

  test('the first capture of a process stays within the 2 ms budget (the serializer is warmed up at start)', async (t) => {
    // Cold (no warm-up), the first capture of these 7 strings was seen with every variable "[budget exceeded]";
    // warm, it takes well under 1 ms. The warm-up runs 200 ms after start.
    const groups = ['values', 'values2', 'nested'];
    const s = await session(t, { env: { TRACEKIT_DEBUG: '1' }, setup: (b) => b.setBreakpoints([...groups.map((g) => b.breakpoint({ function_name: 'piiCapture', label: `pii-${g}` })), ...fences(b)]) });
    await s.backend.waitFor(() => s.backend.polls.length >= 1);
    await s.backend.waitFor(() => s.app.stderr.includes('snapshot serializer warmed up'));
    const captures = [];
    for (const g of groups) captures.push(await s.captureSoon(`pii-${g}`, 5000, `/pii?group=${g}`));
    await s.stop();
    for (const capture of captures) assert.doesNotMatch(JSON.stringify(capture.variables), /budget exceeded/);
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe('garbage from the backend', { concurrency: true }, () => {
  const tenMegabytes = Buffer.from(`{"breakpoints":[],"pad":"${'x'.repeat(10 * 1024 * 1024)}"}`);
  const garbage = [
    ['HTML', { status: 200, headers: { 'content-type': 'text/html' }, body: '<!doctype html><html><body>502 Bad Gateway</body></html>' }],
    ['null', { body: 'null' }],
    ['[]', { body: '[]' }],
    ['breakpoints "x"', { body: '{"breakpoints":"x"}' }],
    ['kill_switch "yes"', { body: '{"breakpoints":[],"kill_switch":"yes"}' }],
    ['cut-off JSON', { body: '{"breakpoints":[{"id":"x","function_name":"snap"' }],
    ['an empty body', { body: '' }],
    ['10 MB', { body: tenMegabytes }],
    ['HTTP 500', { status: 500, body: '{"error":"boom"}' }],
  ];

  test('each kind of garbage poll keeps the last good breakpoint set, with one warning in all', async (t) => {
    const s = await session(t, {
      setup: (b) => b.setBreakpoints([...garbage.map((_, i) => snapBreakpoint(b, `good-${i}`)), ...fences(b)]),
    });
    const b = s.backend;
    await s.captureSoon('fence-12');
    for (const [i, [name, answer]] of garbage.entries()) {
      b.pollAnswer = () => answer;
      const polls = b.polls.length;
      await b.waitFor(() => b.polls.length >= polls + 2, 5000, `two polls answered with ${name}`);
      const capture = await s.captureSoon(`good-${i}`);
      assert.equal(capture.label, `good-${i}`, name);
    }
    const problems = s.warnings().filter((line) => line.includes('breakpoint poll failed'));
    assert.equal(problems.length, 1, `one warning per minute\n${s.app.stderr}`);
    assert.equal(s.warnings().length, 1, s.app.stderr);
    assert.match(problems[0], /keeping the last good breakpoints/);
    await s.stop();
  });

  test('breakpoints with wrong types and duplicate ids: bad entries are skipped, good ones stay in force', async (t) => {
    const s = await session(t, { setup: (b) => b.setBreakpoints([snapBreakpoint(b, 'wt-a'), ...fences(b)]) });
    const b = s.backend;
    await s.captureSoon('wt-a');
    const a = b.breakpoints[0];
    const fenceList = b.breakpoints.slice(1);
    b.setBreakpoints([
      a,
      { ...a },
      { id: 'w1', function_name: 5, label: ['x'], line_number: '7' },
      { id: 'w2', function_name: 'snap', label: 'wt-2', enabled: 'yes' },
      { id: 'w3', function_name: 'snap', label: 'wt-3', expire_at: 'tomorrow' },
      { id: {}, function_name: 'snap', label: 'wt-4' },
      null, 42, 'bp', [],
      { id: 'dup', function_name: 'snap', label: 'wt-dup', enabled: false },
      { id: 'dup', function_name: 'snap', label: 'wt-dup', enabled: true },
      { id: 'w5', function_name: 'snap', label: 'wt-5', max_captures: 'lots', capture_count: -3, unknown: { nested: true } },
      ...fenceList,
    ]);
    const polls = b.polls.length;
    await b.waitFor(() => b.polls.length >= polls + 2, 5000, 'two polls with the odd list');
    await sleep(1000);
    await s.captureSoon('wt-a');
    for (const label of ['wt-2', 'wt-3', 'wt-4']) await s.expectNoCapture(label);
    await s.captureSoon('wt-dup'); // duplicate ids: the last one wins
    await s.captureSoon('wt-5'); // unusable counts fall back to the defaults, unknown fields are ignored
    await s.stop();
  });

  test('breakpoints with wrong types, fresh ids on every poll: at most one warning per minute', async (t) => {
    const s = await session(t, { setup: (b) => b.setBreakpoints([snapBreakpoint(b, 'wt-a'), ...fences(b)]) });
    const b = s.backend;
    await s.captureSoon('wt-a');
    const good = b.breakpoints;
    b.pollAnswer = (record) => {
      const n = b.polls.indexOf(record);
      return { body: JSON.stringify({ breakpoints: [...good, { id: `bad-${n}`, function_name: 'snap', label: 'x', enabled: 'yes' }, { id: `late-${n}`, function_name: 'snap', label: 'y', expire_at: 'soon' }] }) };
    };
    const polls = b.polls.length;
    await b.waitFor(() => b.polls.length >= polls + 6, 5000, 'six odd polls');
    await s.stop();
    assert.ok(s.warnings().length <= 1, `${s.warnings().length} warning lines within a second:\n${s.warnings().join('\n')}`);
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe('app unaffected; code monitoring off by default', { concurrency: true }, () => {
  const routes = ['/snap?label=off', '/pii?group=values', '/typical', '/hostile', '/client'];

  for (const [name, env] of [
    ['TRACEKIT_CODE_MONITORING unset (the default)', { TRACEKIT_CODE_MONITORING: null }],
    ['TRACEKIT_CODE_MONITORING=false', { TRACEKIT_CODE_MONITORING: 'false' }],
    ['TRACEKIT_CODE_MONITORING=true without an API key', { TRACEKIT_API_KEY: null }],
  ]) {
    test(`${name}: no request to /sdk/*, getSnapshotClient() is null, answers unchanged`, async (t) => {
      const s = await session(t, { env });
      for (const route of routes) await s.get(route); // /client answers {"client":"null"}, as without the agent
      await sleep(700);
      const b = s.backend;
      assert.equal(b.polls.length + b.registrations.length + b.captures.length + b.sseRequests.length, 0);
      assert.deepEqual(b.otherRequests.filter((r) => r.url.startsWith('/sdk')), []);
      assert.deepEqual(s.warnings(), []);
      await s.stop();
    });
  }

  test('TRACEKIT_ENABLE_CODE_MONITORING=true (the alias) turns it on: getSnapshotClient() is an object', async (t) => {
    const s = await session(t, { env: { TRACEKIT_CODE_MONITORING: null, TRACEKIT_ENABLE_CODE_MONITORING: 'true' } });
    await s.backend.waitFor(() => s.backend.polls.length >= 1, 5000, 'a poll');
    const response = await request(`${s.app.url}/client`);
    assert.equal(response.body, '{"ok":true,"result":{"client":"object"}}');
    await s.stop();
  });

  test('monitoring on, every route answers as without the agent and SIGTERM exits the same', async (t) => {
    const s = await session(t, { env: { TRACEKIT_DEBUG: 'true' }, setup: (b) => { b.activateOnRegister = true; } });
    for (const route of routes.filter((r) => r !== '/client')) await s.get(route);
    await s.backend.waitFor(() => s.backend.registrations.length >= 4, 5000, 'the registrations').catch((e) => { throw new Error(`${e.message}\n${s.app.stderr}`); });
    // The registered breakpoints become active with a later poll, whenever that comes on a busy machine: call the
    // routes again until every one has captured, instead of guessing how long that takes.
    const deadline = Date.now() + 10_000;
    while (s.backend.captures.length < 4) {
      if (Date.now() > deadline) throw new Error(`${s.backend.captures.length} captures within 10 s\n${s.app.stderr}`);
      for (const route of routes.filter((r) => r !== '/client')) await s.get(route);
      await s.backend.waitFor(() => s.backend.captures.length >= 4, 250).catch(() => {});
    }
    await s.stop();
  });

  test('the CJS and ESM fixtures answer as without the agent, and exit the same on SIGTERM', async (t) => {
    for (const fixture of [APP_CJS, ESM_ASYNC]) {
      const s = await session(t, { fixture, setup: (b) => { b.activateOnRegister = true; } });
      const paths = fixture === APP_CJS ? ['/checkout', '/async', '/new', '/method', '/anonymous', '/hostile', '/missing'] : ['/', '/alias'];
      for (const route of paths) await s.get(route);
      await sleep(700);
      for (const route of paths) await s.get(route);
      await s.stop();
    }
  });
});
