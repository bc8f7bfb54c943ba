// Cost per call of the `tracekit` handle: counter.inc() (target ≤ 100 ns, no allocation beyond the data
// point), a startSpan+endSpan pair (≤ 5 µs), withSpan (sync), captureSnapshot() with code monitoring off (≤ 100 ns),
// and, for reference, counter(name, tags).inc() with the instrument looked up on every call.
//
//   npm run build
//   node bench/handle.mjs                        # 5 runs; prints a table
//   node --import ./register.mjs bench/handle.mjs   # the same (the agent in this process stays idle)
//   node bench/handle.mjs --runs 7 --append-doc  # also appends the figures to docs/performance.md
//
// This process starts an OTLP sink in-process (bench/sink.mjs, pinned to CPU 0 when taskset works) and spawns itself
// with `--child` twice, on CPU 1: once under the agent (`node --expose-gc --import ./register.mjs`, endpoint = the sink,
// so metric points and spans are really buffered, encoded and sent) and once without it (the no-op handle).
// The child measures with process.hrtime.bigint() around synchronous chunks of calls, yielding to the event loop
// between chunks so that flushes and span exports happen as in an app:
//   - "ns/op" is the time inside the chunks only (the hot path a caller pays);
//   - "amortised" is the CPU time (user + system, process.cpuUsage) of the whole measurement, chunks plus everything
//     that ran between them (metrics encoding and sends, span export, GC), divided by the number of calls; every 10
//     chunks the loop awaits tracekit.flush(), so the span queue (2048) never overflows and nothing is dropped;
//   - each figure is the median of --runs runs (min–max in brackets); runs alternate the operations.
// Allocation per inc(): heapUsed after a full GC, 5,000 inc() calls with no GC and no flush in between, heapUsed again
// (the buffer takes 10,000 points before it drops), against the same loop pushing a bare `{ series, time, value }`
// object (the data point itself) into an array.
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { median, pinned, pinSelf, cleanEnv, tracekitEnv, waitIdle } from './lib/common.mjs';
import { startSink } from './sink.mjs';

const REPO = fileURLToPath(new URL('../', import.meta.url));
const SELF = fileURLToPath(import.meta.url);
const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : fallback;
};

const CHUNK = 100;
const OPS = {
  'counter.inc()': { iterations: 1_000_000, target: 100 },
  'startSpan+endSpan': { iterations: 200_000, target: 5000 },
  'withSpan (sync)': { iterations: 200_000 },
  'captureSnapshot (off)': { iterations: 10_000_000, target: 100 },
  'counter(name, tags).inc()': { iterations: 200_000 },
};

// ------------------------------------------------------------------------------------------------ child

