// What the query-cost measurements share: the driver under test (from its test/apps workspace), its OTel
// instrumentation, the minimal instrumentation of ours that stands for "one CLIENT span per query", the no-op
// channel subscriber, and running a measuring child that prints one JSON line.
import { spawn } from 'node:child_process';
import { workspace } from './watch-channels.mjs';

export const otel = workspace('pg8'); // the repo's hoisted @opentelemetry/* packages resolve from any workspace
export const api = otel('@opentelemetry/api');
const WORKSPACE = { pg: 'pg8', redis: 'redis5', ioredis: 'ioredis5' };
export const CHANNEL = { redis: 'node-redis:command', ioredis: 'ioredis:command' };

/** The driver's OTel instrumentation, constructed (and so enabled, hooking the driver's require). */
export function otelInstrumentation(driver) {
  if (driver === 'pg') return new (otel('@opentelemetry/instrumentation-pg').PgInstrumentation)();
  if (driver === 'redis') return new (otel('@opentelemetry/instrumentation-redis').RedisInstrumentation)();
  return new (otel('@opentelemetry/instrumentation-ioredis').IORedisInstrumentation)();
}

/** A connected client whose run() sends the measured query: `SELECT 1` (pg) or `GET k` (redis 5, ioredis 5). */
export async function connect(driver, port) {
  const req = workspace(WORKSPACE[driver]);
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

const LITERALS = /'(?:[^']|'')*'|\b\d+(?:\.\d+)?\b/g;
const SPAN = Symbol('span');

function failSpan(span, error) {
  span.recordException(error);
  span.setStatus({ code: api.SpanStatusCode.ERROR });
}

/** pg: `Client.prototype.query` wrapped to make one CLIENT span per promise query, literals masked. */
export function lightPgQuery(tracer, original) {
  return function query(config) {
    const parent = api.context.active();
    if (api.trace.getSpan(parent) === undefined) return original.apply(this, arguments);
    const text = typeof config === 'string' ? config : config?.text;
    const operation = /^\s*(\w+)/.exec(text ?? '')?.[1]?.toUpperCase() ?? 'query';
    const span = tracer.startSpan(operation, { kind: api.SpanKind.CLIENT, attributes: {
      'db.system.name': 'postgresql', 'db.namespace': this.database, 'db.operation.name': operation,
      'db.query.text': text?.replace(LITERALS, '?'), 'server.address': this.host, 'server.port': this.port,
    } }, parent);
    const result = original.apply(this, arguments);
    result?.then?.(() => span.end(), (error) => { failSpan(span, error); span.end(); });
    return result;
  };
}

/** redis / ioredis: tracing-channel handlers making one CLIENT span per command (name only, no arguments). */
export function lightRedisHandlers(tracer) {
  return {
    start(message) {
      const parent = api.context.active();
      if (api.trace.getSpan(parent) === undefined) return;
      const name = String(message.command).toUpperCase();
      message[SPAN] = tracer.startSpan(name, { kind: api.SpanKind.CLIENT, attributes: {
        'db.system.name': 'redis', 'db.namespace': String(message.database), 'db.operation.name': name,
        'db.query.text': name, 'server.address': message.serverAddress, 'server.port': message.serverPort,
      } }, parent);
    },
    error(message) { if (message[SPAN]) failSpan(message[SPAN], message.error); },
    asyncEnd(message) { message[SPAN]?.end(); },
  };
}

const noop = () => {};
export const floorHandlers = { start: noop, end: noop, asyncStart: noop, asyncEnd: noop, error: noop };

/** Runs a measuring child and resolves with the JSON of its last stdout line (rejects with its stderr). */
export function runJsonChild(label, file, args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`${label} exited ${code}:\n${err}`));
      resolve({ ...JSON.parse(out.trim().split('\n').pop()), warnings: err.trim() });
    });
  });
}
