#!/usr/bin/env node
// Throughput benchmark: what tracing costs per request.
//
//   node bench/run.mjs [--apps express5,fastify5] [--variants baseline,tracekit,otel,ddtrace] [--rounds 3] [--duration 10]
//                      [--warmup 2] [--connections 50] [--drain 6000] [--out bench/results/throughput.json]
//
// For each app, rounds alternate the variants (baseline, tracekit, otel, baseline, …). Every round starts a fresh
// server pinned to CPU 1, warms it up, then runs autocannon (-c 50, pinned to CPU 0) for --duration seconds.
// Agents export to an in-process OTLP sink (this process is pinned to CPU 0 too). Reported per app and variant:
// median req/s over the rounds, "lost" = 1 − variant/baseline, "+µs" = (1/rps − 1/rps_base)·1e6, and spans
// exported vs requests served. See bench/README.md.
import { parseArgs } from 'node:util';
import path from 'node:path';
import { startSink } from './sink.mjs';
import {
  ALL_VARIANTS, checkVariant, APPS, RESULTS_DIR, REGISTER, appEnv, hasTaskset, pinSelf, measureOnce, median, environment, writeJson, list, fmt, waitIdle,
  useNodeOption,
} from './lib/common.mjs';
import { startUpstream } from './upstream.mjs';
import { existsSync } from 'node:fs';

const { values: opt } = parseArgs({
  options: {
    apps: { type: 'string', default: 'express5,fastify5' },
    variants: { type: 'string', default: 'baseline,tracekit,otel,ddtrace' },
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '50' },
    drain: { type: 'string', default: '6000' },
    'idle-wait': { type: 'string', default: '60' },
    'noisy-pct': { type: 'string', default: '10' },
    retries: { type: 'string', default: '2' },
    out: { type: 'string', default: path.join(RESULTS_DIR, 'throughput.json') },
    node: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});

if (opt.help) {
  console.log(`usage: node bench/run.mjs [--apps ${Object.keys(APPS).join(',')}] [--variants ${ALL_VARIANTS.join(',')},tracekit@DIR]
       [--rounds 3] [--duration 10 (s)] [--warmup 2 (s)] [--connections 50] [--drain 6000 (ms)] [--out file.json]
       [--idle-wait 60 (s, wait for an idle machine before each server start; 0 = don't)]
       [--noisy-pct 10 (% of the server's or the load generator's core used by other processes that makes a round "noisy")]
       [--retries 2 (re-runs of a noisy round; the least noisy attempt is kept)]
       [--node 24 (run the app servers on that Node major from the test suite's cache, or a path to a node binary)]`);
  process.exit(0);
}

const apps = list(opt.apps);
const variants = list(opt.variants);
const rounds = Number(opt.rounds);
const duration = Number(opt.duration);
const warmup = Number(opt.warmup);
const connections = Number(opt.connections);
const drainMs = Number(opt.drain);
const idleWaitMs = Number(opt['idle-wait']) * 1000;
const noisyPct = Number(opt['noisy-pct']);
const retries = Number(opt.retries);
for (const a of apps) if (!APPS[a]) throw new Error(`unknown app ${a} (known: ${Object.keys(APPS).join(', ')})`);
for (const v of variants) checkVariant(v);

if (!hasTaskset()) console.warn('WARNING: taskset is missing (or fewer than 2 CPUs): running UNPINNED; figures are not comparable with pinned runs.');
else pinSelf();
if (variants.some((v) => v.startsWith('tracekit')) && !existsSync(REGISTER))
  console.warn(`WARNING: ${REGISTER} does not exist yet; the tracekit variants will be reported as failed.`);

await useNodeOption(opt.node);
if (apps.some((a) => a.endsWith('-realistic'))) {
  const upstream = await startUpstream();
  appEnv.UPSTREAM_URL = upstream.url;
}
const sink = await startSink();
const env = environment();
console.log(
  `# bench/run.mjs  apps=${apps} variants=${variants} rounds=${rounds} duration=${duration}s warmup=${warmup}s c=${connections}` +
    `\n# node ${env.node}, ${env.cpu} ×${env.cpus}, pinned: ${env.pinned}, sink ${sink.url}`,
);

