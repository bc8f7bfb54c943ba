// Configuration of log correlation, runtime metrics, metric temporality and the instrumentation lists: every bad
// value is one warning and the default.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readConfig } from '../../agent/config.ts';

const read = (env) => readConfig(env, { cwd: '/nonexistent', readFile: () => undefined });

test('defaults: injection on, log export off, runtime metrics on every 10 s, TraceKit metrics format', () => {
  const { config, warnings } = read({});
  assert.deepEqual(config.logs, { injection: true, export: false });
  assert.deepEqual(config.runtimeMetrics, { enabled: true, intervalMs: 10_000 });
  assert.deepEqual(config.metricsFormat, { kind: 'tracekit' });
  assert.deepEqual(warnings, []);
});

test('a collector endpoint means OTLP delta metrics; TRACEKIT_METRICS_TEMPORALITY overrides', () => {
  assert.deepEqual(read({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }).config.metricsFormat, { kind: 'otlp', temporality: 'delta' });
  assert.deepEqual(read({ OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://127.0.0.1:4318/v1/metrics' }).config.metricsFormat, { kind: 'otlp', temporality: 'delta' });
  assert.deepEqual(read({ TRACEKIT_ENDPOINT: 'http://127.0.0.1:4318', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x:1' }).config.metricsFormat, { kind: 'tracekit' });
  assert.deepEqual(read({ TRACEKIT_METRICS_TEMPORALITY: 'Cumulative' }).config.metricsFormat, { kind: 'otlp', temporality: 'cumulative' });
});

test('bad values: one warning each, defaults kept', () => {
  const { config, warnings } = read({
    TRACEKIT_LOGS_INJECTION: 'maybe',
    TRACEKIT_LOGS_EXPORT: '2',
    TRACEKIT_RUNTIME_METRICS: 'sometimes',
    TRACEKIT_RUNTIME_METRICS_INTERVAL_MS: '5',
    TRACEKIT_METRICS_TEMPORALITY: 'weekly',
    TRACEKIT_ENABLED_INSTRUMENTATIONS: 'nosuchlib',
  });
  assert.deepEqual(config.logs, { injection: true, export: false });
  assert.deepEqual(config.runtimeMetrics, { enabled: true, intervalMs: 10_000 });
  assert.deepEqual(config.metricsFormat, { kind: 'tracekit' });
  assert.equal(warnings.length, 6, warnings.join('\n'));
  for (const name of ['TRACEKIT_LOGS_INJECTION', 'TRACEKIT_LOGS_EXPORT', 'TRACEKIT_RUNTIME_METRICS', 'TRACEKIT_RUNTIME_METRICS_INTERVAL_MS', 'TRACEKIT_METRICS_TEMPORALITY', 'TRACEKIT_ENABLED_INSTRUMENTATIONS']) {
    assert.ok(warnings.some((w) => w.includes(name)), name);
  }
});

test('the logging libraries are instrumentation names', () => {
  const { config, warnings } = read({ TRACEKIT_DISABLED_INSTRUMENTATIONS: 'pino,WINSTON,bunyan' });
  assert.deepEqual([...config.disabledInstrumentations].sort(), ['bunyan', 'pino', 'winston']);
  assert.deepEqual(warnings, []);
});
