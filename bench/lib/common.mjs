// Shared pieces of the benchmark scripts: variants, CPU pinning, server start/stop, load generation, /proc reads.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import { countSpans } from '../sink.mjs';

export const BENCH_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const REPO = path.resolve(BENCH_DIR, '..');
export const REGISTER = path.join(REPO, 'register.mjs');
export const RESULTS_DIR = path.join(BENCH_DIR, 'results');
export const APPS = {
  express5: path.join(BENCH_DIR, 'apps', 'express5.cjs'),
  fastify5: path.join(BENCH_DIR, 'apps', 'fastify5.cjs'),
  koa3: path.join(BENCH_DIR, 'apps', 'koa3.cjs'),
  'nest11-express': path.join(BENCH_DIR, 'apps', 'nest11-express.cjs'),
  // A handler that awaits a 1 ms timer and makes one fetch to a local upstream (not under the agent).
  'express5-realistic': path.join(BENCH_DIR, 'apps', 'express5-realistic.cjs'),
};

/** Environment every app server gets (the runner sets UPSTREAM_URL when it starts the upstream). */
export const appEnv = {};

/**
 * The Node binary the app servers run on: the machine's by default, or one of the test suite's extra majors
 * (`--node 24`, from scripts/install-node-versions.mjs). The load generator always runs on the machine's Node, so
 * that only the server changes between Node lines.
 */
let serverNode = process.execPath;
export function setServerNode(binary) {
  serverNode = binary;
}
/** The Node binary the app servers run on (the machine's own unless `--node` chose another). */
export function getServerNode() {
  return serverNode;
}
/** Applies a `--node` option: a major (from the test suite's cache) or a path to a node binary; undefined = keep. */
export async function useNodeOption(value) {
  if (value === undefined) return;
  const { nodeBinary } = await import('../../scripts/install-node-versions.mjs');
  // The machine's own major needs no download: it is the Node running this script.
  const major = Number(process.versions.node.split('.')[0]);
  const binary = !/^\d+$/.test(value) ? value : Number(value) === major ? process.execPath : nodeBinary(Number(value));
  if (!existsSync(binary)) throw new Error(`no Node binary at ${binary} (run node scripts/install-node-versions.mjs)`);
  setServerNode(binary);
}
export const ALL_VARIANTS = ['baseline', 'tracekit', 'otel', 'ddtrace', 'tracekit-snapshot', 'als-floor'];

/**
 * Throws, before any server starts, for a name that is neither a known variant nor `tracekit@DIR` with a built agent
 * in DIR (variantSpec says which), so that a typo fails the run once instead of every round.
 */
export function checkVariant(name) {
  if (ALL_VARIANTS.includes(name)) return;
  if (!/^tracekit@./.test(name)) throw new Error(`unknown variant ${name} (known: ${ALL_VARIANTS.join(', ')}, tracekit@DIR)`);
  variantSpec(name, '');
}
export const SERVER_CORE = 1;
export const LOAD_CORE = 0;
export const REQUEST_PATH = '/users/42';

const require = createRequire(import.meta.url);

// ---------------------------------------------------------------- pinning

let tasksetChecked;
/** True when `taskset` runs and the machine has at least 2 CPUs. */
export function hasTaskset() {
  if (tasksetChecked === undefined) {
    const r = spawnSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' });
    tasksetChecked = r.status === 0 && os.cpus().length >= 2;
  }
  return tasksetChecked;
}

/** Pin the current process (which hosts the sink) to the load generator's core, so it never takes the server's. */
export function pinSelf(core = LOAD_CORE) {
  if (!hasTaskset()) return false;
  return spawnSync('taskset', ['-cp', String(core), String(process.pid)], { stdio: 'ignore' }).status === 0;
}

/** [command, args] for running `args` pinned to `core` (or unpinned if taskset is unusable). */
export function pinned(core, file, args) {
  return hasTaskset() ? ['taskset', ['-c', String(core), file, ...args]] : [file, args];
}

// ---------------------------------------------------------------- variants

