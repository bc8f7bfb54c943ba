// One measurement for bench/db-queries.mjs: N sequential simple queries (`SELECT 1` with pg, `GET k` with redis and
// ioredis, `SELECT 1` with mysql2) inside one active span, after a warm-up, and one JSON line
// { usPerQuery, cpuUsPerQuery } on stdout. Whatever tracer is installed (none, the agent, OpenTelemetry's
// zero-code SDK) makes the span through the OpenTelemetry API; without one the span is a no-op.
//
// Usage: node [preload] bench/db-query-loop.mjs <pg|redis|ioredis|mysql2> <port> [count]
import { createRequire } from 'node:module';
import { trace } from '@opentelemetry/api';

const [driver, portText, countText = '10000'] = process.argv.slice(2);
const port = Number(portText);
const count = Number(countText);
const WORKSPACE = { pg: 'pg8', redis: 'redis5', ioredis: 'ioredis5', mysql2: 'mysql2-3' };
const from = createRequire(new URL(`../test/apps/${WORKSPACE[driver]}/package.json`, import.meta.url));
const credentials = { host: '127.0.0.1', port, user: 'tracekit', password: 'tracekit-test-pw', database: 'tracekit_test' };

async function connect() {
  if (driver === 'pg') {
    const client = new (from('pg').Client)(credentials);
    await client.connect();
    return { run: () => client.query('SELECT 1'), close: () => client.end() };
  }
  if (driver === 'mysql2') {
    const connection = await from('mysql2/promise').createConnection(credentials);
    return { run: () => connection.query('SELECT 1'), close: () => connection.end() };
  }
  if (driver === 'redis') {
    const client = from('redis').createClient({ socket: { host: '127.0.0.1', port } });
    await client.connect();
    await client.set('k', 'v');
    return { run: () => client.get('k'), close: () => client.close() };
  }
  const Redis = from('ioredis');
  const client = new (Redis.default ?? Redis)({ host: '127.0.0.1', port });
  await client.set('k', 'v');
  return { run: () => client.get('k'), close: () => client.quit() };
}

const client = await connect();
const result = await trace.getTracer('bench').startActiveSpan('loop', async (span) => {
  try {
    for (let i = 0; i < Math.max(1000, count / 5); i++) await client.run();
    const started = performance.now();
    const cpu = process.cpuUsage();
    for (let i = 0; i < count; i++) await client.run();
    const { user, system } = process.cpuUsage(cpu);
    return { usPerQuery: ((performance.now() - started) * 1000) / count, cpuUsPerQuery: (user + system) / count };
  } finally {
    span.end();
  }
});
await client.close();
console.log(JSON.stringify(result));
