// Soak: the agent under steady traffic for a long time while its backend goes up and down. Not part of `npm test`
// (it takes 10 minutes); run it before a release and after changes to the exporter, the lifecycle or code monitoring.
//
//   npm run build && node bench/soak.mjs                       # 10 minutes, the backend flips every 30 s
//   node bench/soak.mjs --duration 90 --flip 15 --rps 200      # a short check of the script itself
//
// The backend cycles through three states, one per flip: up (answers 200), down (its port is closed: connection
// refused) and hanging (accepts, never answers). The app is sampled every --sample seconds: heap after a full GC,
// RSS, process.getActiveResourcesInfo() by type (sockets, timers) and the agent's process listeners. The verdict:
//   - memory plateaus: the median of heap plus buffers (after a full GC) over the last third of the run is within
//     --heap-growth (default 20 %) of the median over the middle third; RSS is printed, not judged (the allocator
//     keeps pages it has freed, so it lags behind and is noisy);
//   - no leaked timers, sockets or listeners: the highest count of each resource type in the last third is no
//     higher than in the first third plus a small slack (a request or two in flight), and listener counts never
//     change;
//   - the app kept answering: every request got a 200.
// Prints a table and writes the samples and verdict to --out (default bench/results/soak-latest.json). Exits 1 when
// a check fails. Timings on a shared 2-core machine are noisy; the checks compare the run with itself.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1];
}

const durationS = Number(option('duration', 600));
const flipS = Number(option('flip', 30));
const sampleS = Number(option('sample', 5));
const rps = Number(option('rps', 200));
const heapGrowth = Number(option('heap-growth', 0.2));
const out = option('out', path.join(ROOT, 'bench/results/soak-latest.json'));
const RESOURCE_SLACK = 4;

/** A backend on a fixed port that can be up, down (port closed) or hanging (accepts, never answers). */
async function startBackend() {
  let port = 0;
  let server;
  let state = 'down';
  const counts = { up: 0, hanging: 0 };
  const open = (hang) => new Promise((resolve) => {
    server = http.createServer((req, res) => {
      req.resume();
      if (hang) {
        counts.hanging++;
        return;
      }
      req.on('end', () => {
        counts.up++;
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    server.listen(port, '127.0.0.1', () => {
      port = server.address().port;
      resolve();
    });
  });
  const close = () => new Promise((resolve) => {
    if (server === undefined) return resolve();
    server.closeAllConnections();
    server.close(() => resolve());
    server = undefined;
  });
  await open(false);
  state = 'up';
  return {
    get port() { return port; },
    get state() { return state; },
    counts,
    async set(next) {
      await close();
      if (next !== 'down') await open(next === 'hanging');
      state = next;
    },
    close,
  };
}

function startApp(backendPort) {
  const env = { ...process.env };
  for (const key of Object.keys(env)) if (/^(TRACEKIT_|OTEL_)/.test(key) || key === 'NODE_OPTIONS') delete env[key];
  Object.assign(env, {
    TRACEKIT_ENDPOINT: `http://127.0.0.1:${backendPort}`,
    TRACEKIT_API_KEY: 'ctxio_soak_key_0123456789',
    TRACEKIT_SERVICE_NAME: 'soak',
    TRACEKIT_METRICS_FLUSH_INTERVAL_MS: '2000',
    OTEL_BSP_SCHEDULE_DELAY: '200',
    OTEL_BSP_EXPORT_TIMEOUT: '3000',
  });
  const child = spawn(process.execPath, ['--expose-gc', '--import', './register.mjs', 'bench/apps/soak-app.mjs'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  return new Promise((resolve, reject) => {
    let stdout = '';
    child.stdout.on('data', (d) => {
      stdout += d;
      const match = /LISTENING (\d+)/.exec(stdout);
      if (match) resolve({ child, port: Number(match[1]), stderr: () => stderr });
    });
    child.on('exit', (code) => reject(new Error(`the soak app exited (${code}): ${stderr}`)));
  });
}

const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 8 });

function get(port, pathname) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: pathname, agent: keepAlive }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('error', (error) => resolve({ status: 0, body: error.message }));
  });
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : sorted[Math.floor(sorted.length / 2)];
};

const backend = await startBackend();
const app = await startApp(backend.port);
const started = Date.now();
const samples = [];
let requests = 0;
let failures = 0;
const states = ['up', 'down', 'hanging'];
let stateIndex = 0;

