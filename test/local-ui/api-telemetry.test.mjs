// Metrics and logs into tracekit-local: TraceKit's metrics JSON, standard OTLP metrics (JSON and protobuf),
// OTLP logs (JSON and protobuf) and the log lines of one span.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { getJson, hex, post, proto, startLocalUi } from './helpers.mjs';
import { otlpLogs, tracekitMetrics } from './sample-data.mjs';

const resource = (service) => ({ attributes: [{ key: 'service.name', value: { stringValue: service } }] });
const nanos = (ms) => String(BigInt(ms) * 1_000_000n);

describe('tracekit-local metrics and logs', { timeout: 60_000 }, () => {
  let ui;
  before(async () => {
    ui = await startLocalUi();
  });
  after(() => ui.stop());

  test('TraceKit metrics JSON: one series per name and tag set, counters, gauges and histograms', async () => {
    const now = Date.now();
    const body = tracekitMetrics('shop', [
      { name: 'orders', type: 'counter', value: 1, tags: { region: 'eu' }, timeMs: now - 2000 },
      { name: 'orders', type: 'counter', value: 2, tags: { region: 'eu' }, timeMs: now - 1000 },
      { name: 'orders', type: 'counter', value: 5, tags: { region: 'us' }, timeMs: now - 1000 },
      { name: 'queue.depth', type: 'gauge', value: 0, timeMs: now },
      { name: 'latency', type: 'histogram', value: 12.5, tags: { route: '/a' }, timeMs: now },
    ]);
    const res = await post(`${ui.url}/v1/metrics`, body);
    assert.equal(res.status, 200);
    const { json } = await getJson(`${ui.url}/api/metrics?service=shop`);
    const find = (name, attrs) => json.series.find((s) => s.name === name && JSON.stringify(s.attributes) === JSON.stringify(attrs));
    assert.deepEqual(find('orders', { region: 'eu' }).points.map((p) => p[1]), [1, 2]);
    assert.equal(find('orders', { region: 'eu' }).type, 'sum');
    assert.deepEqual(find('orders', { region: 'us' }).points.map((p) => p[1]), [5]);
    assert.equal(find('queue.depth', {}).last, 0, 'a zero value is kept');
    assert.equal(find('latency', { route: '/a' }).type, 'gauge');
  });

  test('standard OTLP metrics in protobuf (gzip) and JSON, including int sums and histograms', async () => {
    const now = Date.now();
    const request = {
      resourceMetrics: [{
        resource: resource('otel-app'),
        scopeMetrics: [{
          scope: { name: 'runtime' },
          metrics: [
            { name: 'process.memory.rss', unit: 'By', gauge: { dataPoints: [{ timeUnixNano: nanos(now), asInt: 123456789 }] } },
            { name: 'http.server.duration', unit: 'ms', histogram: { aggregationTemporality: 2, dataPoints: [{ timeUnixNano: nanos(now), count: 4, sum: 100, bucketCounts: [1, 3], explicitBounds: [10], attributes: [{ key: 'http.route', value: { stringValue: '/x' } }] }] } },
            { name: 'jobs.active', sum: { aggregationTemporality: 2, isMonotonic: false, dataPoints: [{ timeUnixNano: nanos(now), asDouble: -2 }] } },
          ],
        }],
      }],
    };
    const Request = proto.collector.metrics.v1.ExportMetricsServiceRequest;
    const bytes = Buffer.from(Request.encode(Request.fromObject(request)).finish());
    const res = await post(`${ui.url}/v1/metrics`, gzipSync(bytes), { contentType: 'application/x-protobuf', headers: { 'content-encoding': 'gzip' } });
    assert.equal(res.status, 200);
    const { json } = await getJson(`${ui.url}/api/metrics?service=otel-app`);
    const byName = Object.fromEntries(json.series.map((s) => [s.name, s]));
    assert.equal(byName['process.memory.rss'].last, 123456789);
    assert.equal(byName['process.memory.rss'].unit, 'By');
    assert.equal(byName['http.server.duration'].last, 25, 'a histogram is charted by its mean');
    assert.deepEqual(byName['http.server.duration'].attributes, { 'http.route': '/x' });
    assert.equal(byName['jobs.active'].type, 'updown');
    assert.equal(byName['jobs.active'].last, -2);
    // The same request as OTLP/JSON (int64 as a string, as the JSON mapping writes it).
    request.resourceMetrics[0].resource = resource('otel-json');
    request.resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints[0].asInt = '42';
    assert.equal((await post(`${ui.url}/v1/metrics`, request)).status, 200);
    const { json: fromJson } = await getJson(`${ui.url}/api/metrics?service=otel-json&name=process.memory`);
    assert.equal(fromJson.series[0].last, 42);
  });

  test('OTLP logs in JSON and protobuf; a span\'s lines are found by span id', async () => {
    const traceId = hex(16);
    const spanId = hex(8);
    const json = otlpLogs('shop', [
      { body: 'starting checkout', traceId, spanId },
      { body: 'unrelated line' },
    ]);
    assert.equal((await post(`${ui.url}/v1/logs`, json)).status, 200);
    const Request = proto.collector.logs.v1.ExportLogsServiceRequest;
    const message = Request.fromObject({
      resourceLogs: [{
        resource: resource('shop'),
        scopeLogs: [{ scope: { name: 'pino' }, logRecords: [{ timeUnixNano: nanos(Date.now()), severityNumber: 17, severityText: 'ERROR', body: { kvlistValue: { values: [{ key: 'msg', value: { stringValue: 'payment failed' } }, { key: 'retry', value: { boolValue: false } }] } }, traceId: Buffer.from(traceId, 'hex'), spanId: Buffer.from(spanId, 'hex'), attributes: [{ key: 'attempt', value: { intValue: 0 } }] }] }],
      }],
    });
    const res = await post(`${ui.url}/v1/logs`, Buffer.from(Request.encode(message).finish()), { contentType: 'application/x-protobuf' });
    assert.equal(res.status, 200);
    const { json: bySpan } = await getJson(`${ui.url}/api/logs?span_id=${spanId}`);
    assert.equal(bySpan.logs.length, 2);
    assert.equal(bySpan.logs[0].body, 'starting checkout');
    assert.deepEqual(bySpan.logs[1].body, { msg: 'payment failed', retry: false });
    assert.equal(bySpan.logs[1].severityText, 'ERROR');
    assert.deepEqual(bySpan.logs[1].attributes, { attempt: 0 });
    assert.equal(bySpan.logs[1].traceId, traceId);
    const { json: all } = await getJson(`${ui.url}/api/logs?service=shop`);
    assert.equal(all.logs.length, 3);
  });

  test('DELETE /api/metrics clears the series', async () => {
    assert.equal((await fetch(`${ui.url}/api/metrics`, { method: 'DELETE' })).status, 200);
    assert.deepEqual((await getJson(`${ui.url}/api/metrics`)).json.series, []);
  });
});
