// The agent and the Local UI together, offline, as a developer uses them: `npx tracekit-local`, then the app with
// NODE_ENV=development and no API key. Spans, the app's metrics and runtime metrics, log lines and a snapshot all
// arrive and are served by the Local UI's API, and the API key (when one is set) never reaches it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startLocalUi } from '../local-ui/helpers.mjs';
import { cleanEnv, request, startApp, stopApp } from '../helpers/app.mjs';

let ui;
before(async () => { ui = await startLocalUi(); });
after(async () => { await ui?.stop(); });

const api = async (path, init) => (await fetch(`${ui.url}${path}`, init)).json();

async function waitFor(what, predicate, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await predicate();
    if (value) return value;
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function devEnv(extra = {}) {
  return cleanEnv({
    NODE_ENV: 'development',
    TRACEKIT_LOCAL_UI_URL: ui.url,
    TRACEKIT_LOCAL_UI_PROBE_INTERVAL_MS: '200',
    TRACEKIT_SERVICE_NAME: 'offline-shop',
    TRACEKIT_CODE_MONITORING: 'true',
    TRACEKIT_CODE_MONITORING_POLL_INTERVAL_MS: '200',
    TRACEKIT_METRICS_FLUSH_INTERVAL_MS: '200',
    TRACEKIT_RUNTIME_METRICS_INTERVAL_MS: '200',
    OTEL_BSP_SCHEDULE_DELAY: '50',
    ...extra,
  });
}

test('no API key: spans, metrics, logs and a snapshot reach the Local UI', async () => {
  const app = await startApp('test/fixtures/local-ui-e2e/app.cjs', { env: devEnv() });
  try {
    await waitFor('the agent to find the Local UI', () => /Local UI found/.test(app.stderr));
    await request(`${app.url}/checkout`);
    // The first call registered the snapshot's call site with the Local UI's backend: switch it on.
    const registered = await waitFor('the registered breakpoint', async () =>
      (await api('/api/breakpoints')).services?.find((s) => s.service === 'offline-shop')?.breakpoints.find((b) => b.label === 'e2e-checkout'));
    await fetch(`${ui.url}/api/breakpoints/${registered.id}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ enabled: true }) });
    const snapshot = await waitFor('a snapshot', async () => {
      await request(`${app.url}/checkout`);
      return (await api('/api/snapshots?service=offline-shop')).snapshots?.[0];
    });
    assert.equal(snapshot.variables.total, 10);
    assert.equal(snapshot.variables.cart.owner, '[REDACTED:email]');

    const traces = await waitFor('a trace', async () => (await api('/api/traces?service=offline-shop')).traces?.length > 0 && (await api('/api/traces?service=offline-shop')).traces);
    const trace = await api(`/api/traces/${traces[0].trace_id ?? traces[0].traceId ?? traces[0].id}`);
    const server = (trace.spans ?? []).find((s) => s.kind === 2 || s.kind === 'SERVER');
    assert.ok(server, JSON.stringify(trace).slice(0, 500));

    const logs = await waitFor('log lines', async () => {
      const list = (await api('/api/logs?service=offline-shop')).logs ?? [];
      return list.length > 0 && list;
    });
    assert.ok(logs.some((l) => (l.body ?? l.message) === 'checkout started' && /^[0-9a-f]{32}$/.test(l.trace_id ?? l.traceId)), JSON.stringify(logs[0]));

    const metrics = await waitFor('metrics', async () => {
      const list = (await api('/api/metrics?service=offline-shop')).series ?? [];
      const names = new Set(list.map((m) => m.name));
      return names.has('e2e.orders') && names.has('nodejs.eventloop.delay.p99') && list;
    });
    assert.ok(metrics.length >= 2);
  } finally {
    await stopApp(app);
  }
});

test('no Local UI running: one line says how to start it', async () => {
  const app = await startApp('test/fixtures/local-ui-e2e/app.cjs', { env: devEnv({ TRACEKIT_LOCAL_UI_URL: 'http://127.0.0.1:9' }) });
  try {
    await waitFor('the hint', () => /npx tracekit-local/.test(app.stderr));
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(app.stderr.split('\n').filter((l) => /npx tracekit-local/.test(l)).length, 1, app.stderr);
  } finally {
    await stopApp(app);
  }
});