const load = setInterval(() => {
  const perTick = Math.max(1, Math.round(rps / 20));
  for (let i = 0; i < perTick; i++) {
    requests++;
    void get(app.port, `/work?i=${requests % 50}`).then((r) => { if (r.status !== 200) failures++; });
  }
}, 50);
const flips = setInterval(() => {
  stateIndex = (stateIndex + 1) % states.length;
  void backend.set(states[stateIndex]);
}, flipS * 1000);

console.log(`soak: ${durationS} s, backend flips every ${flipS} s (up → down → hanging), ${rps} req/s, a sample every ${sampleS} s`);
while (Date.now() - started < durationS * 1000) {
  await new Promise((resolve) => setTimeout(resolve, sampleS * 1000));
  const response = await get(app.port, '/stats');
  if (response.status !== 200) {
    failures++;
    continue;
  }
  const stats = JSON.parse(response.body);
  const sample = { t: Math.round((Date.now() - started) / 1000), backend: backend.state, ...stats };
  samples.push(sample);
  const resources = Object.entries(stats.live).filter(([type]) => /TCP|Timeout|PIPE|HTTP/i.test(type)).map(([type, n]) => `${type}=${n}`).join(' ');
  console.log(`${String(sample.t).padStart(4)} s  backend ${sample.backend.padEnd(7)}  heap ${(stats.heapUsed / 1048576).toFixed(1).padStart(6)} MB  buffers ${(stats.arrayBuffers / 1048576).toFixed(1).padStart(5)} MB  rss ${(stats.rss / 1048576).toFixed(0).padStart(4)} MB  ${resources}`);
}
clearInterval(load);
clearInterval(flips);

const third = Math.max(1, Math.floor(samples.length / 3));
const first = samples.slice(0, third);
const middle = samples.slice(third, 2 * third);
const last = samples.slice(-third);
const heapMiddle = median(middle.map((s) => s.heapUsed + s.arrayBuffers));
const heapLast = median(last.map((s) => s.heapUsed + s.arrayBuffers));
const checks = [];
checks.push({
  check: 'heap (JS heap and buffers) plateaus',
  ok: heapLast <= heapMiddle * (1 + heapGrowth),
  detail: `median heap ${(heapMiddle / 1048576).toFixed(1)} MB (middle third) → ${(heapLast / 1048576).toFixed(1)} MB (last third), allowed +${heapGrowth * 100} %`,
});
for (const field of ['resources', 'live']) {
  const types = new Set(samples.flatMap((s) => Object.keys(s[field])));
  for (const type of types) {
    const maxOf = (list) => Math.max(0, ...list.map((s) => s[field][type] ?? 0));
    // A type whose count follows the request rate (HTTP parsers, write requests) is noise, not a leak: allow a
    // quarter more than the first third's highest, plus a few.
    const allowed = Math.ceil(maxOf(first) * 1.25) + RESOURCE_SLACK;
    checks.push({
      check: `no leaked ${type} (${field === 'resources' ? 'getActiveResourcesInfo' : 'async resources, unref\'d included'})`,
      ok: maxOf(last) <= allowed,
      detail: `highest count ${maxOf(first)} in the first third, ${maxOf(last)} in the last (allowed ${allowed})`,
    });
  }
}
const listenerSets = new Set(samples.map((s) => JSON.stringify(s.listeners)));
checks.push({ check: 'process listeners unchanged', ok: listenerSets.size === 1, detail: [...listenerSets].join(' | ') });
checks.push({ check: 'every request answered 200', ok: failures === 0, detail: `${requests} requests, ${failures} failed` });

app.child.kill('SIGTERM');
const exit = await new Promise((resolve) => app.child.on('exit', (code, signal) => resolve({ code, signal })));
await backend.close();
keepAlive.destroy();
checks.push({ check: 'SIGTERM ends the app as without the agent', ok: exit.code === null && exit.signal === 'SIGTERM', detail: JSON.stringify(exit) });

console.log('');
for (const c of checks) console.log(`${c.ok ? 'ok  ' : 'FAIL'}  ${c.check}: ${c.detail}`);
const agentLines = app.stderr().split('\n').filter((l) => l.startsWith('[tracekit]'));
console.log(`\nagent output: ${agentLines.length} lines over ${durationS} s; backend answered ${backend.counts.up} requests, left ${backend.counts.hanging} hanging`);
for (const line of agentLines.slice(0, 12)) console.log(`  ${line}`);
writeFileSync(out, JSON.stringify({ durationS, flipS, rps, samples, checks, agentLines, exit, backend: backend.counts }, null, 2));
console.log(`\nwritten to ${path.relative(ROOT, out)}`);
process.exitCode = checks.every((c) => c.ok) ? 0 : 1;
