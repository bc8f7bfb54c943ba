// One measurement: N sequential queries (`SELECT 1` with pg, `GET k` with redis / ioredis) against a running server,
// inside an active span where the variant has a tracer, after a warm-up. Prints one JSON line
// { driver, variant, usPerQuery, cpuUsPerQuery, spansEnded }. Spawned by query-cost.mjs; the variant decides what is installed:
//
//   baseline            nothing
//   channel-floor       no agent; no-op subscribers on the driver's own tracing channels (redis 5, ioredis 5)
//   tracekit-ctx        the agent (node --import register.mjs), loop in an active span, no database instrumentation
//   tracekit+otel       the agent + the OpenTelemetry instrumentation for the driver (its spans reach the agent's tracer)
//   tracekit+light      the agent + a minimal instrumentation of our own: a channel subscriber (redis, ioredis) or a
//                       prototype wrapper (pg) that makes one CLIENT span through the OTel API
//   otel-sdk            the OpenTelemetry SDK (BasicTracerProvider, BatchSpanProcessor, no-op exporter) + its
//                       instrumentation: the instrumentation with the SDK's own span
//   otel-noop           the OpenTelemetry instrumentation with no tracer provider (API no-op spans) under a
//                       non-recording parent: the instrumentation's wrapper cost without any span cost
//
// Usage: node [--import register.mjs] query-loop.mjs <driver> <variant> <port> [count] [warmup]
import dc from 'node:diagnostics_channel';
import { api, CHANNEL, connect, floorHandlers, lightPgQuery, lightRedisHandlers, otel, otelInstrumentation } from './drivers.mjs';

const [driver, variant, portText, countText = '10000', warmupText] = process.argv.slice(2);
const port = Number(portText);
const count = Number(countText);
const warmup = warmupText === undefined ? Math.max(1000, count / 5) : Number(warmupText);
let spansEnded = 0;

/** Counts ended spans through the SDK; the agent's are counted by the sink instead. */
function startOtelSdk() {
  const { BasicTracerProvider, BatchSpanProcessor } = otel('@opentelemetry/sdk-trace-base');
  const { AsyncLocalStorageContextManager } = otel('@opentelemetry/context-async-hooks');
  const exporter = { export: (spans, done) => { spansEnded += spans.length; done({ code: 0 }); }, shutdown: async () => {} };
  const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] });
  api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  api.trace.setGlobalTracerProvider(provider);
  return provider;
}

let provider;
if (variant === 'otel-sdk') provider = startOtelSdk();
if (variant === 'otel-noop') {
  const { AsyncLocalStorageContextManager } = otel('@opentelemetry/context-async-hooks');
  api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
}
// Constructed before the driver loads: its require hook patches the driver as it loads.
if (variant === 'tracekit+otel' || variant === 'otel-sdk' || variant === 'otel-noop') otelInstrumentation(driver);

const client = await connect(driver, port);
const tracer = api.trace.getTracer('db-research');
if (variant === 'tracekit+light' && driver === 'pg') client.Client.prototype.query = lightPgQuery(tracer, client.Client.prototype.query);
if (variant === 'tracekit+light' && driver !== 'pg') dc.tracingChannel(CHANNEL[driver]).subscribe(lightRedisHandlers(tracer));
if (variant === 'channel-floor') dc.tracingChannel(CHANNEL[driver]).subscribe(floorHandlers);

async function loop(client, n) {
  for (let i = 0; i < n; i++) await client.run();
}

const inSpan = !['baseline', 'channel-floor'].includes(variant);
// Wall time is what the targets are about; the client's CPU time per query (user + system) moves much less when
// other processes share the machine, so it is the steadier estimate of what an instrumentation adds.
let cpuUsPerQuery;
const measure = async () => {
  await loop(client, warmup);
  const started = performance.now();
  const cpu = process.cpuUsage();
  await loop(client, count);
  const { user, system } = process.cpuUsage(cpu);
  cpuUsPerQuery = (user + system) / count;
  return ((performance.now() - started) * 1000) / count;
};
let usPerQuery;
if (!inSpan) {
  usPerQuery = await measure();
} else if (variant === 'otel-noop') {
  const parent = api.trace.wrapSpanContext({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 });
  usPerQuery = await api.context.with(api.trace.setSpan(api.context.active(), parent), measure);
} else {
  usPerQuery = await tracer.startActiveSpan('loop', async (span) => {
    try { return await measure(); } finally { span.end(); }
  });
}
await client.close();
await provider?.shutdown();
console.log(JSON.stringify({ driver, variant, usPerQuery, cpuUsPerQuery, spansEnded: provider ? spansEnded : undefined }));