async function child() {
  const { tracekit } = await import('@tracekit/agent');
  const runs = Number(option('--runs', '5'));
  const yieldNow = () => new Promise((resolve) => setImmediate(resolve));
  // flush() awaits unref'd export sockets: a ref'd timer keeps this process alive meanwhile.
  const alive = setInterval(() => {}, 1000);

  const counter = tracekit.counter('bench.requests', { route: '/users/:id', method: 'GET' });
  const tags = { route: '/users/:id', method: 'GET' };
  const fn = () => 1;
  const vars = { id: 42 };
  /** One synchronous chunk of `n` calls of operation `name`. */
  const chunks = {
    'counter.inc()': (n) => {
      for (let i = 0; i < n; i++) counter.inc();
    },
    'startSpan+endSpan': (n) => {
      for (let i = 0; i < n; i++) tracekit.endSpan(tracekit.startSpan('bench'));
    },
    'withSpan (sync)': (n) => {
      for (let i = 0; i < n; i++) tracekit.withSpan('bench', fn);
    },
    'captureSnapshot (off)': (n) => {
      for (let i = 0; i < n; i++) tracekit.captureSnapshot('bench', vars);
    },
    'counter(name, tags).inc()': (n) => {
      for (let i = 0; i < n; i++) tracekit.counter('bench.requests', tags).inc();
    },
  };

  async function measure(name, iterations) {
    const run = chunks[name];
    const chunk = name === 'captureSnapshot (off)' ? 10_000 : CHUNK;
    let inside = 0n;
    const cpu = process.cpuUsage();
    for (let done = 0, n = 0; done < iterations; done += chunk, n++) {
      const t0 = process.hrtime.bigint();
      run(chunk);
      inside += process.hrtime.bigint() - t0;
      // Every 10 chunks, wait until everything buffered was sent (the span queue holds 2048 spans: a loop that only
      // yields would outrun the exporter and measure dropped spans); otherwise just yield.
      if (n % 10 === 9) await tracekit.flush();
      else await yieldNow();
    }
    await tracekit.flush();
    const used = process.cpuUsage(cpu);
    return { ns: Number(inside) / iterations, amortisedNs: ((used.user + used.system) * 1000) / iterations };
  }

  // Warm-up: every operation, a tenth of its iterations (JIT, the sink's connections).
  for (const [name, { iterations }] of Object.entries(OPS)) await measure(name, Math.ceil(iterations / 10 / CHUNK) * CHUNK);

  const results = Object.fromEntries(Object.keys(OPS).map((name) => [name, []]));
  for (let r = 0; r < runs; r++) {
    for (const [name, { iterations }] of Object.entries(OPS)) results[name].push(await measure(name, iterations));
  }

  // Allocation per inc(), against the data point alone.
  const allocation = { inc: [], point: [] };
  const series = { name: 'bench', kind: 'counter', attributes: [] };
  const N = 5000;
  for (let r = 0; r < runs + 1; r++) {
    await tracekit.flush(); // the buffer is empty: no flush and no drop inside the loop
    globalThis.gc();
    let before = process.memoryUsage().heapUsed;
    for (let i = 0; i < N; i++) counter.inc();
    const inc = (process.memoryUsage().heapUsed - before) / N;
    globalThis.gc();
    const points = [];
    before = process.memoryUsage().heapUsed;
    for (let i = 0; i < N; i++) points.push({ series, time: Date.now(), value: 1 });
    const point = (process.memoryUsage().heapUsed - before) / N;
    if (r > 0) { // the first round warms both loops up
      allocation.inc.push(inc);
      allocation.point.push(point);
    }
    await yieldNow();
  }
  await tracekit.flush();
  clearInterval(alive);
  process.stdout.write(`${JSON.stringify({ enabled: tracekit.enabled, results, allocation })}\n`);
}

// ------------------------------------------------------------------------------------------------ parent

function runChild(withAgent, sinkUrl, runs) {
  const nodeArgs = ['--expose-gc', ...(withAgent ? ['--import', './register.mjs'] : []), SELF, '--child', '--runs', String(runs)];
  const env = cleanEnv(withAgent ? { ...tracekitEnv(sinkUrl), TRACEKIT_METRICS_FLUSH_INTERVAL_MS: '10000' } : {});
  const [command, args] = pinned(1, process.execPath, nodeArgs);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('exit', (code, signal) => {
      const line = stdout.trim().split('\n').pop();
      if (code !== 0) return reject(new Error(`child (${withAgent ? 'agent' : 'no agent'}) exited ${code ?? signal}\n${stdout}\n${stderr}`));
      try {
        resolve({ ...JSON.parse(line), stderr });
      } catch (error) {
        reject(new Error(`child output is not JSON: ${line}\n${stderr}`));
      }
    });
  });
}

const fmt = (ns) => (ns >= 1000 ? `${(ns / 1000).toFixed(2)} µs` : `${ns.toFixed(1)} ns`);

