#!/usr/bin/env node
// Peak RSS added by an agent under load.
//
//   node bench/rss.mjs [--apps express5,fastify5] [--variants baseline,tracekit,otel,ddtrace] [--duration 10] [--rounds 1]
//                      [--warmup 2] [--connections 50] [--out bench/results/rss.json]
//
// Same set-up as bench/run.mjs (server pinned to CPU 1, autocannon -c 50 pinned to CPU 0, OTLP export to an
// in-process sink). After the load, just before the server is stopped, VmHWM (the peak resident set size of the
// whole process) is read from /proc/<pid>/status. Reported per app: peak RSS per variant in MiB and what each
// agent adds over the baseline (median over rounds). RSS right after "LISTENING" is reported as well.
import { parseArgs } from 'node:util';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { startSink } from './sink.mjs';
import {
  checkVariant, APPS, RESULTS_DIR, REGISTER, hasTaskset, pinSelf, measureOnce, median, environment, writeJson, list, fmt, waitIdle, useNodeOption,
} from './lib/common.mjs';

const { values: opt } = parseArgs({
  options: {
    apps: { type: 'string', default: 'express5,fastify5' },
    variants: { type: 'string', default: 'baseline,tracekit,otel,ddtrace' },
    rounds: { type: 'string', default: '1' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '50' },
    drain: { type: 'string', default: '6000' },
    'idle-wait': { type: 'string', default: '60' },
    node: { type: 'string' },
    out: { type: 'string', default: path.join(RESULTS_DIR, 'rss.json') },
    help: { type: 'boolean', short: 'h' },
  },
});
if (opt.help) {
  console.log('usage: node bench/rss.mjs [--apps express5,fastify5] [--variants baseline,tracekit,otel,ddtrace] [--duration 10] [--rounds 1] [--warmup 2] [--connections 50] [--idle-wait 60] [--node 24] [--out file]');
  process.exit(0);
}
await useNodeOption(opt.node);
const apps = list(opt.apps);
const variants = list(opt.variants);
const rounds = Number(opt.rounds);
const duration = Number(opt.duration);
const warmup = Number(opt.warmup);
const connections = Number(opt.connections);
const drainMs = Number(opt.drain);
const idleWaitMs = Number(opt['idle-wait']) * 1000;
for (const a of apps) if (!APPS[a]) throw new Error(`unknown app ${a}`);
for (const v of variants) checkVariant(v);
if (!hasTaskset()) console.warn('WARNING: taskset is missing (or fewer than 2 CPUs): running UNPINNED.');
else pinSelf();
if (variants.some((v) => v.startsWith('tracekit')) && !existsSync(REGISTER)) console.warn(`WARNING: ${REGISTER} does not exist yet`);

const sink = await startSink();
const env = environment();
console.log(`# bench/rss.mjs  apps=${apps} variants=${variants} rounds=${rounds} duration=${duration}s c=${connections}  node ${env.node}`);
const MiB = (kib) => kib / 1024;
const runs = [];
for (const app of apps) {
  for (let round = 1; round <= rounds; round++) {
    for (const variant of variants) {
      if (idleWaitMs > 0) await waitIdle({ maxMs: idleWaitMs });
      const rec = await measureOnce({ app, variant, sink, duration, warmup, connections, drainMs });
      rec.round = round;
      runs.push(rec);
      if (rec.ok)
        console.log(
          `${app.padEnd(9)} r${round} ${variant.padEnd(17)} peak RSS ${fmt(MiB(rec.peakRssKiB), 1)} MiB  (at start ${fmt(MiB(rec.rssAtStartKiB), 1)} MiB, ` +
            `after load ${fmt(MiB(rec.rssAfterLoadKiB), 1)} MiB)  ${fmt(rec.rps)} req/s, server CPU ${fmt(rec.window.serverCpuPct)} %` +
            (noise(rec) > 5
              ? `  [other processes: ${fmt(rec.window.serverCoreForeignPct)} % of server core, ${fmt(rec.window.loadCoreForeignPct)} % of load core]`
              : ''),
        );
      else console.log(`${app.padEnd(9)} r${round} ${variant.padEnd(17)} FAILED (${rec.phase}): ${rec.error}\n${rec.stderr ?? ''}`);
    }
  }
}
await sink.close();

function noise(r) {
  return Math.max(r.window?.serverCoreForeignPct ?? 0, r.window?.loadCoreForeignPct ?? 0);
}

const summary = [];
for (const app of apps) {
  const ok = (v) => runs.filter((r) => r.app === app && r.variant === v && r.ok);
  const basePeak = median(ok('baseline').map((r) => MiB(r.peakRssKiB)));
  const baseStart = median(ok('baseline').map((r) => MiB(r.rssAtStartKiB)));
  for (const variant of variants) {
    const rs = ok(variant);
    const failed = runs.find((r) => r.app === app && r.variant === variant && !r.ok);
    const peak = median(rs.map((r) => MiB(r.peakRssKiB)));
    const start = median(rs.map((r) => MiB(r.rssAtStartKiB)));
    summary.push({
      app,
      variant,
      status: rs.length ? 'ok' : 'failed',
      peakRssMiB: peak,
      addedPeakMiB: variant === 'baseline' ? 0 : peak - basePeak,
      rssAtStartMiB: start,
      addedAtStartMiB: variant === 'baseline' ? 0 : start - baseStart,
      rps: median(rs.map((r) => r.rps)),
      maxOtherProcessesPct: Math.max(0, ...rs.map(noise)),
      error: failed?.error,
      stderr: failed?.stderr,
    });
  }
}
const lines = [
  '| app | variant | peak RSS under load (MiB) | added peak (MiB) | RSS after start (MiB) | added at start (MiB) | req/s during the load |',
  '|---|---|---:|---:|---:|---:|---:|',
];
for (const r of summary) {
  if (r.status === 'failed') lines.push(`| ${r.app} | ${r.variant} | **failed** | – | – | – | ${String(r.error).split('\n')[0].slice(0, 100)} |`);
  else
    lines.push(
      `| ${r.app} | ${r.variant} | ${fmt(r.peakRssMiB, 1)} | ${r.variant === 'baseline' ? '–' : `${r.addedPeakMiB >= 0 ? '+' : ''}${fmt(r.addedPeakMiB, 1)}`} | ` +
        `${fmt(r.rssAtStartMiB, 1)} | ${r.variant === 'baseline' ? '–' : `${r.addedAtStartMiB >= 0 ? '+' : ''}${fmt(r.addedAtStartMiB, 1)}`} | ${fmt(r.rps)} |`,
    );
}
const table = lines.join('\n');
console.log('\n' + table + '\n');
console.log('peak RSS = VmHWM of the server process read just before it is stopped; added = variant − baseline (medians).');
const noisy = summary.filter((r) => r.maxOtherProcessesPct > 10);
if (noisy.length)
  console.log(
    `NOTE: other processes took up to ${fmt(Math.max(...noisy.map((r) => r.maxOtherProcessesPct)))} % of a benchmark core in some rounds ` +
      `(${noisy.map((r) => `${r.app}/${r.variant}`).join(', ')}); the load (req/s) was lower there, which can lower the peak RSS a little.`,
  );
writeJson(opt.out, {
  benchmark: 'rss',
  options: { apps, variants, rounds, duration, warmup, connections },
  environment: env,
  summary,
  table,
  runs: runs.map(({ export: ex, ...r }) => ({ ...r, export: ex && { requests: ex.requests, bytes: ex.bytes, spans: ex.spans, serverSpans: ex.serverSpans } })),
});
console.log(`wrote ${path.relative(process.cwd(), opt.out)}`);