/** Environment for a child: the parent's, minus anything that would configure an agent behind our back. */
export function cleanEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('OTEL_') || k.startsWith('TRACEKIT_') || k.startsWith('DD_') || k === 'NODE_OPTIONS' || k === 'BENCH_SNAPSHOT') continue;
    env[k] = v;
  }
  return Object.assign(env, extra);
}

export function tracekitEnv(sinkUrl) {
  return {
    TRACEKIT_ENDPOINT: sinkUrl,
    TRACEKIT_API_KEY: 'ctxio_bench',
    TRACEKIT_SERVICE_NAME: 'bench',
    TRACEKIT_SAMPLE_RATE: '1',
  };
}

export function otelEnv(sinkUrl) {
  return {
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl,
    OTEL_METRICS_EXPORTER: 'none',
    OTEL_LOGS_EXPORTER: 'none',
    OTEL_SERVICE_NAME: 'bench',
  };
}

/**
 * dd-trace sends to a Datadog agent; the sink stands in for it. Everything that would poll or report to that agent
 * besides traces (remote configuration, telemetry, start-up logs) is off, so only tracing is measured, as for
 * the other variants.
 */
export function ddtraceEnv(sinkUrl) {
  return {
    DD_TRACE_AGENT_URL: sinkUrl,
    DD_SERVICE: 'bench',
    DD_TRACE_SAMPLE_RATE: '1',
    DD_TRACE_STARTUP_LOGS: 'false',
    DD_REMOTE_CONFIGURATION_ENABLED: 'false',
    DD_INSTRUMENTATION_TELEMETRY_ENABLED: 'false',
    DD_RUNTIME_METRICS_ENABLED: 'false',
  };
}

/**
 * Node flags and extra environment of a variant.
 * @returns {{ nodeArgs: string[], env: Record<string,string>, exports: boolean }}
 */
export function variantSpec(name, sinkUrl) {
  // `tracekit@DIR`: the agent of another checkout (say a git worktree of an older commit, built there), so that two
  // builds alternate in one run on the same machine state; timings of separate runs here drift by more than a
  // regression of a few µs.
  if (name.startsWith('tracekit@')) {
    const dir = path.resolve(name.slice('tracekit@'.length));
    const register = path.join(dir, 'register.mjs');
    if (!existsSync(register) || !existsSync(path.join(dir, 'dist', 'agent.cjs'))) {
      throw new Error(`${name}: ${dir} holds no built agent (register.mjs and dist/agent.cjs); run npm run build there first`);
    }
    return { nodeArgs: ['--import', pathToFileURL(register).href], env: tracekitEnv(sinkUrl), exports: true };
  }
  switch (name) {
    case 'baseline':
      return { nodeArgs: [], env: {}, exports: false };
    case 'tracekit':
      return { nodeArgs: ['--import', pathToFileURL(REGISTER).href], env: tracekitEnv(sinkUrl), exports: true };
    case 'tracekit-snapshot':
      return {
        nodeArgs: ['--import', pathToFileURL(REGISTER).href],
        // Code monitoring on (the sink answers the breakpoint poll with no breakpoints): the case of one
        // captureSnapshot per request with no active breakpoint.
        env: { ...tracekitEnv(sinkUrl), BENCH_SNAPSHOT: '1', TRACEKIT_CODE_MONITORING: 'true' },
        exports: true,
      };
    case 'als-floor':
      // Context propagation alone (see the file): the floor under every agent's cost.
      return { nodeArgs: ['--require', fileURLToPath(new URL('./als-floor.cjs', import.meta.url))], env: {}, exports: false };
    case 'otel':
      return { nodeArgs: ['--require', '@opentelemetry/auto-instrumentations-node/register'], env: otelEnv(sinkUrl), exports: true };
    case 'ddtrace':
      return { nodeArgs: ['--require', 'dd-trace/init'], env: ddtraceEnv(sinkUrl), exports: true };
    default:
      throw new Error(`unknown variant ${name} (known: ${ALL_VARIANTS.join(', ')})`);
  }
}

// ---------------------------------------------------------------- server process

