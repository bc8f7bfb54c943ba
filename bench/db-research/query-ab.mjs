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
import { workspace } from './watch-channels.mjs';

const [driver, portText, tracerKind, roundsText = '20', blockText = '500'] = process.argv.slice(2);
const port = Number(portText);
const rounds = Number(roundsText);
const block = Number(blockText);
const req = workspace({ pg: 'pg8', redis: 'redis5', ioredis: 'ioredis5' }[driver]);
const otel = workspace('pg8'); // hoisted @opentelemetry/* packages
const api = otel('@opentelemetry/api');
const { AsyncLocalStorageContextManager } = otel('@opentelemetry/context-async-hooks');

let provider;
if (tracerKind === 'sdk') {
  const { BasicTracerProvider, BatchSpanProcessor } = otel('@opentelemetry/sdk-trace-base');
  const exporter = { export: (spans, done) => done({ code: 0 }), shutdown: async () => {} };
  provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] });
  api.trace.setGlobalTracerProvider(provider);
}
if (tracerKind !== 'agent') api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

// The OTel instrumentation is registered before the driver loads (its hook patches on require), then toggled.
const { registerInstrumentations } = otel('@opentelemetry/instrumentation');
const instrumentation = {
  pg: () => new (otel('@opentelemetry/instrumentation-pg').PgInstrumentation)(),
  redis: () => new (otel('@opentelemetry/instrumentation-redis').RedisInstrumentation)(),
  ioredis: () => new (otel('@opentelemetry/instrumentation-ioredis').IORedisInstrumentation)(),
}[driver]();
registerInstrumentations({ instrumentations: [instrumentation] });
instrumentation.disable();

const tracer = api.trace.getTracer('db-research');
const CLIENT = api.SpanKind.CLIENT;
const channelName = { redis: 'node-redis:command', ioredis: 'ioredis:command' }[driver];

/** One CLIENT span per command from the driver's channel; the span rides on the message object. */
const SPAN = Symbol('span');
const lightHandlers = {
  start(message) {
    const parent = api.context.active();
    if (api.trace.getSpan(parent) === undefined) return;
    const name = String(message.command).toUpperCase();
    message[SPAN] = tracer.startSpan(name, { kind: CLIENT, attributes: {
      'db.system.name': 'redis', 'db.namespace': String(message.database), 'db.operation.name': name,
      'db.query.text': name, 'server.address': message.serverAddress, 'server.port': message.serverPort,
    } }, parent);
  },
  error(message) {
    message[SPAN]?.recordException(message.error);
    message[SPAN]?.setStatus({ code: api.SpanStatusCode.ERROR });
  },
  asyncEnd(message) { message[SPAN]?.end(); },
};
const noop = () => {};
const floorHandlers = { start: noop, end: noop, asyncStart: noop, asyncEnd: noop, error: noop };

const LITERALS = /'(?:[^']|'')*'|\b\d+(?:\.\d+)?\b/g;
function lightPgQuery(original) {
  return function query(config) {
    const parent = api.context.active();
    if (api.trace.getSpan(parent) === undefined) return original.apply(this, arguments);
    const text = typeof config === 'string' ? config : config?.text;
    const operation = /^\s*(\w+)/.exec(text ?? '')?.[1]?.toUpperCase() ?? 'query';
    const span = tracer.startSpan(operation, { kind: CLIENT, attributes: {
      'db.system.name': 'postgresql', 'db.namespace': this.database, 'db.operation.name': operation,
      'db.query.text': text?.replace(LITERALS, '?'), 'server.address': this.host, 'server.port': this.port,
    } }, parent);
    const result = original.apply(this, arguments);
    result?.then?.(() => span.end(), (error) => {
      span.recordException(error);
      span.setStatus({ code: api.SpanStatusCode.ERROR });
      span.end();
    });
    return result;
  };
}

async function connect() {
  if (driver === 'pg') {
    const { Client } = req('pg');
    const client = new Client({ host: '127.0.0.1', port, user: 'tracekit', password: 'tracekit-test-pw', database: 'tracekit_test' });
    await client.connect();
    return { Client, run: () => client.query('SELECT 1'), close: () => client.end() };
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

const client = await connect();
const plainPgQuery = client.Client?.prototype.query;
const switches = {
  none: { on: noop, off: noop },
  otel: { on: () => instrumentation.enable(), off: () => instrumentation.disable() },
  light: driver === 'pg'
    ? { on: () => { client.Client.prototype.query = lightPgQuery(plainPgQuery); }, off: () => { client.Client.prototype.query = plainPgQuery; } }
    : { on: () => dc.tracingChannel(channelName).subscribe(lightHandlers), off: () => dc.tracingChannel(channelName).unsubscribe(lightHandlers) },
  floor: { on: () => dc.tracingChannel(channelName).subscribe(floorHandlers), off: () => dc.tracingChannel(channelName).unsubscribe(floorHandlers) },
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
