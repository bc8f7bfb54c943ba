// The global `tracekit` handle, through fixture scripts run the way users run apps
// (`node --import ./register.mjs <fixture>`, CJS and ESM) against the test receiver:
//   - metrics: the exact TraceKit JSON of protocol §3 for every instrument, memoisation, ignored values, the
//     100-point / interval / flush() / shutdown flushes;
//   - manual spans through `tracekit` and `trace.getTracer()` nested in each other and under the SERVER span;
//     endSpan statuses, recordException, withSpan errors;
//   - the no-op handle without the preload (same shape, nothing thrown, nothing sent) and the live handle's
//     lifecycle/snapshot methods;
//   - a failing or unreachable backend: the handle keeps working and recovers, one warning per kind, exit code kept.
// The fixtures live in test/fixtures/handle/ and import the package by its own name ('@tracekit/agent').
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { startReceiver } from '../helpers/receiver.mjs';
import { agentEnv, closedPort, cleanEnv, request, runScript, startApp, stopApp } from '../helpers/app.mjs';

const FIXTURES = 'test/fixtures/handle';
const API_KEY = 'ctxio_test_key_0123456789';
const SERVICE = 'fixture';
const INTERNAL = 1;
const SERVER = 2;
/** Metric points then leave the process only through the flush under test, never through the periodic flush. */
const NO_INTERVAL_FLUSH = { TRACEKIT_METRICS_FLUSH_INTERVAL_MS: '60000' };
const VARIANTS = [
  { kind: 'ESM', ext: 'mjs', prefix: 'esm', tag: 'esm' },
  { kind: 'CJS', ext: 'cjs', prefix: 'cjs', tag: 'cjs' },
];

async function receiverFor(t, options) {
  const receiver = await startReceiver(options);
  t.after(() => receiver.close());
  return receiver;
}

async function serve(t, fixture, options) {
  const app = await startApp(fixture, options);
  t.after(() => stopApp(app, 'SIGKILL'));
  return app;
}

/** Every /v1/metrics request so far, with its body parsed. */
function metricsRequests(receiver) {
  return receiver.requests.filter((r) => r.path === '/v1/metrics').map((r) => ({ ...r, json: JSON.parse(r.body.toString('utf8')) }));
}

/** Polls until `predicate(metricsRequests)` holds; resolves with the requests. */
async function waitForMetrics(receiver, predicate, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const requests = metricsRequests(receiver);
    if (predicate(requests)) return requests;
    if (Date.now() > deadline) {
      throw new Error(`waitForMetrics: condition not met within ${timeoutMs} ms; metrics requests:\n` +
        requests.map((r) => `  ${r.status} ${r.body.toString('utf8').slice(0, 400)}`).join('\n'));
    }
    await sleep(10);
  }
}

/** All data points of a metrics body as { name, type, attributes (object), value, time }. */
function points(json) {
  const out = [];
  for (const rm of json.resourceMetrics) {
    for (const sm of rm.scopeMetrics) {
      for (const metric of sm.metrics) {
        const type = metric.sum ? 'sum' : 'gauge';
        for (const dp of (metric.sum ?? metric.gauge).dataPoints) {
          out.push({
            name: metric.name,
            type,
            attributes: Object.fromEntries(dp.attributes.map((a) => [a.key, a.value.stringValue])),
            value: dp.asDouble,
            time: dp.timeUnixNano,
          });
        }
      }
    }
  }
  return out;
}

/** `MARK <epoch ms>` lines of a fixture's stdout → { MARK: ms }. */
function marks(stdout) {
  return Object.fromEntries([...stdout.matchAll(/^([A-Z_0-9]+) (\d+)$/gm)].map((m) => [m[1], Number(m[2])]));
}