/**
 * Start an app under a variant, pinned to SERVER_CORE. Resolves once it prints "LISTENING <port>".
 * Rejects with an Error carrying `.stderr` if it exits or does not listen within `timeoutMs`.
 */
export function startServer(app, variant, sinkUrl, { timeoutMs = 20_000 } = {}) {
  const spec = variantSpec(variant, sinkUrl);
  const [cmd, args] = pinned(SERVER_CORE, serverNode, [...spec.nodeArgs, APPS[app]]);
  const child = spawn(cmd, args, {
    cwd: REPO,
    env: cleanEnv({ ...appEnv, ...spec.env, PORT: '0' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const server = { child, pid: child.pid, port: 0, stderr: '', stdout: '', exited: false, exitCode: null, signal: null, spec };
  const lineWaiters = [];
  let buf = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d) => {
    server.stdout += d;
    if (server.stdout.length > 65536) server.stdout = server.stdout.slice(-32768);
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i).trim();
      buf = buf.slice(i + 1);
      for (const w of [...lineWaiters]) if (w.test(line)) w.resolve(line);
    }
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => {
    server.stderr += d;
    if (server.stderr.length > 65536) server.stderr = server.stderr.slice(0, 16384) + '\n…\n' + server.stderr.slice(-16384);
  });
  server.exit = new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      server.exited = true;
      server.exitCode = code;
      server.signal = signal;
      for (const w of [...lineWaiters]) w.reject(new Error(`server exited (code ${code}, signal ${signal})`));
      resolve({ code, signal });
    }),
  );
  /** Wait for a stdout line matching `re`. */
  server.waitLine = (re, ms) =>
    new Promise((resolve, reject) => {
      if (server.exited) return reject(new Error(`server exited (code ${server.exitCode}, signal ${server.signal})`));
      const w = {
        test: (l) => re.test(l),
        resolve: (l) => (done(), resolve(l)),
        reject: (e) => (done(), reject(e)),
      };
      const t = setTimeout(() => w.reject(new Error(`timed out after ${ms} ms waiting for ${re}`)), ms);
      const done = () => {
        clearTimeout(t);
        const i = lineWaiters.indexOf(w);
        if (i >= 0) lineWaiters.splice(i, 1);
      };
      lineWaiters.push(w);
    });

  return server.waitLine(/^LISTENING \d+$/, timeoutMs).then(
    (line) => {
      server.port = Number(line.split(' ')[1]);
      return server;
    },
    async (err) => {
      if (!server.exited) {
        child.kill('SIGKILL');
        await server.exit;
      }
      const e = new Error(`${app}/${variant} failed to start: ${err.message}`);
      e.stderr = server.stderr.trim();
      e.stdout = server.stdout.trim();
      throw e;
    },
  );
}

/** Requests the app has answered so far (it prints "SERVED <n>" on SIGUSR2). */
export async function servedCount(server) {
  const p = server.waitLine(/^SERVED \d+$/, 5000);
  process.kill(server.pid, 'SIGUSR2');
  return Number((await p).split(' ')[1]);
}

/** Fields of /proc/<pid>/status in KiB: VmHWM (peak RSS), VmRSS. */
export function procStatus(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const get = (k) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
    return { VmHWM: get('VmHWM'), VmRSS: get('VmRSS') };
  } catch {
    return { VmHWM: NaN, VmRSS: NaN };
  }
}

/** utime+stime of a process (all threads) in ms. */
export function procCpuMs(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK;
  } catch {
    return NaN;
  }
}
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;

/** Per-CPU jiffies from /proc/stat: { cpu0: { busy, idle, steal, total }, … }. */
export function cpuTimes() {
  const out = {};
  try {
    for (const line of readFileSync('/proc/stat', 'utf8').split('\n')) {
      const m = /^(cpu\d+)\s+(.*)$/.exec(line);
      if (!m) continue;
      const [user, nice, system, idle, iowait, irq, softirq, steal = 0] = m[2].split(/\s+/).map(Number);
      const total = user + nice + system + idle + iowait + irq + softirq + steal;
      out[m[1]] = { busy: user + nice + system + irq + softirq, idle: idle + iowait, steal, total };
    }
  } catch {}
  return out;
}