const runs = [];
for (const app of apps) {
  for (let round = 1; round <= rounds; round++) {
    for (const variant of variants) {
      let rec;
      const discarded = [];
      for (let attempt = 0; attempt <= retries; attempt++) {
        if (idleWaitMs > 0) {
          const w = await waitIdle({ maxMs: idleWaitMs });
          if (w.waitedMs > 500) console.log(`  (waited ${fmt(w.waitedMs / 1000, 1)} s for other processes; busiest CPU now ${fmt(w.busyPct)} %)`);
        }
        const r = await measureOnce({ app, variant, sink, duration, warmup, connections, drainMs });
        const foreign = r.ok ? noise(r) : 0;
        if (!rec || (r.ok && foreign < (rec.ok ? noise(rec) : Infinity))) {
          if (rec) discarded.push(summaryOfAttempt(rec));
          rec = r;
        } else discarded.push(summaryOfAttempt(r));
        if (!r.ok || foreign <= noisyPct || attempt === retries) break;
        console.log(
          `  ${app} r${round} ${variant}: other processes used ${fmt(r.window.serverCoreForeignPct)} % of the server's core ` +
            `and ${fmt(r.window.loadCoreForeignPct)} % of the load generator's ` +
            `(${fmt(r.rps)} req/s); retrying (${attempt + 1}/${retries})`,
        );
      }
      rec.round = round;
      if (discarded.length) rec.discardedAttempts = discarded;
      runs.push(rec);
      if (rec.ok) {
        const ex = rec.export;
        console.log(
          `${app.padEnd(9)} r${round} ${variant.padEnd(17)} ${fmt(rec.rps).padStart(7)} req/s  p99 ${rec.load.latencyMs.p99} ms` +
            `  server CPU ${fmt(rec.window.serverCpuPct)} % (${fmt(rec.window.cpuMicrosPerReq, 1)} µs/req)` +
            (noise(rec) > 5
              ? `  [other processes: ${fmt(rec.window.serverCoreForeignPct)} % of server core, ${fmt(rec.window.loadCoreForeignPct)} % of load core]`
              : '') +
            (rec.window.serverCpuPct < 90 ? '  [server not saturated]' : '') +
            (rec.load.errors || rec.load.non2xx ? `  errors ${rec.load.errors} non2xx ${rec.load.non2xx}` : '') +
            (variantExports(variant)
              ? `  served ${rec.served}, spans ${ex.spans} (SERVER ${ex.serverSpans}) in ${ex.requests} POSTs, ${fmt(ex.bytes / 1024)} KiB` +
                (rec.spansAtShutdown ? `, ${rec.spansAtShutdown} on shutdown` : '') +
                (ex.decodeErrors ? `, ${ex.decodeErrors} undecodable` : '')
              : `  served ${rec.served}`),
        );
      } else {
        console.log(`${app.padEnd(9)} r${round} ${variant.padEnd(17)} FAILED (${rec.phase}): ${rec.error}`);
        if (rec.stderr) console.log(indent(rec.stderr.slice(-1500)));
      }
    }
  }
}
await sink.close();

/** How much of the two benchmark cores other processes took during a round (the larger of the two, in %). */
function noise(r) {
  return Math.max(r.window?.serverCoreForeignPct ?? 0, r.window?.loadCoreForeignPct ?? 0);
}
function summaryOfAttempt(r) {
  return {
    ok: r.ok, rps: r.rps, serverCoreForeignPct: r.window?.serverCoreForeignPct, loadCoreForeignPct: r.window?.loadCoreForeignPct,
    serverCpuPct: r.window?.serverCpuPct, error: r.error,
  };
}
function variantExports(v) {
  return v !== 'baseline';
}
function indent(s) {
  return s.split('\n').map((l) => '    | ' + l).join('\n');
}

