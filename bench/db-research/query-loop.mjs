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
import { workspace } from './watch-channels.mjs';

const [driver, variant, portText, countText = '10000', warmupText] = process.argv.slice(2);
const port = Number(portText);
const count = Number(countText);
const warmup = warmupText === undefined ? Math.max(1000, count / 5) : Number(warmupText);
const WORKSPACE = { pg: 'pg8', redis: 'redis5', ioredis: 'ioredis5' };
const req = workspace(WORKSPACE[driver]);
const otelRequire = workspace('pg8'); // the repo's hoisted @opentelemetry/* packages resolve from any workspace

const api = otelRequire('@opentelemetry/api');
let spansEnded = 0;

/** Counts ended spans through the SDK; the agent's are counted by the sink instead. */
function startOtelSdk() {
  const { BasicTracerProvider, BatchSpanProcessor } = otelRequire('@opentelemetry/sdk-trace-base');
  const { AsyncLocalStorageContextManager } = otelRequire('@opentelemetry/context-async-hooks');
  const exporter = { export: (spans, done) => { spansEnded += spans.length; done({ code: 0 }); }, shutdown: async () => {} };
  const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] });
  api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  api.trace.setGlobalTracerProvider(provider);
  return provider;
}

function otelInstrumentation() {
  const { registerInstrumentations } = otelRequire('@opentelemetry/instrumentation');
  const make = {
    pg: () => new (otelRequire('@opentelemetry/instrumentation-pg').PgInstrumentation)(),
    redis: () => new (otelRequire('@opentelemetry/instrumentation-redis').RedisInstrumentation)(),
    ioredis: () => new (otelRequire('@opentelemetry/instrumentation-ioredis').IORedisInstrumentation)(),
  };
  registerInstrumentations({ instrumentations: [make[driver]()] });
}

const DB_SYSTEM = { pg: 'postgresql', redis: 'redis', ioredis: 'redis' };

/** The least an instrumentation of ours would do per query: one CLIENT span with the required attributes. */
function lightInstrumentation() {
  const tracer = api.trace.getTracer('db-research');
  const kind = api.SpanKind.CLIENT;
  if (driver === 'pg') {
    const { Client } = req('pg');
    const original = Client.prototype.query;
    Client.prototype.query = function query(config) {
      const parent = api.context.active();
      if (api.trace.getSpan(parent) === undefined) return original.apply(this, arguments);
      const text = typeof config === 'string' ? config : config?.text;
      const operation = /^\s*(\w+)/.exec(text ?? '')?.[1]?.toUpperCase() ?? 'query';
      const span = tracer.startSpan(operation, { kind, attributes: {
        'db.system.name': 'postgresql', 'db.namespace': this.database, 'db.operation.name': operation,
        'db.query.text': text?.replace(/'(?:[^']|'')*'|\b\d+(?:\.\d+)?\b/g, '?'),
        'server.address': this.host, 'server.port': this.port,
      } }, parent);
      const result = original.apply(this, arguments);
      result?.then?.(() => span.end(), (error) => { span.recordException(error); span.setStatus({ code: 2 }); span.end(); });
      return result;
    };
    return;
  }
  const prefix = driver === 'redis' ? 'node-redis' : 'ioredis';
  const spans = new WeakMap();
  dc.tracingChannel(`${prefix}:command`).subscribe({
    start(message) {
      const parent = api.context.active();
      if (api.trace.getSpan(parent) === undefined) return;
      const name = String(message.command).toUpperCase();
      spans.set(message, tracer.startSpan(name, { kind, attributes: {
        'db.system.name': 'redis', 'db.namespace': String(message.database), 'db.operation.name': name,
        'db.query.text': name, 'server.address': message.serverAddress, 'server.port': message.serverPort,
      } }, parent));
    },
    error(message) {
      const span = spans.get(message);
      span?.recordException(message.error);
      span?.setStatus({ code: 2 });
    },
    asyncEnd(message) { spans.get(message)?.end(); },
  });
}

function channelFloor() {
  const noop = () => {};
  const prefix = driver === 'redis' ? 'node-redis' : 'ioredis';
  dc.tracingChannel(`${prefix}:command`).subscribe({ start: noop, end: noop, asyncStart: noop, asyncEnd: noop, error: noop });
}

async function connect() {
  if (driver === 'pg') {
    const client = new (req('pg').Client)({ host: '127.0.0.1', port, user: 'tracekit', password: 'tracekit-test-pw', database: 'tracekit_test' });
    await client.connect();
    return { run: () => client.query('SELECT 1'), close: () => client.end() };
  }
  if (driver === 'redis') {
    const client = req('redis').createClient({ socket: { host: '127.0.0.1', port } });
    await client.connect();
    await client.set('k', 'v');
    return { run: () => client.get('k'), close: () => client.close() };
  }
  const Redis = req('ioredis');
  const client = new (Redis.default ?? Redis)({ host: '127.0.0.1', port });
  await client.set('k', 'v');
  return { run: () => client.get('k'), close: () => client.quit() };
}

async function loop(client, n) {
  for (let i = 0; i < n; i++) await client.run();
}

let provider;
if (variant === 'otel-sdk') provider = startOtelSdk();
if (variant === 'otel-noop') {
  const { AsyncLocalStorageContextManager } = otelRequire('@opentelemetry/context-async-hooks');
  api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
}
if (variant === 'tracekit+otel' || variant === 'otel-sdk' || variant === 'otel-noop') otelInstrumentation();
if (variant === 'tracekit+light') lightInstrumentation();
if (variant === 'channel-floor') channelFloor();

const client = await connect();
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
  usPerQuery = await api.trace.getTracer('db-research').startActiveSpan('loop', async (span) => {
    try { return await measure(); } finally { span.end(); }
  });
}
await client.close();
await provider?.shutdown();
console.log(JSON.stringify({ driver, variant, usPerQuery, cpuUsPerQuery, spansEnded: provider ? spansEnded : undefined }));