/** Summary of a measurement window from two snapshots taken with `snapshot(pid)`. */
export function snapshot(pid, { withLoadSide = false } = {}) {
  const snap = { t: performance.now(), cpu: cpuTimes(), proc: procCpuMs(pid) };
  if (withLoadSide) {
    // The load generator itself and its parent (the runner, which hosts the sink): both on the load core.
    const u = process.cpuUsage();
    snap.loadSide = (u.user + u.system) / 1000 + procCpuMs(process.ppid);
  }
  return snap;
}
export function windowStats(a, b, requests) {
  const wallMs = b.t - a.t;
  const serverCpuMs = b.proc - a.proc;
  const core = (name) => {
    const x = a.cpu[name], y = b.cpu[name];
    if (!x || !y) return undefined;
    const total = y.total - x.total || 1;
    return { busyPct: ((y.busy - x.busy) / total) * 100, stealPct: ((y.steal - x.steal) / total) * 100 };
  };
  const sc = core(`cpu${SERVER_CORE}`);
  const lc = core(`cpu${LOAD_CORE}`);
  const serverCpuPct = (serverCpuMs / wallMs) * 100;
  return {
    requests,
    wallMs: Math.round(wallMs),
    serverCpuMs: Math.round(serverCpuMs),
    serverCpuPct,
    // CPU time the server process itself used per request (user+system, all its threads) — less sensitive
    // to other load on the machine than req/s.
    cpuMicrosPerReq: requests ? (serverCpuMs * 1000) / requests : NaN,
    serverCoreBusyPct: sc?.busyPct,
    // Busy time on the server's core that was not the server (other processes, interrupts), and hypervisor steal.
    serverCoreForeignPct: hasTaskset() && sc ? Math.max(0, sc.busyPct - serverCpuPct) : undefined,
    // Under 90 % the server was not saturated: the load generator (or other processes on its core) was the limit.
    serverCoreStealPct: sc?.stealPct,
    loadCoreBusyPct: lc?.busyPct,
    // Same for the load generator's core: busy time that was neither autocannon nor the runner/sink.
    loadCoreForeignPct:
      hasTaskset() && lc && a.loadSide !== undefined ? Math.max(0, lc.busyPct - ((b.loadSide - a.loadSide) / wallMs) * 100) : undefined,
  };
}

/**
 * Wait (up to maxMs) until the machine looks idle: over a 1 s sample, the busiest CPU is below `busyPct`.
 * Other jobs on a shared machine otherwise land on the server's or the load generator's core.
 * Resolves with { waitedMs, busyPct } (busyPct of the last sample).
 */
