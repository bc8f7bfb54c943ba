// End to end with the agent as it is today: two apps preloaded with `--import ./register.mjs` in development,
// no API key, pointed at a real tracekit-local. A checkout app calls a payment app with fetch; the trace arrives
// as one trace over both services, the service map shows the call, and the page-facing API serves it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanEnv, request, startApp, stopApp } from '../helpers/app.mjs';
import { getJson, startLocalUi, until } from './helpers.mjs';

const PLAIN_SERVER = 'test/fixtures/plain-server.mjs';

describe('the agent sending to tracekit-local', { timeout: 60_000 }, () => {
  let ui;
  const apps = [];
  before(async () => {
    ui = await startLocalUi();
  });
  after(async () => {
    for (const app of apps) await stopApp(app, 'SIGKILL');
    await ui.stop();
  });

  const env = (service, extra = {}) => cleanEnv({ NODE_ENV: 'development', TRACEKIT_SERVICE_NAME: service, TRACEKIT_LOCAL_UI_URL: ui.url, TRACEKIT_LOCAL_UI_PROBE_INTERVAL_MS: '300', OTEL_BSP_SCHEDULE_DELAY: '50', ...extra });

  test('a two-service trace, its SERVER and CLIENT spans and the service-map edge', async () => {
    const payment = await startApp(PLAIN_SERVER, { env: env('payment') });
    apps.push(payment);
    const paymentHost = new URL(payment.url).host;
    const checkout = await startApp(PLAIN_SERVER, { env: env('checkout', { TRACEKIT_SERVICE_NAME_MAPPINGS: `${paymentHost}=payment` }) });
    apps.push(checkout);
    const target = encodeURIComponent(`${payment.url}/charge`);
    // The agents find the UI with their first probe; requests made before that are not sent, so keep calling.
    const trace = await until(async () => {
      await request(`${checkout.url}/call?via=fetch&target=${target}`);
      const { json } = await getJson(`${ui.url}/api/traces?service=payment`);
      return json.traces.find((t) => t.services.length === 2 && t.spanCount >= 3);
    }, 'a trace over checkout and payment', 20_000);
    assert.deepEqual(trace.services, ['checkout', 'payment']);
    assert.equal(trace.service, 'checkout');
    const { json: detail } = await getJson(`${ui.url}/api/traces/${trace.traceId}`);
    const server = detail.spans.find((s) => s.service === 'payment' && s.kind === 2);
    const client = detail.spans.find((s) => s.service === 'checkout' && s.kind === 3);
    assert.ok(server, 'payment SERVER span');
    assert.ok(client, 'checkout CLIENT span');
    assert.equal(server.parentSpanId, client.spanId, 'the payment span is a child of the checkout call');
    assert.equal(client.attributes['peer.service'], 'payment');
    const { json: map } = await getJson(`${ui.url}/api/service-map`);
    const edge = map.edges.find((e) => e.source === 'checkout' && e.target === 'payment');
    assert.ok(edge && edge.calls >= 1, `edge checkout → payment in ${JSON.stringify(map.edges)}`);
  });
});
