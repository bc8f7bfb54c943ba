// pino logging inside a span: no agent, the TraceKit agent (the trace fields spliced into the line pino has
// serialized), and OpenTelemetry's instrumentation-pino (zero-code register with only that instrumentation and its
// SDK), in alternating runs of bench/logs-pino-loop.cjs.
//
//   node bench/logs-pino.mjs [runs=5]          CPU ns per log call (median of the runs) and the ratio
//   node bench/logs-pino.mjs --instructions    instructions per log call under callgrind: the loop run with 20,000
//                                              and 200,000 calls, per call = the difference / 180,000, so start-up,
//                                              warm-up and exit cancel out. Use it when the machine's timings move
//                                              from run to run; it does not count the kernel's part of each write.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { instructionsOf, requireValgrind } from './lib/callgrind.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const instructions = process.argv.includes('--instructions');
const runs = instructions ? 1 : Number(process.argv[2] ?? 5);
const base = { PATH: process.env.PATH, COUNT: '200000' };
const variants = {
  baseline: { args: [], env: {} },
  'same line, no agent': { args: [], env: { LINE_WITH_FIELDS: '1' } },
  tracekit: {
    args: ['--import', './register.mjs'],
    env: { TRACEKIT_ENDPOINT: 'http://127.0.0.1:9', TRACEKIT_API_KEY: 'ctxio_bench', TRACEKIT_SERVICE_NAME: 'bench' },
  },
  otel: {
    args: ['--require', '@opentelemetry/auto-instrumentations-node/register'],
    env: { OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'pino', OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none', OTEL_SERVICE_NAME: 'bench' },
  },
};

if (instructions) {
  requireValgrind('bench/logs-pino.mjs --instructions');
  const [small, large] = [20_000, 200_000];
  const rows = [];
  for (const [name, v] of Object.entries(variants)) {
    const count = async (n) => (await instructionsOf(process.execPath, [...v.args, 'bench/logs-pino-loop.cjs'],
      { cwd: root, env: { ...base, ...v.env, COUNT: String(n) } })).instructions;
    const [a, b] = await Promise.all([count(small), count(large)]);
    rows.push({ variant: name, perCall: (b - a) / (large - small) });
  }
  const baseline = rows[0].perCall;
  console.table(rows.map(({ variant, perCall }) => ({
    variant,
    'instructions/log': Math.round(perCall),
    'more than baseline': variant === 'baseline' ? '–' : `${((perCall / baseline - 1) * 100).toFixed(1)} %`,
  })));
  process.exit(0);
}

const samples = Object.fromEntries(Object.keys(variants).map((v) => [v, []]));
for (let i = 0; i < runs; i++) {
  for (const [name, v] of Object.entries(variants)) {
    const result = spawnSync(process.execPath, [...v.args, 'bench/logs-pino-loop.cjs'], { cwd: root, env: { ...base, ...v.env }, encoding: 'utf8' });
    const ns = Number(/NS_PER_LOG ([\d.]+)/.exec(result.stdout)?.[1]);
    if (!Number.isFinite(ns)) throw new Error(`${name} failed: ${result.stderr}`);
    samples[name].push(ns);
  }
}
const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
const baseline = median(samples.baseline);
console.table(Object.entries(samples).map(([variant, list], index) => ({
  variant,
  'ns/log (median)': +median(list).toFixed(0),
  runs: list.map((x) => x.toFixed(0)).join(' '),
  'slower than baseline': variant === 'baseline' ? '–' : `${((median(list) / baseline - 1) * 100).toFixed(1)} %`,
  // Each round ran the variants back to back: the median of the per-round ratios pairs runs that shared the
  // machine's conditions.
  'paired': index === 0 ? '–' : `${((median(list.map((x, i) => x / samples.baseline[i])) - 1) * 100).toFixed(1)} %`,
})));
