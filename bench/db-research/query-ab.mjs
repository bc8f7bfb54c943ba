// Interleaved A/B in ONE process, so that every variant sees the same machine load: blocks of sequential queries
// (`SELECT 1` with pg, `GET k` with redis 5 / ioredis 5) inside an active span, the instrumentation switched between
// blocks, the variants' order rotated every round. Prints one JSON line: per variant the median µs/query (wall and
// this process's CPU) over all its blocks. Spawned by query-ab-run.mjs.
//
//   none    no database instrumentation (the tracer and context manager are there)
//   floor   no-op subscribers on the driver's own tracing channels (redis, ioredis): what the driver pays to publish
//   light   a minimal instrumentation of ours, one CLIENT span per query through the OTel API
//           (a channel subscriber for redis/ioredis, a prototype wrapper for pg)
//   otel    the OpenTelemetry instrumentation, enabled (disable() unwraps it between its blocks)
//
// Usage: node [--import register.mjs] query-ab.mjs <driver> <port> <agent|sdk|noop> [rounds] [block]
//   agent: the tracekit agent preloaded (its tracer); sdk: OTel BasicTracerProvider + BatchSpanProcessor with a
//   no-op exporter; noop: no tracer provider (API no-op spans) under a non-recording parent.
import dc from 'node:diagnostics_channel';
import { api, CHANNEL, connect, floorHandlers, lightPgQuery, lightRedisHandlers, otel, otelInstrumentation } from './drivers.mjs';

const [driver, portText, tracerKind, roundsText = '20', blockText = '500'] = process.argv.slice(2);
const port = Number(portText);
const rounds = Number(roundsText);
const block = Number(blockText);
const { AsyncLocalStorageContextManager } = otel('@opentelemetry/context-async-hooks');

let provider;
if (tracerKind === 'sdk') {
  const { BasicTracerProvider, BatchSpanProcessor } = otel('@opentelemetry/sdk-trace-base');
  const exporter = { export: (spans, done) => done({ code: 0 }), shutdown: async () => {} };
  provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] });
  api.trace.setGlobalTracerProvider(provider);
}
if (tracerKind !== 'agent') api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

// Constructed before the driver loads (its hook patches on require), then switched off until its blocks.
const instrumentation = otelInstrumentation(driver);
instrumentation.disable();
const tracer = api.trace.getTracer('db-research');

const client = await connect(driver, port);
const plainPgQuery = client.Client?.prototype.query;
const lightHandlers = lightRedisHandlers(tracer);
const noop = () => {};
const switches = {
  none: { on: noop, off: noop },
  otel: { on: () => instrumentation.enable(), off: () => instrumentation.disable() },
  light: driver === 'pg'
    ? { on: () => { client.Client.prototype.query = lightPgQuery(tracer, plainPgQuery); }, off: () => { client.Client.prototype.query = plainPgQuery; } }
    : { on: () => dc.tracingChannel(CHANNEL[driver]).subscribe(lightHandlers), off: () => dc.tracingChannel(CHANNEL[driver]).unsubscribe(lightHandlers) },
  floor: { on: () => dc.tracingChannel(CHANNEL[driver]).subscribe(floorHandlers), off: () => dc.tracingChannel(CHANNEL[driver]).unsubscribe(floorHandlers) },
};
const variants = ['none', 'otel', ...(tracerKind === 'noop' ? [] : ['light']), ...(driver === 'pg' ? [] : ['floor'])];

async function timedBlock(n) {
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < n; i++) await client.run();
  const wall = ((performance.now() - started) * 1000) / n;
  const { user, system } = process.cpuUsage(cpu);
  return { wall, cpu: (user + system) / n };
}

async function measure() {
  const samples = Object.fromEntries(variants.map((v) => [v, { wall: [], cpu: [] }]));
  for (const v of variants) { switches[v].on(); await timedBlock(block * 2); switches[v].off(); } // warm every path
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < variants.length; k++) {
      const v = variants[(round + k) % variants.length];
      switches[v].on();
      const { wall, cpu } = await timedBlock(block);
      switches[v].off();
      samples[v].wall.push(wall);
      samples[v].cpu.push(cpu);
    }
  }
  return samples;
}

const median = (xs) => { const a = [...xs].sort((x, y) => x - y); const m = a.length >> 1; return a.length % 2 ? a[m] : (a[m - 1] + a[m]) / 2; };
let samples;
if (tracerKind === 'noop') {
  const parent = api.trace.wrapSpanContext({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 });
  samples = await api.context.with(api.trace.setSpan(api.context.active(), parent), measure);
} else {
  samples = await tracer.startActiveSpan('loop', async (span) => { try { return await measure(); } finally { span.end(); } });
}
await client.close();
await provider?.shutdown();
const result = Object.fromEntries(Object.entries(samples).map(([v, s]) => [v, { wall: median(s.wall), cpu: median(s.cpu) }]));
console.log(JSON.stringify({ driver, tracer: tracerKind, queriesPerVariant: rounds * block, result }));