// ---------------------------------------------------------------- summary
const summary = [];
for (const app of apps) {
  const base = median(runs.filter((r) => r.app === app && r.variant === 'baseline' && r.ok).map((r) => r.rps));
  for (const variant of variants) {
    const all = runs.filter((r) => r.app === app && r.variant === variant);
    const ok = all.filter((r) => r.ok);
    const failed = all.filter((r) => !r.ok);
    const rps = median(ok.map((r) => r.rps));
    const sum = (f) => ok.reduce((s, r) => s + f(r), 0);
    const served = sum((r) => r.served);
    const row = {
      app,
      variant,
      status: ok.length === 0 ? 'failed' : failed.length ? 'partial' : 'ok',
      rounds: all.length,
      okRounds: ok.length,
      rpsRounds: ok.map((r) => Math.round(r.rps)),
      rps: Math.round(rps),
      lostPct: variant === 'baseline' ? 0 : (1 - rps / base) * 100,
      addedMicros: variant === 'baseline' ? 0 : (1 / rps - 1 / base) * 1e6,
      wallMicrosPerReq: 1e6 / rps,
      serverCpuMicrosPerReq: median(ok.map((r) => r.window.cpuMicrosPerReq)),
      serverCpuPct: median(ok.map((r) => r.window.serverCpuPct)),
      maxForeignPctOnServerCore: Math.max(...ok.map((r) => r.window.serverCoreForeignPct ?? 0)),
      maxForeignPctOnLoadCore: Math.max(...ok.map((r) => r.window.loadCoreForeignPct ?? 0)),
      unsaturatedRounds: ok.filter((r) => r.window.serverCpuPct < 90).length,
      p99Ms: median(ok.map((r) => r.load.latencyMs.p99)),
      p50Ms: median(ok.map((r) => r.load.latencyMs.p50)),
      loadErrors: sum((r) => r.load.errors + r.load.timeouts + r.load.non2xx),
      served,
    };
    if (variant !== 'baseline') {
      // Paired estimate: each round's variant against the same round's baseline, median over rounds. Robust to the
      // machine drifting between rounds (seen on shared hosts: both variants slow down together).
      const pairs = ok
        .map((r) => [r, runs.find((b) => b.app === app && b.variant === 'baseline' && b.round === r.round && b.ok)])
        .filter(([, b]) => b);
      row.lostPctPaired = median(pairs.map(([r, b]) => (1 - r.rps / b.rps) * 100));
      row.addedServerCpuMicrosPaired = median(pairs.map(([r, b]) => r.window.cpuMicrosPerReq - b.window.cpuMicrosPerReq));
      const baseCpu = median(runs.filter((r) => r.app === app && r.variant === 'baseline' && r.ok).map((r) => r.window.cpuMicrosPerReq));
      row.addedServerCpuMicros = row.serverCpuMicrosPerReq - baseCpu;
    }
    if (variantExports(variant) && ok.length) {
      const spans = sum((r) => r.export.spans);
      const serverSpans = sum((r) => r.export.serverSpans);
      Object.assign(row, {
        spans,
        serverSpans,
        serverSpansPerRequest: served ? serverSpans / served : NaN,
        spansPerRequest: served ? spans / served : NaN,
        exportRequests: sum((r) => r.export.requests),
        exportBytes: sum((r) => r.export.bytes),
        bytesPerSpan: spans ? sum((r) => r.export.bytes) / spans : NaN,
        spansAtShutdown: sum((r) => r.spansAtShutdown),
        decodeErrors: sum((r) => r.export.decodeErrors),
        contentTypes: Object.keys(Object.assign({}, ...ok.map((r) => r.export.contentTypes))),
        paths: Object.keys(Object.assign({}, ...ok.map((r) => r.export.paths))),
        scopes: ok[ok.length - 1].export.scopes,
        spanNames: ok[ok.length - 1].export.spanNames,
      });
    }
    if (failed.length) {
      row.error = failed[0].error;
      row.stderr = failed[0].stderr;
    }
    summary.push(row);
  }
}