export async function waitIdle({ maxMs = 60_000, busyPct = 15, sampleMs = 1000 } = {}) {
  const t0 = performance.now();
  let last = NaN;
  for (;;) {
    const a = cpuTimes();
    await sleep(sampleMs);
    const b = cpuTimes();
    last = Math.max(
      ...Object.keys(b).map((k) => (a[k] ? ((b[k].busy - a[k].busy + b[k].steal - a[k].steal) / (b[k].total - a[k].total || 1)) * 100 : 0)),
    );
    if (!(last >= busyPct) || performance.now() - t0 >= maxMs) return { waitedMs: Math.round(performance.now() - t0 - sampleMs), busyPct: last };
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Stop a server: SIGTERM, wait for it to exit (an agent may flush on SIGTERM); if it is still alive
 * (a SIGTERM listener, e.g. OTel's register, suppresses the default exit) wait until the sink has been quiet
 * for `quietMs`, then SIGKILL.
 */
export async function stopServer(server, sink, { exitWaitMs = 3000, quietMs = 500, maxMs = 10_000 } = {}) {
  if (server.exited) return { how: 'already-exited', code: server.exitCode, signal: server.signal };
  const t0 = performance.now();
  process.kill(server.pid, 'SIGTERM');
  const exited = await Promise.race([server.exit.then(() => true), sleep(exitWaitMs).then(() => false)]);
  if (exited) return { how: 'SIGTERM', code: server.exitCode, signal: server.signal };
  while (performance.now() - t0 < maxMs) {
    const last = sink?.stats().lastRequestAt ?? 0;
    if (performance.now() - Math.max(last, t0) >= quietMs) break;
    await sleep(100);
  }
  if (!server.exited) {
    server.child.kill('SIGKILL');
    await server.exit;
    return { how: 'SIGKILL after SIGTERM', code: server.exitCode, signal: server.signal };
  }
  return { how: 'SIGTERM (late)', code: server.exitCode, signal: server.signal };
}

// ---------------------------------------------------------------- load

/** Run autocannon in a child pinned to LOAD_CORE; resolves with loadgen.mjs's JSON summary. */
export function runLoad(port, { duration, connections = 50, pid }) {
  const opts = { url: `http://127.0.0.1:${port}${REQUEST_PATH}`, connections, duration, pid };
  const [cmd, args] = pinned(LOAD_CORE, process.execPath, [path.join(BENCH_DIR, 'lib', 'loadgen.mjs'), JSON.stringify(opts)]);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: REPO, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => {
      const line = out.trim().split('\n').pop();
      try {
        if (code !== 0) throw new Error(`exit code ${code}`);
        resolve(JSON.parse(line));
      } catch (e) {
        reject(new Error(`load generator failed: ${e.message}\n${err.trim()}`));
      }
    });
  });
}

// ---------------------------------------------------------------- one measured server run

function addCounts(acc, c) {
  acc.requests += c.requests;
  acc.bytes += c.bytes;
  acc.spans += c.spans;
  acc.serverSpans += c.serverSpans;
  acc.decodeErrors += c.decodeErrors;
  acc.firstDecodeError ??= c.firstDecodeError;
  for (const k of ['contentTypes', 'paths', 'scopes', 'spanNames'])
    for (const [n, v] of Object.entries(c[k])) acc[k][n] = (acc[k][n] ?? 0) + v;
  return acc;
}

export function emptyCounts() {
  return {
    requests: 0, bytes: 0, spans: 0, serverSpans: 0, decodeErrors: 0, firstDecodeError: undefined,
    contentTypes: {}, paths: {}, scopes: {}, spanNames: {},
  };
}

/**
 * Start `app` under `variant`, warm up, measure `duration` s of load, then let the exporter drain and stop it.
 * Never throws: a failure is returned as `{ ok: false, error, stderr }`.
 *
 * Drain: after the load, spans are decoded as they arrive until the SERVER spans reach the number of requests
 * the app served, or nothing has arrived for `drainMs` (OTel's BatchSpanProcessor flushes every 5 s).
 * Spans delivered on SIGTERM are counted too (`spansAtShutdown`).
 */
