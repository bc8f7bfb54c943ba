// Cost of tracekit.captureSnapshot() with code monitoring ON, measured in a process run under the agent against a
// fake TraceKit backend started here:
//   - no breakpoint names the label (the common case in production): target ≤ 100 ns per call;
//   - an active capture of 20 typical variables (call site, match, scrub, serialize, queue): target ≤ 200 µs.
// Usage: npm run build && node bench/snapshot-calls.mjs
import { spawn } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CAPTURE_LABELS = 300;

if (process.argv[2] === '--child') {
  await child();
} else {
  await parent();
}

async function parent() {
  const breakpoints = Array.from({ length: CAPTURE_LABELS }, (_, i) => ({
    id: `bp-${i}`, function_name: 'captureOne', label: `cap-${i}`, enabled: true, max_captures: 1000, capture_count: 0,
  }));
  let captures = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url.startsWith('/sdk/snapshots/active/')) res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ breakpoints }));
      else if (req.url === '/sdk/snapshots/capture') {
        captures++;
        res.writeHead(201).end('{}');
      } else res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const env = {
    ...process.env,
    TRACEKIT_ENDPOINT: `http://127.0.0.1:${server.address().port}`,
    TRACEKIT_API_KEY: 'ctxio_bench_key_0123456789',
    TRACEKIT_SERVICE_NAME: 'bench',
    TRACEKIT_CODE_MONITORING: 'true',
    TRACEKIT_CODE_MONITORING_POLL_INTERVAL_MS: '100',
  };
  const child = spawn(process.execPath, ['--import', './register.mjs', fileURLToPath(import.meta.url), '--child'], { cwd: ROOT, env, stdio: ['ignore', 'inherit', 'inherit'] });
  await new Promise((resolve) => child.on('exit', resolve));
  console.log(`backend received ${captures} captures`);
  server.close();
}

function typicalVariables(i) {
  return {
    user: { id: i, name: 'Ada Lovelace', email: 'ada@example.com', address: { street: '1 Main St', city: 'London', zip: 'N1' } },
    order: { id: `o-${i}`, items: Array.from({ length: 10 }, (_, n) => ({ sku: `sku-${n}`, qty: n + 1, price: 9.99 })) },
    total: 123.45, currency: 'EUR', paid: false, createdAt: new Date(0), tags: new Map([['a', 1], ['b', 2]]),
    ids: Array.from({ length: 20 }, (_, n) => n), note: 'leave at the door', attempt: 2, retry: true,
    headers: { 'content-type': 'application/json', authorization: 'Bearer abcdefghijklmnopqrstuvwxyz012345' },
    error: new Error('card declined'), region: 'eu-west-1', flags: new Set(['x']), count: 7, ratio: 0.5, empty: null,
  };
}

function captureOne(label, vars) {
  tracekit.captureSnapshot(label, vars);
}

async function child() {
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const vars = { id: 1 };
  // Discover the label once (registers it), then let a poll deliver the breakpoint set.
  tracekit.captureSnapshot('not-watched', vars);
  for (let i = 0; i < CAPTURE_LABELS; i++) captureOne(`cap-${i}`, typicalVariables(i));
  await sleep(1500);

  const results = [];
  for (let run = 0; run < 5; run++) {
    const n = 2_000_000;
    const t = process.hrtime.bigint();
    for (let i = 0; i < n; i++) tracekit.captureSnapshot('not-watched', vars);
    results.push(Number(process.hrtime.bigint() - t) / n);
  }
  results.sort((a, b) => a - b);
  console.log(`captureSnapshot, monitoring on, no breakpoint for the label: ${results[2].toFixed(1)} ns/call (median of 5 × 2e6; target ≤ 100 ns)`);

  // Each label is captured at most once a second: wait out the rate limit, then time one capture per label.
  await sleep(1100);
  const prepared = Array.from({ length: CAPTURE_LABELS }, (_, i) => typicalVariables(i));
  const times = [];
  for (let i = 0; i < CAPTURE_LABELS; i++) {
    const t = process.hrtime.bigint();
    captureOne(`cap-${i}`, prepared[i]);
    times.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  times.sort((a, b) => a - b);
  console.log(`active capture of 20 typical variables: median ${times[Math.floor(times.length / 2)].toFixed(1)} µs, p90 ${times[Math.floor(times.length * 0.9)].toFixed(1)} µs (${CAPTURE_LABELS} captures; target ≤ 200 µs)`);
  await tracekit.flush();
}
