// The code-monitoring backend of tracekit-local, called the way agents call TraceKit's cloud: poll,
// auto-register, capture and the SSE stream, plus the page's breakpoint and kill-switch routes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { getJson, post, startLocalUi, until } from './helpers.mjs';

/** Reads an SSE stream into a list of { event, data } (data parsed as JSON). */
async function openSse(url) {
  const controller = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream' }, signal: controller.signal });
  const events = [];
  const decoder = new TextDecoder();
  let buffer = '';
  (async () => {
    try {
      for await (const chunk of res.body) {
        buffer += decoder.decode(chunk, { stream: true });
        let end;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
          events.push({ event, data: JSON.parse(data) });
        }
      }
    } catch {
      // aborted at the end of the test
    }
  })();
  return { res, events, close: () => controller.abort() };
}

const patch = (url, json) => fetch(url, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify(json) });
const put = (url, json) => fetch(url, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(json) });

describe('tracekit-local code-monitoring backend', { timeout: 60_000 }, () => {
  let ui;
  before(async () => {
    ui = await startLocalUi();
  });
  after(() => ui.stop());

  const site = { service_name: 'orders', file_path: '/app/orders.js', line_number: 12, function_name: 'placeOrder', label: 'order-placed' };

  test('poll, register, SSE push, capture, limits and kill switch, end to end', async (t) => {
    const first = await getJson(`${ui.url}/sdk/snapshots/active/orders`);
    assert.equal(first.status, 200);
    assert.deepEqual(first.json.breakpoints, []);
    assert.equal(first.json.kill_switch, false);
    assert.equal(first.json.sse_endpoint, '/sdk/snapshots/stream/orders');

    const sse = await openSse(`${ui.url}${first.json.sse_endpoint}`);
    t.after(() => sse.close());
    assert.match(sse.res.headers.get('content-type'), /text\/event-stream/);
    await until(() => sse.events.some((e) => e.event === 'init'), 'init event');
    assert.deepEqual(sse.events[0], { event: 'init', data: { breakpoints: [], kill_switch: false } });

    const registered = await post(`${ui.url}/sdk/snapshots/auto-register`, site);
    assert.equal(registered.status, 201);
    assert.match(registered.json.id, /^bp_/);
    const again = await post(`${ui.url}/sdk/snapshots/auto-register`, site);
    assert.equal(again.status, 200);
    assert.equal(again.json.id, registered.json.id, 'the same call site is the same breakpoint');
    const created = await until(() => sse.events.find((e) => e.event === 'breakpoint_created'), 'breakpoint_created');
    assert.equal(created.data.enabled, false, 'new breakpoints wait for a developer to switch them on');
    for (const field of ['id', 'service_name', 'file_path', 'function_name', 'label', 'line_number', 'condition', 'max_captures', 'capture_count', 'expire_at', 'enabled']) {
      assert.ok(field in created.data, `breakpoint has ${field}`);
    }

    const id = registered.json.id;
    const snapshot = { breakpoint_id: id, ...site, variables: { total: 0, paid: false }, security_flags: [], stack_trace: 'at placeOrder (/app/orders.js:12:3)', captured_at: new Date().toISOString() };
    const refused = await post(`${ui.url}/sdk/snapshots/capture`, snapshot);
    assert.equal(refused.status, 409);
    assert.match(refused.json.error, /disabled/);

    const withCondition = await (await patch(`${ui.url}/api/breakpoints/${id}`, { condition: 'total > 10' })).json();
    assert.equal(withCondition.condition_eval, 'sdk-evaluable', 'the agent evaluates conditions; this server cannot');
    assert.equal((await (await patch(`${ui.url}/api/breakpoints/${id}`, { condition: '' })).json()).condition_eval, null);
    assert.equal((await patch(`${ui.url}/api/breakpoints/${id}`, { enabled: true, max_captures: 2 })).status, 200);
    const enabled = await until(() => sse.events.find((e) => e.event === 'breakpoint_updated' && e.data.enabled), 'breakpoint_updated');
    assert.equal(enabled.data.max_captures, 2);
    assert.equal((await getJson(`${ui.url}/sdk/snapshots/active/orders`)).json.breakpoints[0].enabled, true);

    assert.equal((await post(`${ui.url}/sdk/snapshots/capture`, snapshot)).status, 201);
    assert.equal((await post(`${ui.url}/sdk/snapshots/capture`, snapshot)).status, 201);
    const over = await post(`${ui.url}/sdk/snapshots/capture`, snapshot);
    assert.equal(over.status, 409);
    assert.match(over.json.error, /max_captures/);
    const { json: list } = await getJson(`${ui.url}/api/snapshots?service=orders`);
    assert.equal(list.snapshots.length, 2);
    assert.deepEqual(list.snapshots[0].variables, { total: 0, paid: false });
    await until(() => sse.events.some((e) => e.event === 'breakpoint_updated' && e.data.capture_count === 2), 'capture count pushed');

    assert.equal((await put(`${ui.url}/api/kill-switch/orders`, { enabled: true })).status, 200);
    await until(() => sse.events.find((e) => e.event === 'kill_switch' && e.data.enabled === true), 'kill_switch event');
    assert.equal((await getJson(`${ui.url}/sdk/snapshots/active/orders`)).json.kill_switch, true);
    await patch(`${ui.url}/api/breakpoints/${id}`, { reset_count: true });
    const killed = await post(`${ui.url}/sdk/snapshots/capture`, snapshot);
    assert.equal(killed.status, 409);
    assert.match(killed.json.error, /kill switch/);
    await put(`${ui.url}/api/kill-switch/orders`, { enabled: false });

    assert.equal((await fetch(`${ui.url}/api/breakpoints/${id}`, { method: 'DELETE' })).status, 200);
    await until(() => sse.events.find((e) => e.event === 'breakpoint_deleted' && e.data.id === id), 'breakpoint_deleted');
    assert.equal((await post(`${ui.url}/sdk/snapshots/capture`, snapshot)).status, 404);
  });

  test('an expired breakpoint refuses captures', async () => {
    const bp = await post(`${ui.url}/api/breakpoints`, { ...site, label: 'expired', expire_at: new Date(Date.now() - 1000).toISOString() });
    assert.equal(bp.status, 201);
    assert.equal(bp.json.enabled, true, 'breakpoints made on the page start enabled');
    const res = await post(`${ui.url}/sdk/snapshots/capture`, { breakpoint_id: bp.json.id, variables: {} });
    assert.equal(res.status, 409);
    assert.match(res.json.error, /expired/);
  });

  test('the poll with telemetry events records them and answers like the GET', async () => {
    const event = { type: 'circuit_breaker_tripped', service_name: 'orders', failure_count: 3, window_seconds: 60, cooldown_seconds: 300, timestamp: new Date().toISOString() };
    const res = await post(`${ui.url}/sdk/snapshots/active/orders`, { events: [event] });
    assert.equal(res.status, 200);
    assert.ok(Array.isArray(res.json.breakpoints));
    assert.equal((await post(`${ui.url}/sdk/snapshots/active/orders`, { events: 'nope' })).status, 400);
  });

  test('bad SDK and page requests get 4xx with reasons', async () => {
    const cases = [
      [await post(`${ui.url}/sdk/snapshots/auto-register`, { file_path: '/a.js' }), 400, /service_name required/],
      [await post(`${ui.url}/sdk/snapshots/auto-register`, { service_name: 'x' }), 400, /label or file_path/],
      [await post(`${ui.url}/sdk/snapshots/auto-register`, '[1]'), 400, /JSON object/],
      [await post(`${ui.url}/sdk/snapshots/capture`, '{"variables":{}}'), 400, /breakpoint_id required/],
      [await post(`${ui.url}/sdk/snapshots/capture`, '{"breakpoint_id":"bp_x","variables":3}'), 400, /variables must be an object/],
      [await post(`${ui.url}/sdk/snapshots/capture`, '{"breakpoint_id":"bp_missing"}'), 404, /unknown breakpoint/],
      [await post(`${ui.url}/sdk/snapshots/capture`, 'not json'), 400, /not valid JSON/],
      [await post(`${ui.url}/api/breakpoints`, '{}', { contentType: 'text/plain' }), 415, /application\/json/],
    ];
    for (const [res, status, reason] of cases) {
      assert.equal(res.status, status, res.text);
      assert.match(res.json.error, reason);
    }
    const badToggle = await patch(`${ui.url}/api/breakpoints/bp_missing`, { enabled: true });
    assert.equal(badToggle.status, 404);
    const registered = await post(`${ui.url}/sdk/snapshots/auto-register`, { ...site, label: 'typed' });
    const notBool = await patch(`${ui.url}/api/breakpoints/${registered.json.id}`, { enabled: 'yes' });
    assert.equal(notBool.status, 400);
    assert.equal((await put(`${ui.url}/api/kill-switch/orders`, { enabled: 1 })).status, 400);
  });

  test('GET /api/breakpoints lists services with their kill switch and breakpoints', async () => {
    const { json } = await getJson(`${ui.url}/api/breakpoints`);
    const orders = json.services.find((s) => s.service === 'orders');
    assert.equal(orders.kill_switch, false);
    assert.ok(orders.breakpoints.length >= 1);
  });
});