export async function measureOnce({ app, variant, sink, duration, warmup, connections, drainMs = 6000, log = () => {} }) {
  sink.reset();
  let server;
  const rec = { app, variant, ok: false };
  try {
    server = await startServer(app, variant, sink.url);
  } catch (err) {
    return { ...rec, phase: 'start', error: err.message, stderr: err.stderr, stdout: err.stdout };
  }
  try {
    rec.rssAtStartKiB = procStatus(server.pid).VmRSS;
    if (warmup > 0) rec.warmup = await runLoad(server.port, { duration: warmup, connections });
    const statusBeforeLoad = procStatus(server.pid);
    const servedBefore = await servedCount(server);
    rec.load = await runLoad(server.port, { duration, connections, pid: server.pid });
    const [s0, s1] = rec.load.snapshots;
    delete rec.load.snapshots;
    if (server.exited) throw new Error(`server exited during the load (code ${server.exitCode}, signal ${server.signal})`);
    const st = procStatus(server.pid);
    rec.peakRssKiB = st.VmHWM;
    rec.rssAfterLoadKiB = st.VmRSS;
    rec.peakRssBeforeLoadKiB = statusBeforeLoad.VmHWM;
    rec.served = await servedCount(server);
    // Requests in the window: counted by the app; the window itself starts when autocannon does.
    rec.window = windowStats(s0, s1, rec.served - servedBefore);
    rec.rps = rec.load.rps;

    const spans = emptyCounts();
    if (server.spec.exports) {
      const t0 = performance.now();
      for (;;) {
        addCounts(spans, countSpans(sink.take()));
        const target = spans.serverSpans || spans.spans;
        if (target >= rec.served) break;
        const last = Math.max(sink.stats().lastRequestAt, t0);
        if (performance.now() - last >= drainMs) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      rec.drainMs = Math.round(performance.now() - t0);
    }
    const before = { spans: spans.spans, serverSpans: spans.serverSpans };
    rec.stop = await stopServer(server, sink);
    addCounts(spans, countSpans(sink.take()));
    rec.spansAtShutdown = spans.spans - before.spans;
    rec.export = spans;
    rec.sinkStats = sink.stats();
    rec.stderrTail = server.stderr.trim().slice(-2000) || undefined;
    rec.ok = true;
    return rec;
  } catch (err) {
    rec.phase = rec.load ? 'after-load' : 'load';
    rec.error = err.message;
    rec.stderr = server.stderr.trim().slice(-8000);
    if (!server.exited) {
      server.child.kill('SIGKILL');
      await server.exit;
    }
    return rec;
  }
}

// ---------------------------------------------------------------- misc

export function median(xs) {
  const a = xs.filter((x) => Number.isFinite(x)).sort((x, y) => x - y);
  if (a.length === 0) return NaN;
  const m = a.length >> 1;
  return a.length % 2 ? a[m] : (a[m - 1] + a[m]) / 2;
}

function pkgVersion(name, from = REPO) {
  try {
    const p = require.resolve(`${name}/package.json`, { paths: [from] });
    return JSON.parse(readFileSync(p, 'utf8')).version;
  } catch {
    // Packages whose "exports" hide package.json: read it from the node_modules folder.
    for (let dir = from; ; dir = path.dirname(dir)) {
      const p = path.join(dir, 'node_modules', name, 'package.json');
      if (existsSync(p)) return JSON.parse(readFileSync(p, 'utf8')).version;
      if (path.dirname(dir) === dir) return undefined;
    }
  }
}

export function environment() {
  const git = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO, encoding: 'utf8' });
  const dirty = spawnSync('git', ['status', '--porcelain'], { cwd: REPO, encoding: 'utf8' });
  return {
    date: new Date().toISOString(),
    node: serverNode === process.execPath ? process.version : serverNodeVersion(),
    cpu: os.cpus()[0]?.model,
    cpus: os.cpus().length,
    loadAverage: os.loadavg().map((x) => Number(x.toFixed(2))),
    pinned: hasTaskset() ? `server on CPU ${SERVER_CORE}, load generator and sink on CPU ${LOAD_CORE}` : 'no (taskset missing)',
    git: git.status === 0 ? git.stdout.trim() + (dirty.stdout.trim() ? ' (dirty)' : '') : undefined,
    registerMjs: existsSync(REGISTER),
    versions: {
      express: pkgVersion('express', path.join(REPO, 'test/apps/express5')),
      fastify: pkgVersion('fastify', path.join(REPO, 'test/apps/fastify5')),
      autocannon: pkgVersion('autocannon'),
      '@opentelemetry/auto-instrumentations-node': pkgVersion('@opentelemetry/auto-instrumentations-node'),
      '@opentelemetry/sdk-node': pkgVersion('@opentelemetry/sdk-node'),
    },
  };
}

export function writeJson(file, data) {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(data, null, 2) + '\n');
}

export function list(s) {
  return String(s).split(',').map((x) => x.trim()).filter(Boolean);
}

export function fmt(n, digits = 0) {
  return Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '–';
}

function serverNodeVersion() {
  return spawnSync(serverNode, ['--version'], { encoding: 'utf8' }).stdout.trim();
}