/** The fixture's `REPORT <json>` line. */
function reportOf(result) {
  const match = /^REPORT (.*)$/m.exec(result.stdout);
  assert.ok(match, `no REPORT line (exit ${result.code ?? result.signal})\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
  return JSON.parse(match[1]);
}

/** A TCP forwarder on `port` to the receiver: the "backend comes back" half of the unreachable test. */
async function forward(t, port, receiver) {
  const target = Number(new URL(receiver.url).port);
  const sockets = new Set();
  const server = net.createServer((socket) => {
    const upstream = net.connect(target, '127.0.0.1');
    sockets.add(socket).add(upstream);
    socket.on('error', () => upstream.destroy());
    upstream.on('error', () => socket.destroy());
    socket.pipe(upstream).pipe(socket);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  t.after(() => {
    for (const socket of sockets) socket.destroy();
    return new Promise((resolve) => server.close(resolve));
  });
}

/** The §3 body for `metrics`, as every TraceKit SDK sends it. */
function metricsBody(metrics) {
  return {
    resourceMetrics: [{
      resource: { attributes: [{ key: 'service.name', value: { stringValue: SERVICE } }] },
      scopeMetrics: [{ scope: { name: 'tracekit' }, metrics }],
    }],
  };
}
const attrs = (object) => Object.entries(object).map(([key, value]) => ({ key, value: { stringValue: value } }));
const dp = (attributes, value) => ({ attributes: attrs(attributes), timeUnixNano: 'T', asDouble: value });
const sum = (name, dataPoints) => ({ name, sum: { dataPoints, aggregationTemporality: 2, isMonotonic: true } });
const gauge = (name, dataPoints) => ({ name, gauge: { dataPoints } });

/** Checks every timeUnixNano (decimal string of ns, within [fromMs, toMs]) and replaces it by 'T'. */
function normaliseTimes(json, fromMs, toMs) {
  for (const metric of json.resourceMetrics[0].scopeMetrics[0].metrics) {
    for (const point of (metric.sum ?? metric.gauge ?? { dataPoints: [] }).dataPoints) {
      assert.equal(typeof point.timeUnixNano, 'string', `timeUnixNano must be a string: ${JSON.stringify(point)}`);
      assert.match(point.timeUnixNano, /^[1-9]\d{18}$/, 'timeUnixNano: decimal nanoseconds since the epoch');
      const ns = BigInt(point.timeUnixNano);
      assert.ok(ns >= BigInt(fromMs) * 1_000_000n && ns <= BigInt(toMs) * 1_000_000n + 999_999n,
        `timeUnixNano ${point.timeUnixNano} outside the recording window ${fromMs}..${toMs} ms`);
      point.timeUnixNano = 'T';
    }
  }
  return json;
}

const byNameAndType = (a, b) => `${a.name}\u0000${a.sum ? 'sum' : 'gauge'}`.localeCompare(`${b.name}\u0000${b.sum ? 'sum' : 'gauge'}`);

function assertMetricsRequestHeaders(request) {
  assert.equal(request.method, 'POST');
  assert.equal(request.path, '/v1/metrics');
  assert.equal(request.headers['content-type'], 'application/json');
  assert.equal(request.headers['x-api-key'], API_KEY);
}

for (const v of VARIANTS) {
  const METRICS = `${FIXTURES}/metrics.${v.ext}`;

  describe(`metrics through the handle (${v.kind}, ${METRICS})`, () => {
    test('every instrument\'s payload matches protocol §3 field for field; memoisation; ignored values', async (t) => {
      const receiver = await receiverFor(t);
      const result = await runScript(METRICS, { args: ['shape'], env: agentEnv(receiver, { ...NO_INTERVAL_FLUSH, TRACEKIT_DEBUG: 'true' }) });
      assert.equal(result.code, 0, result.stderr);
      const report = reportOf(result);
      assert.deepStrictEqual(report, {
        ...(v.kind === 'CJS' ? { sameAsDefault: true } : {}),
        sameAsGlobal: true,
        enabled: true,
        getClientIsHandle: true,
        snapshotClientIsNull: true,
        captureSnapshotResult: 'undefined',
        startMs: report.startMs,
        endMs: report.endMs,
        memoSameTagsOtherOrder: true,
        memoNumericTags: true,
        memoThroughGlobal: true,
        memoGauge: true,
        memoHistogram: true,
        otherTagsOtherInstrument: true,
        noTagsOtherInstrument: true,
        otherTypeOtherInstrument: true,
        flushResult: 'undefined',
      });

      // flush() resolved after the request was answered: it is here, alone (fewer than 100 points, no interval flush).
      const requests = metricsRequests(receiver);
      assert.equal(requests.length, 1, `metrics requests: ${requests.length}`);
      const [req] = requests;
      assertMetricsRequestHeaders(req);
      assert.equal(req.status, 200);
      const body = normaliseTimes(req.json, report.startMs, report.endMs);
      body.resourceMetrics[0].scopeMetrics[0].metrics.sort(byNameAndType);
      const planEu = { plan: 'pro', region: 'eu' }; // sorted by key, whatever order the app wrote them in
      const expected = metricsBody([
        // Counter: each inc()/add() is its own point carrying the increment; -1, NaN, '3', null, undefined, {} and
        // Infinity were ignored; the untagged counter of the same name is another series of the same metric.
        sum('orders.created', [dp(planEu, 1), dp(planEu, 2.5), dp({}, 7)]),
        sum('http.codes', [dp({ code: '200', ok: 'true' }, 1)]),
        // Gauge: set / inc / dec, each value its own point; NaN and '9' ignored.
        gauge('queue.depth', [dp({ queue: 'jobs' }, 5), dp({ queue: 'jobs' }, 6), dp({ queue: 'jobs' }, 5), dp({ queue: 'jobs' }, 4)]),
        // Histogram: sent as a gauge, one point per recorded value.
        gauge('request.duration', [dp({ route: '/users/:id' }, 12.5), dp({ route: '/users/:id' }, 3)]),
        // One metric per name *and* type.
        sum('shared.name', [dp({}, 1)]),
        gauge('shared.name', [dp({}, -2)]),
      ].sort(byNameAndType));
      assert.deepStrictEqual(body, expected);

      // Each ignored value gives one debug line (TRACEKIT_DEBUG=true here), never a warning or an exception.
      const ignored = result.stderr.split('\n').filter((line) => line.includes('ignored'));
      assert.equal(ignored.filter((line) => /counter orders\.created: ignored add\(/.test(line)).length, 7, result.stderr);
      assert.equal(ignored.filter((line) => /gauge queue\.depth: ignored set\(/.test(line)).length, 2, result.stderr);
      assert.equal(ignored.filter((line) => /histogram request\.duration: ignored record\(/.test(line)).length, 2, result.stderr);
      assert.ok(ignored.every((line) => line.startsWith('[tracekit] debug: ')), result.stderr);
      assert.doesNotMatch(result.stderr, /warning|Error/);
      assert.doesNotMatch(result.stderr, new RegExp(API_KEY));
    });

    /** Runs a `hundred*` mode: 99 points, 600 ms, the 100th point, 2 s more; checks the count-triggered flush. */
    async function hundredPoints(t, mode) {
      const receiver = await receiverFor(t);
      const result = await runScript(METRICS, { args: [mode], env: agentEnv(receiver, NO_INTERVAL_FLUSH) });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stderr, '');
      const at = marks(result.stdout);
      const requests = metricsRequests(receiver);
      // 99 points stayed buffered for 600 ms; the 100th sent them all, promptly and while the app was still running.
      assert.equal(requests.filter((r) => r.receivedAt < at.NINETY_NINE).length, 0, 'sent before the 100th point');
      assert.equal(requests.length, 1, `metrics requests: ${requests.length}`);
      const [req] = requests;
      assertMetricsRequestHeaders(req);
      const sent = points(req.json);
      assert.equal(sent.length, 100);
      assert.ok(sent.every((p) => p.name === 'bulk.points' && p.type === 'sum' && p.value === 1 && p.attributes.fixture === v.tag));
      // "At once": well under a second, and in any case before the app's 2 s timer fires (what woke the idle loop).
      assert.ok(req.receivedAt - at.RECORDED < 1000 && req.receivedAt < at.DONE, `arrived ${req.receivedAt - at.RECORDED} ms after the 100th point` +
        `${req.receivedAt >= at.DONE ? ' (only at shutdown)' : ''}`);
    }

    test('100 points trigger a flush at once, without flush() and long before the interval (busy event loop)', async (t) => {
      await hundredPoints(t, 'hundred-busy');
    });

    test('100 points trigger a flush at once, also in an idle process (nothing else wakes the event loop)', {
    }, async (t) => {
      await hundredPoints(t, 'hundred');
    });

    test('the interval flush (TRACEKIT_METRICS_FLUSH_INTERVAL_MS=300) sends a few points after ~300 ms', async (t) => {
      const receiver = await receiverFor(t);
      const result = await runScript(METRICS, { args: ['interval'], env: agentEnv(receiver, { TRACEKIT_METRICS_FLUSH_INTERVAL_MS: '300' }) });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stderr, '');
      const at = marks(result.stdout);
      const requests = metricsRequests(receiver);
      assert.equal(requests.length, 2, `metrics requests: ${requests.map((r) => JSON.stringify(points(r.json).map((p) => p.value)))}`);
      const [first, second] = requests;
      assert.deepStrictEqual(points(first.json).map((p) => p.value), [0, 1, 2]);
      assert.deepStrictEqual(points(second.json).map((p) => p.value), [10, 11]);
      for (const [req, recordedAt] of [[first, at.RECORDED], [second, at.RECORDED2]]) {
        assertMetricsRequestHeaders(req);
        const delay = req.receivedAt - recordedAt;
        // The timer ticks every 300 ms from the agent's start, so the wait is anything up to one period (plus slack for
        // a loaded machine; the default interval would be 10 s).
        assert.ok(delay >= 0 && delay < 300 + 700, `interval flush ${delay} ms after recording`);
        assert.ok(req.receivedAt < at.DONE);
      }
      assert.equal(points(first.json)[0].type, 'gauge'); // histogram → gauge
    });

    test('the default interval is long (10 s): a few points wait, then leave at shutdown', async (t) => {
      const receiver = await receiverFor(t);
      const result = await runScript(METRICS, { args: ['interval'], env: agentEnv(receiver) });
      assert.equal(result.code, 0, result.stderr);
      const at = marks(result.stdout);
      const requests = metricsRequests(receiver);
      assert.equal(requests.filter((r) => r.receivedAt < at.DONE).length, 0, 'a metrics request before the 10 s interval');
      assert.equal(requests.length, 1);
      assert.deepStrictEqual(points(requests[0].json).map((p) => p.value), [0, 1, 2, 10, 11]);
    });

    test('await tracekit.flush() sends the points before it resolves', async (t) => {
      const receiver = await receiverFor(t);
      const result = await runScript(METRICS, { args: ['flush-alive'], env: agentEnv(receiver, NO_INTERVAL_FLUSH) });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stderr, '');
      const at = marks(result.stdout);
      const requests = metricsRequests(receiver);
      assert.equal(requests.length, 1);
      const [req] = requests;
      assertMetricsRequestHeaders(req);
      assert.ok(req.receivedAt >= at.RECORDED && req.respondedAt <= at.FLUSHED,
        `request at +${req.receivedAt - at.RECORDED} ms, answered at +${req.respondedAt - at.RECORDED} ms, flush() resolved at +${at.FLUSHED - at.RECORDED} ms`);
      assert.deepStrictEqual(points(req.json).map((p) => [p.name, p.type, p.value, p.attributes.fixture]),
        [['flush.points', 'sum', 1, v.tag], ['flush.points', 'sum', 1, v.tag], ['flush.points', 'sum', 1, v.tag]]);
    });

    test('await tracekit.flush() as a script\'s last step: the script goes on and exits 0', {
    }, async (t) => {
      const receiver = await receiverFor(t);
      const result = await runScript(METRICS, { args: ['flush'], env: agentEnv(receiver, NO_INTERVAL_FLUSH) });
      // The points do arrive...
      await waitForMetrics(receiver, (requests) => requests.length === 1, 2000);
      // ...but the app must also behave as it does without the agent (where flush() resolves at once).
      assert.match(result.stdout, /^FLUSHED \d+$/m, `exit ${result.code}; stdout: ${result.stdout}`);
      assert.match(result.stdout, /^DONE \d+$/m);
      assert.equal(result.code, 0);
    });

    test('await tracekit.shutdown() flushes the points', async (t) => {
      const receiver = await receiverFor(t);
      await runScript(METRICS, { args: ['shutdown'], env: agentEnv(receiver, NO_INTERVAL_FLUSH) });
      const requests = await waitForMetrics(receiver, (r) => r.length >= 1, 2000);
      assert.equal(requests.length, 1);
      assertMetricsRequestHeaders(requests[0]);
      assert.deepStrictEqual(points(requests[0].json).map((p) => p.name), ['shutdown.points', 'shutdown.points', 'shutdown.points']);
    });

    test('await tracekit.shutdown() as a script\'s last step: the script goes on and exits 0', {
    }, async (t) => {
      const receiver = await receiverFor(t);
      const result = await runScript(METRICS, { args: ['shutdown'], env: agentEnv(receiver, NO_INTERVAL_FLUSH) });
      assert.match(result.stdout, /^SHUT \d+$/m, `exit ${result.code}; stdout: ${result.stdout}`);
      assert.equal(result.code, 0);
    });

    test('flush at shutdown: a script that ends naturally delivers its buffered points', async (t) => {
      const receiver = await receiverFor(t);
      const result = await runScript(METRICS, { args: ['natural'], env: agentEnv(receiver, NO_INTERVAL_FLUSH) });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stderr, '');
      assert.match(result.stdout, /^DONE \d+$/m);
      // Sent from beforeExit, answered before the process went away.
      const requests = metricsRequests(receiver);
      assert.equal(requests.length, 1);
      assertMetricsRequestHeaders(requests[0]);
      assert.deepStrictEqual(points(requests[0].json).map((p) => [p.name, p.type, p.value]),
        [['natural.points', 'gauge', 0], ['natural.points', 'gauge', 1], ['natural.points', 'gauge', 2]]);
    });

    test('flush at shutdown: process.exit(4) right after recording keeps its code and the points still arrive', async (t) => {
      const receiver = await receiverFor(t);
      const result = await runScript(METRICS, { args: ['exit'], env: agentEnv(receiver, NO_INTERVAL_FLUSH) });
      assert.equal(result.code, 4, result.stderr);
      assert.equal(result.stderr, '');
      // The exit flush is synchronous: the request is at the receiver by the time the process is gone.
      const requests = await waitForMetrics(receiver, (r) => r.length >= 1, 500);
      assert.equal(requests.length, 1);
      assertMetricsRequestHeaders(requests[0]);
      assert.deepStrictEqual(points(requests[0].json).map((p) => [p.name, p.type, p.value, p.attributes.fixture]),
        [['exit.points', 'gauge', 0, v.tag], ['exit.points', 'gauge', 1, v.tag], ['exit.points', 'gauge', 2, v.tag]]);
    });
  });

  describe(`manual spans through both APIs (${v.kind})`, () => {
    test('withSpan (sync and async), trace.getTracer().startActiveSpan and startSpan/endSpan nest in one trace; statuses; errors', async (t) => {
      const receiver = await receiverFor(t);
      const result = await runScript(`${FIXTURES}/spans.${v.ext}`, { env: agentEnv(receiver) });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stderr, '');
      const report = reportOf(result);
      const P = `${v.prefix}.`;
      const spans = await receiver.waitForSpans({ where: (s) => s.name.startsWith(P), count: 21 });
      assert.equal(spans.length, 21, spans.map((s) => s.name).join(', '));
      const span = Object.fromEntries(spans.map((s) => [s.name.slice(P.length), s]));
      const ids = report.ids;

      // Return values and rethrown errors, from inside the app.
      assert.equal(report.syncReturn, 42);
      assert.equal(report.asyncReturnIsPromise, true);
      assert.equal(report.asyncReturn, 'async-value');
      assert.equal(report.asyncNestedReturn, 'nested');
      assert.equal(report.syncFnGotActiveSpan, true, 'withSpan passes its span, which is the active one');
      assert.equal(report.activeAfterStartSpan, true, 'startSpan must not change the active span');
      assert.equal(report.activeAfterAwait, true, 'the withSpan span stays active across awaits');
      assert.equal(report.syncThrowRethrown, true);
      assert.equal(report.asyncThrowRethrown, true);
      assert.equal(report.stringThrowRethrown, true);
      assert.equal(report.badArgumentsThrew, false);

      const parentOf = (name) => span[name].parentSpanId;
      // Sync: tracekit.withSpan ⊃ { OTel startActiveSpan ⊃ tracekit.startSpan, tracekit.startSpan, its sibling }.
      assert.equal(span['sync-outer'].spanId, ids.syncOuter);
      assert.equal(parentOf('sync-outer'), '');
      assert.equal(parentOf('sync-otel'), ids.syncOuter);
      assert.equal(span['sync-otel'].spanId, ids.syncOtel);
      assert.equal(parentOf('sync-manual-in-otel'), ids.syncOtel);
      assert.equal(parentOf('sync-manual'), ids.syncOuter);
      assert.equal(parentOf('sync-sibling'), ids.syncOuter, 'startSpan does not make its span the parent of the next');
      const syncTrace = span['sync-outer'].traceId;
      for (const name of ['sync-otel', 'sync-manual-in-otel', 'sync-manual', 'sync-sibling']) assert.equal(span[name].traceId, syncTrace, name);
      assert.deepStrictEqual(span['sync-outer'].attributes, { 'outer.attr': 'sync' });
      assert.deepStrictEqual(span['sync-manual'].attributes, { 'manual.start': 'yes', 'manual.end': 7 });
      assert.equal(span['sync-manual'].status.code, 1);
      assert.equal(span['sync-sibling'].status.code, 2);

      // Async: the withSpan span lasts until the promise settles and stays the parent across awaits.
      assert.equal(parentOf('async-outer'), '');
      assert.equal(parentOf('async-otel'), ids.asyncOuter);
      assert.equal(parentOf('async-manual-in-otel'), ids.asyncOtel);
      assert.equal(parentOf('async-inner-with'), ids.asyncOuter);
      const asyncTrace = span['async-outer'].traceId;
      for (const name of ['async-otel', 'async-manual-in-otel', 'async-inner-with']) assert.equal(span[name].traceId, asyncTrace, name);
      assert.notEqual(asyncTrace, syncTrace);
      for (const name of ['async-otel', 'async-inner-with']) {
        assert.ok(BigInt(span['async-outer'].endTimeUnixNano) >= BigInt(span[name].endTimeUnixNano), `async-outer ended before ${name}`);
      }

      // tracekit spans inside an OTel active span.
      assert.equal(parentOf('with-in-otel'), ids.otelOuter);
      assert.equal(parentOf('manual-in-otel-outer'), ids.otelOuter);
      assert.equal(span['with-in-otel'].traceId, span['otel-outer'].traceId);

      // No active span: a root in a trace of its own.
      assert.equal(parentOf('root-manual'), '');
      assert.ok(![syncTrace, asyncTrace, span['otel-outer'].traceId].includes(span['root-manual'].traceId));

      // Kinds and scopes: the handle's spans are INTERNAL, scope 'tracekit'; the OTel API's carry their tracer's name.
      for (const name of ['sync-outer', 'sync-manual', 'async-inner-with', 'root-manual', 'record-exception']) {
        assert.equal(span[name].kind, INTERNAL, name);
        assert.equal(span[name].scope.name, 'tracekit', name);
      }
      assert.equal(span['sync-otel'].scope.name, 'x');

      // endSpan statuses: 'OK' → 1, 'ERROR' → 2, none → unset (0); an unknown status is ignored.
      assert.equal(span['status-OK'].status.code, 1);
      assert.equal(span['status-ERROR'].status.code, 2);
      assert.equal(span['status-none'].status.code, 0);
      assert.equal(span['bad-status'].status.code, 0);
      assert.deepStrictEqual(span['status-OK'].attributes, { status: 'OK' });

      // recordException and withSpan errors: an `exception` event (type, message, V8 stack text) and status ERROR.
      const exception = (name, type, message) => {
        const s = span[name];
        assert.equal(s.status.code, 2, name);
        assert.equal(s.events.length, 1, name);
        const [event] = s.events;
        assert.equal(event.name, 'exception');
        assert.equal(event.attributes['exception.type'], type);
        assert.equal(event.attributes['exception.message'], message);
        const stack = event.attributes['exception.stacktrace'];
        assert.ok(stack.startsWith(`${type}: ${message}\n`), stack);
        assert.match(stack, new RegExp(`\\n\\s+at .*spans\\.${v.ext}:\\d+:\\d+`), 'frames keep the `at … (file:line:col)` form');
      };
      exception('record-exception', 'TypeError', 'bad input');
      exception('throw-sync', 'RangeError', 'sync boom');
      exception('throw-async', 'Error', 'async boom');
      assert.equal(span['throw-string'].status.code, 2);
      assert.equal(span['throw-string'].events[0]?.attributes['exception.message'], 'plain string');
    });

    test('inside an HTTP request handler the manual spans nest under the SERVER span', async (t) => {
      const receiver = await receiverFor(t);
      const app = await serve(t, `${FIXTURES}/server.${v.ext}`, { env: agentEnv(receiver) });
      const traceId = '0af7651916cd43dd8448eb211c80319c';
      const withParent = await request(`${app.url}/work?p=${v.prefix}-a`, { headers: { traceparent: `00-${traceId}-b7ad6b7169203331-01` } });
      const root = await request(`${app.url}/work?p=${v.prefix}-b`);
      for (const [response, prefix, expectedTrace] of [[withParent, `${v.prefix}-a`, traceId], [root, `${v.prefix}-b`, undefined]]) {
        assert.equal(response.status, 200);
        const ids = JSON.parse(response.body);
        const [server] = await receiver.waitForSpans((s) => s.kind === SERVER && s.spanId === ids.server);
        const handlerSpans = await receiver.waitForSpans({ where: (s) => s.name.startsWith(`${prefix}.`), count: 4 });
        const span = Object.fromEntries(handlerSpans.map((s) => [s.name.slice(prefix.length + 1), s]));
        assert.equal(server.name, 'GET');
        assert.equal(server.parentSpanId, expectedTrace === undefined ? '' : 'b7ad6b7169203331');
        if (expectedTrace !== undefined) assert.equal(server.traceId, expectedTrace);
        assert.equal(span['handler-direct'].spanId, ids.direct);
        assert.equal(span['handler-direct'].parentSpanId, server.spanId, 'tracekit.startSpan in the handler → child of SERVER');
        assert.equal(span['handler-direct'].status.code, 1);
        assert.deepStrictEqual(span['handler-direct'].attributes, { 'handler.step': 'direct' });
        assert.equal(span['handler-with'].parentSpanId, server.spanId, 'tracekit.withSpan in the handler → child of SERVER');
        assert.equal(span['handler-manual'].parentSpanId, ids.with);
        assert.equal(span['handler-otel'].parentSpanId, ids.with, 'trace.getTracer() inside withSpan → child of the withSpan span');
        for (const s of handlerSpans) assert.equal(s.traceId, server.traceId, s.name);
      }
      await stopApp(app);
      assert.equal(app.stderr, '');
    });
  });

  describe(`the handle without and with the preload (${v.kind}, api.${v.ext})`, () => {
    const API = `${FIXTURES}/api.${v.ext}`;
    const SHAPE = {
      keys: ['captureSnapshot', 'counter', 'enabled', 'endSpan', 'flush', 'gauge', 'getClient', 'getSnapshotClient', 'histogram',
        'recordException', 'shutdown', 'startSpan', 'withSpan'],
      methods: ['captureSnapshot', 'counter', 'endSpan', 'flush', 'gauge', 'getClient', 'getSnapshotClient', 'histogram',
        'recordException', 'shutdown', 'startSpan', 'withSpan'],
      instrumentMethods: { counter: ['add', 'inc'], gauge: ['dec', 'inc', 'set'], histogram: ['record'] },
    };
    const COMMON = {
      entryKeys: ['default', 'tracekit'],
      defaultIsHandle: true,
      handleType: 'object',
      frozen: true,
      startSpanHasContext: true,
      endSpanResult: 'undefined',
      recordExceptionResult: 'undefined',
      withSpanSync: 'sync-value',
      withSpanAsync: 'async-value',
      withSpanRethrows: true,
      withSpanRejects: true,
      getClientIsHandle: true,
      snapshotClient: null,
      captureSnapshotResult: 'undefined',
      captureSnapshotNoVars: 'undefined',
      flushIsPromise: true,
      flushValue: 'undefined',
      shutdownIsPromise: true,
      shutdownValue: 'undefined',
      errors: [],
    };

    test('without --import: the no-op handle has the same shape, throws nothing, sends nothing, starts nothing', async (t) => {
      const receiver = await receiverFor(t);
      // The endpoint and key are set: only the missing preload keeps everything off.
      const result = await runScript(API, { preload: false, env: agentEnv(receiver) });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stderr, '');
      const report = reportOf(result);
      assert.deepStrictEqual(report, {
        ...COMMON,
        ...SHAPE,
        enabled: false,
        globalType: 'undefined', // the global exists only with the agent; the import always works
        globalIsHandle: false,
        activeTimers: 0,
      });
      await sleep(300);
      assert.deepStrictEqual(receiver.requests.map((r) => r.path), [], 'the no-op handle sent something');
    });

    test('with the agent: same shape, enabled, getClient() === tracekit, getSnapshotClient() === null, captureSnapshot() a no-op', async (t) => {
      const receiver = await receiverFor(t);
      const result = await runScript(API, { env: agentEnv(receiver) });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stderr, '');
      const report = reportOf(result);
      const { activeTimers, ...rest } = report;
      assert.equal(typeof activeTimers, 'number');
      assert.deepStrictEqual(rest, { ...COMMON, ...SHAPE, enabled: true, globalType: 'object', globalIsHandle: true });
      // The live handle did send what the app recorded (flush() and shutdown() in the fixture).
      const requests = await waitForMetrics(receiver, (r) => r.length >= 1, 2000);
      assert.ok(points(requests[0].json).some((p) => p.name === 'api.counter'));
    });
  });
}

describe('a failing or unreachable backend', () => {
  const RESILIENT = `${FIXTURES}/resilient-server.mjs`;
  const emit = async (app, batch) => {
    const response = await request(`${app.url}/emit?batch=${batch}`);
    assert.equal(response.status, 200);
    assert.equal(response.body, `emitted ${batch}`);
  };
  const batchesIn = (requests, status) => requests.filter((r) => r.status === status).flatMap((r) => points(r.json).map((p) => p.attributes.batch)).sort();
  const warnings = (stderr) => stderr.split('\n').filter((line) => line !== '');

  test('HTTP 500: every call still works, data flows again once the endpoint recovers, one warning per kind, exit code kept', async (t) => {
    const receiver = await receiverFor(t, { status: 500 });
    const app = await serve(t, RESILIENT, { env: agentEnv(receiver, NO_INTERVAL_FLUSH) });
    for (const batch of [1, 2, 3]) await emit(app, batch);
    const failed = await waitForMetrics(receiver, (r) => batchesIn(r, 500).length === 3);
    assertMetricsRequestHeaders(failed[0]);
    receiver.setStatus(200);
    for (const batch of [4, 5]) await emit(app, batch);
    const requests = await waitForMetrics(receiver, (r) => batchesIn(r, 200).length === 2);
    assert.deepStrictEqual(batchesIn(requests, 200), ['4', '5'], 'points recorded after the recovery arrive');
    assert.deepStrictEqual(batchesIn(requests, 500), ['1', '2', '3'], 'points of a failed batch are dropped, not re-sent');
    await receiver.waitForSpans({ where: (s) => s.name === 'emit-4' || s.name === 'emit-5', count: 2 });

    assert.equal((await request(`${app.url}/quit`)).body, 'bye');
    const exited = await app.exit;
    assert.deepStrictEqual(exited, { code: 3, signal: null }, app.stderr);
    // One warning per kind at the first loss, then the losses since then once more at exit, with their count.
    const lines = warnings(app.stderr);
    assert.equal(lines.length, 4, app.stderr);
    assert.equal(lines.filter((l) => /^\[tracekit\] warning: at exit: \d+ spans? \(export to .* failed: HTTP 500\) were lost/.test(l)).length, 1, app.stderr);
    assert.equal(lines.filter((l) => /^\[tracekit\] warning: at exit: \d+ metric points? \(sending to .* failed: HTTP 500\) were lost/.test(l)).length, 1, app.stderr);
    assert.equal(lines.filter((l) => /^\[tracekit\] warning: could not export \d+ spans? to .*HTTP 500/.test(l)).length, 1, app.stderr);
    assert.equal(lines.filter((l) => /^\[tracekit\] warning: could not send \d+ metric points to .*HTTP 500/.test(l)).length, 1, app.stderr);
    assert.doesNotMatch(app.stderr, new RegExp(API_KEY));
  });

  test('unreachable endpoint: every call still works, data flows once it is reachable, one warning per kind, exit code kept', async (t) => {
    const receiver = await receiverFor(t);
    const port = await closedPort();
    const env = agentEnv(receiver, {
      ...NO_INTERVAL_FLUSH,
      TRACEKIT_ENDPOINT: `http://127.0.0.1:${port}`,
      OTEL_BSP_EXPORT_TIMEOUT: '1000', // trace retries give up after 1 s instead of 10 s
    });
    const app = await serve(t, RESILIENT, { env });
    for (const batch of [1, 2]) await emit(app, batch);
    assert.equal(receiver.requests.length, 0);
    await forward(t, port, receiver); // the backend comes up on that port
    for (const batch of [3, 4]) await emit(app, batch);
    const requests = await waitForMetrics(receiver, (r) => batchesIn(r, 200).includes('4'));
    assert.deepStrictEqual(batchesIn(requests, 200), ['3', '4']);
    assertMetricsRequestHeaders(requests[0]);
    await receiver.waitForSpans({ where: (s) => s.name === 'emit-3' || s.name === 'emit-4', count: 2 });

    assert.equal((await request(`${app.url}/quit`)).body, 'bye');
    const exited = await app.exit;
    assert.deepStrictEqual(exited, { code: 3, signal: null }, app.stderr);
    // The first loss of each kind at once; the rest (if any) once more at exit.
    const lines = warnings(app.stderr);
    assert.equal(lines.filter((l) => !/ warning: at exit: \d+ (spans?|metric points?) \(.*ECONNREFUSED[^)]*\) w(as|ere) lost/.test(l)).length, 2, app.stderr);
    assert.equal(lines.filter((l) => /^\[tracekit\] warning: could not export \d+ spans? to .*ECONNREFUSED/.test(l)).length, 1, app.stderr);
    assert.equal(lines.filter((l) => /^\[tracekit\] warning: could not send \d+ metric points to .*ECONNREFUSED/.test(l)).length, 1, app.stderr);
  });
  test('a hanging backend costs bounded memory: 1,000,000 points in 5 s against an endpoint that never answers', {
  }, async (t) => {
    const receiver = await receiverFor(t);
    receiver.setDelay(120_000); // accepts, never answers within the test
    const result = await runScript(`${FIXTURES}/metrics.mjs`, {
      args: ['flood'],
      nodeArgs: ['--expose-gc', '--import', './register.mjs'],
      env: agentEnv(receiver, NO_INTERVAL_FLUSH),
      timeoutMs: 30_000,
    });
    assert.equal(result.code, 0, result.stderr);
    const heap = Number(/^HEAP (-?\d+)$/m.exec(result.stdout)?.[1]);
    assert.ok(Number.isFinite(heap), result.stdout);
    assert.ok(heap < 32 * 1024 * 1024, `heap grew by ${(heap / 1048576).toFixed(1)} MiB`);
  });
});

test('metrics also go to a plain OTLP collector endpoint (OTEL_EXPORTER_OTLP_ENDPOINT, no API key)', async (t) => {
  const receiver = await receiverFor(t);
  const env = cleanEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, TRACEKIT_SERVICE_NAME: SERVICE, ...NO_INTERVAL_FLUSH });
  const result = await runScript(`${FIXTURES}/metrics.mjs`, { args: ['natural'], env });
  assert.equal(result.code, 0, result.stderr);
  const requests = await waitForMetrics(receiver, (r) => r.length >= 1, 2000);
  assert.equal(requests[0].path, '/v1/metrics');
  assert.equal(requests[0].headers['content-type'], 'application/json');
  assert.equal(requests[0].headers['x-api-key'], undefined);
  // Standard OTLP for a collector: a gauge series is aggregated to its last value per send.
  const [point] = points(requests[0].json);
  assert.equal(points(requests[0].json).length, 1);
  assert.equal(point.value, 2);
});
