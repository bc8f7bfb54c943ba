// Node.js runtime metrics and the metrics wire formats, received the way a backend receives them: the TraceKit
// metrics JSON for TraceKit, standard OTLP (delta or cumulative sums, histograms with buckets) for a collector.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startReceiver } from '../helpers/receiver.mjs';
import { agentEnv, cleanEnv, request, startApp, stopApp } from '../helpers/app.mjs';

const APP = 'test/fixtures/metrics/app.cjs';
const FAST = { TRACEKIT_RUNTIME_METRICS_INTERVAL_MS: '300', TRACEKIT_METRICS_FLUSH_INTERVAL_MS: '300' };

/** Every metric of every /v1/metrics body received so far, with its data points. */
function metrics(receiver) {
  return receiver.requests.filter((r) => r.path === '/v1/metrics')
    .flatMap((r) => JSON.parse(r.body.toString()).resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics)));
}
const pointsOf = (list, name) => list.filter((m) => m.name === name).flatMap((m) => (m.gauge ?? m.sum ?? m.histogram).dataPoints);

async function waitFor(what, predicate, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = predicate();
    if (value) return value;
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const RUNTIME = ['nodejs.eventloop.delay.min', 'nodejs.eventloop.delay.max', 'nodejs.eventloop.delay.mean', 'nodejs.eventloop.delay.p50',
  'nodejs.eventloop.delay.p90', 'nodejs.eventloop.delay.p99', 'nodejs.eventloop.utilization', 'v8js.gc.duration', 'v8js.memory.heap.used',
  'v8js.memory.heap.limit', 'process.cpu.utilization', 'process.memory.usage'];

describe('runtime metrics to TraceKit', () => {
  let receiver;
  let app;
  before(async () => {
    receiver = await startReceiver();
    app = await startApp(APP, { env: agentEnv(receiver, FAST), nodeArgs: ['--expose-gc', '--import', './register.mjs'] });
  });
  after(async () => {
    if (app) await stopApp(app);
    await receiver?.close();
  });

  test('every metric arrives, one point per interval, with plausible values', async () => {
    // Allocate so that a GC happens and its pause is reported.
    await request(`${app.url}/`);
    const list = await waitFor('all runtime metrics', () => {
      const received = metrics(receiver);
      const names = new Set(received.map((m) => m.name));
      return RUNTIME.filter((n) => n !== 'v8js.gc.duration').every((n) => names.has(n)) ? received : undefined;
    });
    for (const name of RUNTIME.filter((n) => n !== 'v8js.gc.duration')) {
      const metric = list.find((m) => m.name === name);
      assert.ok(metric.gauge, `${name} is sent as a gauge in the TraceKit format`);
    }
    const [used] = pointsOf(list, 'v8js.memory.heap.used');
    const [limit] = pointsOf(list, 'v8js.memory.heap.limit');
    assert.ok(used.asDouble > 1e6 && used.asDouble < limit.asDouble, `heap used ${used.asDouble} < limit ${limit.asDouble}`);
    const [rss] = pointsOf(list, 'process.memory.usage');
    assert.ok(rss.asDouble > 10 * 1024 * 1024, `rss ${rss.asDouble} bytes`);
    for (const name of ['nodejs.eventloop.utilization', 'process.cpu.utilization']) {
      for (const p of pointsOf(list, name)) assert.ok(p.asDouble >= 0 && p.asDouble <= 1, `${name} ${p.asDouble}`);
    }
    // One point per metric per interval: in any one body, a gauge has one point.
    const body = JSON.parse(receiver.requests.filter((r) => r.path === '/v1/metrics').at(-1).body.toString());
    for (const m of body.resourceMetrics[0].scopeMetrics[0].metrics.filter((x) => x.name === 'v8js.memory.heap.used')) {
      assert.ok(m.gauge.dataPoints.length <= 2, 'one point per interval (two when two intervals share a send)');
    }
  });

  test('event-loop delay p99 rises when the app blocks the loop for 200 ms', async () => {
    const before = receiver.requests.length;
    await request(`${app.url}/block`);
    await waitFor('a p99 above 150 ms', () => receiver.requests.slice(before).some((r) => r.path === '/v1/metrics' &&
      JSON.parse(r.body.toString()).resourceMetrics[0].scopeMetrics[0].metrics
        .some((m) => m.name === 'nodejs.eventloop.delay.p99' && m.gauge.dataPoints.some((p) => p.asDouble > 0.15 && p.asDouble < 5))));
  });
});

describe('metrics to a generic OTLP collector', () => {
  for (const temporality of ['delta', 'cumulative']) {
    test(`${temporality}: counters as one summed point per interval, histograms with buckets`, async () => {
      const receiver = await startReceiver();
      const env = cleanEnv({
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_SERVICE_NAME: 'collector-app',
        TRACEKIT_RUNTIME_METRICS: 'false',
        ...(temporality === 'cumulative' ? { TRACEKIT_METRICS_TEMPORALITY: 'cumulative' } : {}),
        ...FAST,
      });
      const app = await startApp(APP, { env });
      try {
        await request(`${app.url}/count`);
        const first = await waitFor('the first counter point', () => pointsOf(metrics(receiver), 'orders.placed')[0]);
        await request(`${app.url}/count`);
        const second = await waitFor('the second counter point', () => pointsOf(metrics(receiver), 'orders.placed')[1]);
        const sum = metrics(receiver).find((m) => m.name === 'orders.placed').sum;
        assert.equal(sum.isMonotonic, true);
        assert.equal(sum.aggregationTemporality, temporality === 'delta' ? 1 : 2);
        assert.equal(first.asDouble, 7, 'the increments of one interval are summed');
        assert.equal(second.asDouble, temporality === 'delta' ? 7 : 14);
        assert.deepEqual(first.attributes, [{ key: 'region', value: { stringValue: 'eu' } }]);
        const [histogram] = pointsOf(metrics(receiver), 'order.value');
        assert.equal(histogram.count, '1');
        assert.equal(histogram.sum, 12);
        assert.equal(histogram.min, 12);
        assert.equal(histogram.max, 12);
        assert.equal(histogram.bucketCounts.length, histogram.explicitBounds.length + 1);
        assert.equal(histogram.bucketCounts[histogram.explicitBounds.indexOf(25)], '1', '12 falls in (10, 25]');
        assert.equal(receiver.requests.some((r) => r.path === '/v1/metrics' && r.headers['x-api-key'] !== undefined), false);
      } finally {
        await stopApp(app);
        await receiver.close();
      }
    });
  }
});
