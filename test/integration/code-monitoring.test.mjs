// Code monitoring end to end: fixtures call tracekit.captureSnapshot under the agent, against a fake TraceKit
// backend (poll, auto-register, capture, SSE) in this process.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
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
      assert.doesNotMatch(capture.stack_trace, /dist[\\/]agent\.cjs/);
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
