// pino logging throughput inside a span: no agent, the TraceKit agent (trace ids through pino's mixin), and
// OpenTelemetry's instrumentation-pino (zero-code register with only that instrumentation and its SDK), in
// alternating runs. Prints CPU ns per log call (median of the runs) and the ratio to the baseline.
//   node bench/logs-pino.mjs [runs=5]
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const runs = Number(process.argv[2] ?? 5);
const base = { PATH: process.env.PATH, COUNT: '200000' };
const variants = {
  baseline: { args: [], env: {} },
  tracekit: {
    args: ['--import', './register.mjs'],
    env: { TRACEKIT_ENDPOINT: 'http://127.0.0.1:9', TRACEKIT_API_KEY: 'ctxio_bench', TRACEKIT_SERVICE_NAME: 'bench' },
  },
  otel: {
    args: ['--require', '@opentelemetry/auto-instrumentations-node/register'],
    env: { OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'pino', OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none', OTEL_SERVICE_NAME: 'bench' },
  },
};
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
console.table(Object.entries(samples).map(([variant, list]) => ({
  variant,
  'ns/log (median)': +median(list).toFixed(0),
  runs: list.map((x) => x.toFixed(0)).join(' '),
  'slower than baseline': variant === 'baseline' ? '–' : `${((median(list) / baseline - 1) * 100).toFixed(1)} %`,
})));
