// Trace ids in the app's logs: pino 7-10, winston 3 and bunyan 1, as JSON and pretty-printed, each app started as
// a user would under the preload. The ids in every line written inside a request equal those of the SERVER span
// exported for that request; lines outside any request, the app's own fields and formatting, and the app's
// objects are left as they were. Records also go out as OTLP logs when asked.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startReceiver } from '../helpers/receiver.mjs';
import { agentEnv, request, startApp, stopApp } from '../helpers/app.mjs';

const APP = 'test/fixtures/logs/app.cjs';
const VARIANTS = [
  ...['pino7', 'pino8', 'pino9', 'pino10'].flatMap((logger) => [{ logger, format: 'json' }, { logger, format: 'pretty' }]),
  { logger: 'winston3', format: 'json' },
  { logger: 'winston3', format: 'pretty' },
  { logger: 'bunyan1', format: 'json' },
];

const jsonLines = (stdout) => stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));

/** Runs one request against the fixture and returns its SERVER span and the app's output once its lines are in. */
async function logOnce(receiver, app, marker, { waitLines = 6 } = {}) {
  const response = await request(`${app.url}/log?marker=${marker}`);
  assert.deepEqual(JSON.parse(response.body), { unchanged: true }, 'the app\'s record objects are unchanged');
  const [span] = await receiver.waitForSpans((s) => s.kind === 2 && s.attributes['url.query'] === `marker=${marker}`);
  const deadline = Date.now() + 10_000;
  // Pretty output comes from a transport thread: wait until the request's lines are all there.
  while ((app.stdout.split(marker).length - 1) < waitLines) {
    assert.ok(Date.now() < deadline, `the request's log lines within 10 s:\n${app.stdout}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return span;
}

for (const { logger, format } of VARIANTS) {
  describe(`${logger} (${format})`, () => {
    let receiver;
    let app;
    before(async () => {
      receiver = await startReceiver();
      app = await startApp(APP, { env: agentEnv(receiver, { LOGGER: logger, LOG_FORMAT: format, TRACEKIT_SERVICE_NAME: 'shop' }) });
    });
    after(async () => {
      if (app) await stopApp(app);
      await receiver?.close();
    });

    test('lines inside the request carry the span\'s ids; the rest is the app\'s', async () => {
      const span = await logOnce(receiver, app, 'm1');
      assert.match(app.stdout, /CONSOLE m1/, 'console.log is left alone');
      if (format === 'pretty') {
        // pino-pretty prints `trace_id: "…"`, the app's winston printf `trace_id=…`.
        const text = app.stdout.slice(app.stdout.indexOf('inside a request'));
        assert.ok(text.includes(span.traceId) && text.includes(span.spanId), `pretty output has the ids:\n${text}`);
        assert.doesNotMatch(app.stdout.slice(0, app.stdout.indexOf('LISTENING')), new RegExp(span.traceId));
        return;
      }
      const lines = jsonLines(app.stdout);
      const startup = lines.find((l) => l.marker === 'startup');
      assert.equal(startup.trace_id, undefined, 'a line outside any request is unchanged');
      const inside = lines.filter((l) => l.marker === 'm1' || /reused m1/.test(l.msg ?? l.message ?? ''));
      assert.equal(inside.length, 5, JSON.stringify(lines));
      for (const line of inside) {
        assert.equal(line.span_id, span.spanId);
        assert.equal(line.trace_flags, '01');
        assert.equal(line['service.name'], 'shop');
        assert.equal(line.trace_id, line.phase === 'own-trace-id' ? 'set-by-app' : span.traceId, 'a field the app sets wins');
      }
      assert.equal(inside.find((l) => l.phase === 'child').component, 'child', 'child logger fields survive');
      if (logger.startsWith('pino')) {
        assert.ok(inside.every((l) => l.mixed === 'by-app' && l.level === 'info' && l.app === 'shop'), 'mixin, formatters and base survive');
      }
      if (logger.startsWith('winston')) assert.ok(inside.every((l) => typeof l.timestamp === 'string'), 'format.combine survives');
    });
  });
}

describe('settings', () => {
  let receiver;
  before(async () => { receiver = await startReceiver(); });
  after(async () => { await receiver?.close(); });

  async function run(env, check) {
    const app = await startApp(APP, { env: agentEnv(receiver, { LOGGER: 'pino9', TRACEKIT_SERVICE_NAME: 'shop', ...env }) });
    try {
      await check(app);
    } finally {
      await stopApp(app);
    }
  }

  test('TRACEKIT_LOGS_INJECTION=false: no line is changed', () => run({ TRACEKIT_LOGS_INJECTION: 'false' }, async (app) => {
    await logOnce(receiver, app, 'off');
    assert.ok(jsonLines(app.stdout).every((l) => l.span_id === undefined && l['service.name'] === undefined));
  }));

  test('the app\'s mixin wins over the agent\'s fields', () => run({ MIXIN_SPAN_ID: 'from-mixin' }, async (app) => {
    await logOnce(receiver, app, 'mixin');
    const inside = jsonLines(app.stdout).filter((l) => l.marker === 'mixin' && l.phase !== 'own-trace-id');
    assert.ok(inside.length > 0 && inside.every((l) => l.span_id === 'from-mixin' && /^[0-9a-f]{32}$/.test(l.trace_id)));
  }));

  test('an unsampled request gives trace_flags "00"', async () => {
    const app = await startApp(APP, { env: agentEnv(receiver, { LOGGER: 'pino9', TRACEKIT_SAMPLE_RATE: '0' }) });
    try {
      await request(`${app.url}/log?marker=unsampled`);
      const deadline = Date.now() + 5000;
      while (!app.stdout.includes('the app sets trace_id')) {
        assert.ok(Date.now() < deadline, app.stdout);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const inside = jsonLines(app.stdout).filter((l) => l.marker === 'unsampled' && l.phase === 'mutable');
      assert.equal(inside[0].trace_flags, '00');
      assert.match(inside[0].trace_id, /^[0-9a-f]{32}$/);
    } finally {
      await stopApp(app);
    }
  });

  test('TRACEKIT_LOGS_EXPORT=true: the records go to the endpoint as OTLP logs with the span\'s ids', () => run({ TRACEKIT_LOGS_EXPORT: 'true' }, async (app) => {
    const span = await logOnce(receiver, app, 'exported');
    const deadline = Date.now() + 10_000;
    let records = [];
    while (records.length === 0) {
      assert.ok(Date.now() < deadline, 'a /v1/logs export within 10 s');
      records = receiver.requests
        .filter((r) => r.path === '/v1/logs')
        .flatMap((r) => JSON.parse(r.body.toString()).resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords)))
        .filter((record) => record.attributes.some((a) => a.key === 'marker' && a.value.stringValue === 'exported'));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const record = records.find((r) => r.body.stringValue === 'inside a request');
    assert.equal(record.traceId, span.traceId);
    assert.equal(record.spanId, span.spanId);
    assert.equal(record.severityText, 'INFO');
    assert.equal(receiver.requests.find((r) => r.path === '/v1/logs').headers['x-api-key'], 'ctxio_test_key_0123456789');
  }));
});

for (const logger of ['pino', 'winston']) {
  test(`ESM app importing ${logger}: lines inside the request carry the span's ids`, async () => {
    const receiver = await startReceiver();
    const app = await startApp('test/fixtures/logs/app.mjs', { env: agentEnv(receiver, { LOGGER: logger }) });
    try {
      await request(`${app.url}/log?marker=esm`);
      const [span] = await receiver.waitForSpans((s) => s.kind === 2 && s.attributes['url.query'] === 'marker=esm');
      const line = jsonLines(app.stdout).find((l) => l.marker === 'esm');
      assert.equal(line.trace_id, span.traceId);
      assert.equal(line.span_id, span.spanId);
    } finally {
      await stopApp(app);
      await receiver.close();
    }
  });
}