const pct = (x) => (Number.isFinite(x) ? `${x.toFixed(1)} %` : '–');
const lines = [
  `| app | variant | req/s (median) | rounds | lost (paired) | +µs/req | server CPU µs/req (+, paired) | p99 ms | requests served | spans exported (SERVER) | spans/req | export POSTs | bytes/span |`,
  `|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|`,
];
for (const r of summary) {
  if (r.status === 'failed') {
    lines.push(`| ${r.app} | ${r.variant} | **failed** | – | – | – | – | – | – | – | – | – | ${String(r.error).replace(/\|/g, '\\|').split('\n')[0].slice(0, 120)} |`);
    continue;
  }
  const isBase = r.variant === 'baseline';
  lines.push(
    `| ${r.app} | ${r.variant}${r.status === 'partial' ? ` (${r.okRounds}/${r.rounds} ok)` : ''} | ${fmt(r.rps)} | ${r.rpsRounds.map((x) => fmt(x)).join(' / ')} | ` +
      `${isBase ? '–' : `${pct(r.lostPct)} (${pct(r.lostPctPaired)})`} | ${isBase ? `(${fmt(r.wallMicrosPerReq, 1)} µs/req)` : fmt(r.addedMicros, 1)} | ` +
      `${fmt(r.serverCpuMicrosPerReq, 1)}${isBase ? '' : ` (+${fmt(r.addedServerCpuMicros, 1)}, +${fmt(r.addedServerCpuMicrosPaired, 1)})`} | ${fmt(r.p99Ms)} | ${fmt(r.served)} | ` +
      (r.spans === undefined
        ? `– | – | – | – |`
        : `${fmt(r.spans)} (${fmt(r.serverSpans)}) | ${fmt(r.spansPerRequest, 2)} (${fmt(r.serverSpansPerRequest, 3)}) | ${fmt(r.exportRequests)} | ${fmt(r.bytesPerSpan)} |`),
  );
}
const table = lines.join('\n');
console.log('\n' + table + '\n');
console.log(
  'lost = 1 − rps/rps_baseline (medians); paired = median over rounds of the same figure against that round\'s baseline; ' +
    '+µs = (1/rps − 1/rps_baseline)·1e6; server CPU µs/req = user+system CPU of the server ' +
    'process during the measured window / requests in that window (+ = minus baseline); spans/req = all spans / requests ' +
    'served (SERVER-kind spans / requests served in parentheses); requests served include the warm-up.',
);
const noisy = summary.filter((r) => Math.max(r.maxForeignPctOnServerCore, r.maxForeignPctOnLoadCore) > 5);
if (noisy.length)
  console.log(
    `\nNOTE: other processes used the benchmark's cores during some rounds (${noisy
      .map((r) => `${r.app}/${r.variant}: up to ${fmt(r.maxForeignPctOnServerCore)} % of the server core, ${fmt(r.maxForeignPctOnLoadCore)} % of the load core`)
      .join('; ')}); req/s figures of those rounds are less reliable. The server-CPU-µs/req column is less sensitive to this.`,
  );
const unsat = summary.filter((r) => r.unsaturatedRounds > 0);
if (unsat.length)
  console.log(
    `\nNOTE: the server used < 90 % of its core in some rounds (${unsat.map((r) => `${r.app}/${r.variant} ×${r.unsaturatedRounds}`).join(', ')}): ` +
      'the load generator was the limit there, so "lost" understates the cost; compare server CPU µs/req instead.',
  );
for (const r of summary.filter((x) => x.status !== 'ok')) {
  console.log(`\n${r.app}/${r.variant} ${r.status}: ${r.error}`);
  if (r.stderr) console.log(indent(r.stderr.slice(-3000)));
}

writeJson(opt.out, {
  benchmark: 'throughput',
  options: { apps, variants, rounds, duration, warmup, connections, drainMs, idleWaitMs, noisyPct, retries },
  environment: env,
  summary,
  table,
  runs,
});
console.log(`\nwrote ${path.relative(process.cwd(), opt.out)}`);