async function parent() {
  const runs = Number(option('--runs', '5'));
  if (!existsSync(`${REPO}dist/agent.cjs`)) throw new Error('dist/ missing: run npm run build');
  pinSelf(0);
  const sink = await startSink({ keepBodies: false });
  const idle = await waitIdle({ maxMs: Number(option('--idle-wait', '60')) * 1000 });
  const agent = await runChild(true, sink.url, runs);
  const noop = await runChild(false, sink.url, runs);
  const received = sink.stats();
  await sink.close();
  if (!agent.enabled) throw new Error(`the agent did not start in the child:\n${agent.stderr}`);

  const rows = Object.entries(OPS).map(([name, { iterations, target }]) => {
    const xs = agent.results[name].map((r) => r.ns);
    const amortised = median(agent.results[name].map((r) => r.amortisedNs));
    const ns = median(xs);
    return {
      name,
      iterations,
      ns,
      min: Math.min(...xs),
      max: Math.max(...xs),
      amortised,
      noop: median(noop.results[name].map((r) => r.ns)),
      target,
      ok: target === undefined ? '' : ns <= target ? 'yes' : 'NO',
    };
  });
  const incBytes = median(agent.allocation.inc);
  const pointBytes = median(agent.allocation.point);
  const noopIncBytes = median(noop.allocation.inc);

  const node = process.versions.node;
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const lines = [
    `Node.js ${node}, ${cpu} (${os.cpus().length} CPUs), child pinned to CPU 1: ${pinned(1, 'x', [])[0] === 'taskset' ? 'yes' : 'no'}; ` +
      `${runs} runs, median [min–max]; idle wait ${idle.waitedMs} ms (busiest CPU ${idle.busyPct.toFixed(0)} % before start)`,
    '',
    '| operation | calls/run | ns/op (hot path) | amortised CPU incl. flush/export | no-op handle | target | met |',
    '|---|---:|---:|---:|---:|---:|:---:|',
    ...rows.map((r) => `| \`${r.name}\` | ${r.iterations.toLocaleString('en')} | ${fmt(r.ns)} [${fmt(r.min)}–${fmt(r.max)}] | ${fmt(r.amortised)} | ${fmt(r.noop)} | ${r.target === undefined ? '–' : `≤ ${fmt(r.target)}`} | ${r.ok || '–'} |`),
    '',
    `Allocation per \`counter.inc()\`: ${incBytes.toFixed(1)} bytes/op (heapUsed delta over 5,000 calls, median of ${runs}); ` +
      `the data point alone (\`points.push({ series, time: Date.now(), value })\`): ${pointBytes.toFixed(1)} bytes/op; ` +
      `beyond the data point: ${(incBytes - pointBytes).toFixed(1)} bytes/op; no-op handle: ${noopIncBytes.toFixed(1)} bytes/op.`,
    `Sink received ${received.requests.toLocaleString('en')} requests (${Object.entries(received.byPath).map(([p, s]) => `${p}: ${s.requests.toLocaleString('en')}`).join(', ')}).`,
  ];
  console.log(lines.join('\n'));

  if (argv.includes('--append-doc')) {
    const doc = `${REPO}docs/performance.md`;
    const before = existsSync(doc) ? readFileSync(doc, 'utf8') : '';
    const section = [
      ...(before === '' ? [] : ['']),
      '## tracekit handle',
      '',
      'Cost per call of the global `tracekit` handle, measured by `bench/handle.mjs`:',
      '',
      '```sh',
      'npm run build',
      `node bench/handle.mjs --runs ${runs}`,
      '```',
      '',
      'The script starts an OTLP sink in-process and spawns itself under the agent (`node --expose-gc --import ./register.mjs`,',
      'endpoint = the sink, so points and spans are really buffered, encoded and sent) and once without it (the no-op',
      'handle). Calls run in synchronous chunks (100 calls; 10,000 for captureSnapshot) with a `setImmediate` yield between',
      'chunks and an `await tracekit.flush()` every 10 chunks, so the 100-point metric flushes and the span exports happen',
      'in between as in an app and no span is dropped. **ns/op** is the time inside the chunks (what the caller pays);',
      '**amortised CPU** is the process\'s CPU time over the whole measurement (encoding, sends, GC included) per call.',
      'Allocation: `heapUsed` delta after a full GC over 5,000 `inc()` calls with no flush in between.',
      '',
      ...lines,
      '',
    ].join('\n');
    appendFileSync(doc, `${before === '' || before.endsWith('\n') ? '' : '\n'}${section}`);
    console.log(`\nappended to ${doc}`);
  }
}

if (argv.includes('--child')) await child();
else await parent();
