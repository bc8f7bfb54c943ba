// The agent's added CPU time per LLM call, with the real openai SDK: no agent, the TraceKit agent, and
// OpenTelemetry's instrumentation-openai (zero-code register with only the openai, undici and http
// instrumentations), in alternating runs. Both agents export their spans to an in-process OTLP sink.
//   - in-process: the SDK's `fetch` option answers with canned bytes, so the figure is the LLM span's own cost;
//   - http: against the fake API over loopback (in this process, so its CPU is not counted), the SDK's fetch
//     span included: what an app sees, blurred by the HTTP stack's own variance.
// Plain calls give the cost per call; streams of 10 and 210 chunks give the cost per chunk (the difference
// between the two, over 200 chunks, so the per-call part cancels out).
//   node bench/llm-calls.mjs [runs=5] [--node 24] [--transports in-process,http]
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { getServerNode, useNodeOption } from './lib/common.mjs';
import { startFakeLlm } from '../test/helpers/fake-llm.mjs';
import { startSink } from './sink.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values: opts, positionals } = parseArgs({ allowPositionals: true, options: {
  node: { type: 'string' },
  transports: { type: 'string', default: 'in-process,http' },
} });
const runs = Number(positionals[0] ?? 5);
await useNodeOption(opts.node);
const transports = opts.transports.split(',');
const fake = await startFakeLlm();
const sink = await startSink();
const base = { PATH: process.env.PATH, FAKE_LLM_URL: fake.url };
const variants = {
  baseline: { args: [], env: {} },
  tracekit: {
    args: ['--import', './register.mjs'],
    env: { TRACEKIT_ENDPOINT: sink.url, TRACEKIT_API_KEY: 'ctxio_bench', TRACEKIT_SERVICE_NAME: 'bench', TRACEKIT_ALLOW_INSECURE_HTTP: 'true', TRACEKIT_RUNTIME_METRICS: 'false' },
  },
  // The agent with the openai row off: what is left is the agent's async-context tracking every app pays for.
  'tracekit, openai off': {
    args: ['--import', './register.mjs'],
    env: { TRACEKIT_ENDPOINT: sink.url, TRACEKIT_API_KEY: 'ctxio_bench', TRACEKIT_SERVICE_NAME: 'bench', TRACEKIT_ALLOW_INSECURE_HTTP: 'true', TRACEKIT_RUNTIME_METRICS: 'false', TRACEKIT_DISABLED_INSTRUMENTATIONS: 'openai' },
  },
  otel: {
    args: ['--require', '@opentelemetry/auto-instrumentations-node/register'],
    env: { OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'openai,undici,http', OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none', OTEL_SERVICE_NAME: 'bench' },
  },
};
// Each shape is measured after as many unmeasured calls as it measures: a server calls its LLM for hours, and
// V8 keeps optimizing the SDK's and the agents' code for thousands of calls (on Node 20, 300 warm-up calls left
// the baseline at 133 µs per call; 6,000 took it to 66 µs, and the agent's part from +59 to +35 µs).
const shapes = {
  'in-process call': { TRANSPORT: 'inproc', CHUNKS: '0', COUNT: '6000', WARMUP: '6000' },
  'in-process stream10': { TRANSPORT: 'inproc', CHUNKS: '10', COUNT: '2000', WARMUP: '2000' },
  'in-process stream210': { TRANSPORT: 'inproc', CHUNKS: '210', COUNT: '400', WARMUP: '400' },
  'http call': { TRANSPORT: 'http', CHUNKS: '0', COUNT: '1500', WARMUP: '1500' },
  'http stream10': { TRANSPORT: 'http', CHUNKS: '10', COUNT: '600', WARMUP: '600' },
  'http stream210': { TRANSPORT: 'http', CHUNKS: '210', COUNT: '150', WARMUP: '150' },
};

function measure(variant, shape) {
  return new Promise((resolve, reject) => {
    const child = spawn(getServerNode(), [...variant.args, 'bench/llm-calls-loop.cjs'], { cwd: root, env: { ...base, ...variant.env, ...shape } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    child.on('exit', () => {
      const us = Number(/CPU_US_PER_CALL ([\d.]+)/.exec(out)?.[1]);
      if (Number.isFinite(us)) resolve(us);
      else reject(new Error(`run failed: ${err}`));
    });
  });
}

const samples = {};
for (let i = 0; i < runs; i++) {
  for (const [shapeName, shape] of Object.entries(shapes)) {
    if (!transports.some((t) => shapeName.startsWith(`${t} `))) continue;
    for (const [name, variant] of Object.entries(variants)) {
      ((samples[name] ??= {})[shapeName] ??= []).push(await measure(variant, shape));
    }
  }
}
await fake.close();
await sink.close();

const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
const m = Object.fromEntries(Object.entries(samples).map(([name, byShape]) =>
  [name, Object.fromEntries(Object.entries(byShape).map(([shape, list]) => [shape, median(list)]))]));
const version = JSON.parse(readFileSync(new URL('../test/apps/openai6/node_modules/openai/package.json', import.meta.url), 'utf8')).version;
const nodeVersion = spawnSync(getServerNode(), ['--version'], { encoding: 'utf8' }).stdout.trim();
console.log(`openai ${version}, Node ${nodeVersion}, ${runs} alternating runs, medians of the app process's CPU time`);
for (const transport of transports) {
  const perChunk = (name) => (m[name][`${transport} stream210`] - m[name][`${transport} stream10`]) / 200;
  console.log(`\n${transport}`);
  console.table(Object.keys(variants).map((name) => ({
    variant: name,
    'µs/call': +m[name][`${transport} call`].toFixed(1),
    'added µs/call': name === 'baseline' ? '–' : +(m[name][`${transport} call`] - m.baseline[`${transport} call`]).toFixed(1),
    'µs/chunk': +perChunk(name).toFixed(2),
    'added µs/chunk': name === 'baseline' ? '–' : +(perChunk(name) - perChunk('baseline')).toFixed(2),
    'call runs': samples[name][`${transport} call`].map((x) => x.toFixed(0)).join(' '),
  })));
}
