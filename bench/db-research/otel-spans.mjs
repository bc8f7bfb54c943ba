// What the OpenTelemetry database instrumentations actually record, against the real servers: attributes
// (db.query.text with or without literal values), parents of queries that waited in a pool's queue, spans outside
// any parent, and whether an instrumentation can be applied by calling its module definitions' patch functions
// ourselves (constructed with enabled: false, so it installs no require/import hook of its own).
//
// Run: node bench/db-research/otel-spans.mjs           (PATCH=manual: patch through the module definitions)
import { createRequire } from 'node:module';
import path from 'node:path';
import { startMariadb, startPostgres, startRedis } from '../../test/helpers/db-servers.mjs';
import { workspace } from './watch-channels.mjs';

const otel = workspace('pg8');
const api = otel('@opentelemetry/api');
const { BasicTracerProvider, SimpleSpanProcessor, InMemorySpanExporter } = otel('@opentelemetry/sdk-trace-base');
const { AsyncLocalStorageContextManager } = otel('@opentelemetry/context-async-hooks');
const exporter = new InMemorySpanExporter();
api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
api.trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
const tracer = api.trace.getTracer('research');
const manual = process.env.PATCH === 'manual';
// The same version check the instrumentation's own hook makes (semver comes with @opentelemetry/instrumentation).
const semver = createRequire(otel.resolve('@opentelemetry/instrumentation'))('semver');
const supported = (ranges, version) => ranges.some((range) => semver.satisfies(version, range, { includePrerelease: true }));

const INSTRUMENTATIONS = [
  ['pg8', 'pg', () => new (otel('@opentelemetry/instrumentation-pg').PgInstrumentation)({ enabled: !manual })],
  ['mysql2-3', 'mysql2', () => new (otel('@opentelemetry/instrumentation-mysql2').MySQL2Instrumentation)({ enabled: !manual })],
  ['redis5', 'redis', () => new (otel('@opentelemetry/instrumentation-redis').RedisInstrumentation)({ enabled: !manual })],
  ['redis4', 'redis', () => new (otel('@opentelemetry/instrumentation-redis').RedisInstrumentation)({ enabled: !manual })],
  ['ioredis5', 'ioredis', () => new (otel('@opentelemetry/instrumentation-ioredis').IORedisInstrumentation)({ enabled: !manual })],
];

/**
 * Applies an instrumentation without its hooks: for each module definition whose package resolves from the
 * workspace, call patch() on the package's exports and on each listed internal file's exports.
 */
function patchManually(instrumentation, ws) {
  const req = workspace(ws);
  for (const definition of instrumentation.getModuleDefinitions()) {
    let pkgJson;
    try { pkgJson = req.resolve(`${definition.name}/package.json`); } catch { continue; }
    const version = createRequire(pkgJson)(pkgJson).version;
    const from = createRequire(pkgJson);
    if (!supported(definition.supportedVersions, version)) continue;
    if (definition.patch) definition.patch(from(definition.name), version);
    for (const file of definition.files ?? []) {
      if (!supported(file.supportedVersions, version)) continue;
      const relative = path.relative(definition.name, file.name);
      let exports;
      try { exports = from(`./${relative}`); } catch { continue; }
      file.patch(exports, version);
    }
    console.log(`  patched ${definition.name}@${version} by hand (${(definition.files ?? []).length} files listed)`);
  }
}

function show(title) {
  const spans = exporter.getFinishedSpans().filter((span) => !parentNames.has(span.spanContext().spanId));
  exporter.reset();
  console.log(`-- ${title}: ${spans.length} span(s)`);
  for (const span of spans) {
    const parent = span.parentSpanContext?.spanId ?? span.parentSpanId;
    const parentName = parentNames.get(parent) ?? (parent ? parent : 'none');
    console.log(`  [${span.name}] parent=${parentName} ${JSON.stringify(span.attributes)}${span.status.code === 2 ? ` ERROR ${span.status.message}` : ''}`);
  }
}
const parentNames = new Map();
/** Runs fn inside a named parent span, remembering the name so the children can be shown with it. */
const inSpan = (name, fn) => tracer.startActiveSpan(name, async (span) => {
  parentNames.set(span.spanContext().spanId, name);
  try { return await fn(); } finally { span.end(); }
});

const instances = Object.fromEntries(INSTRUMENTATIONS.map(([ws, , make]) => [ws, make()]));
if (manual) for (const [ws] of INSTRUMENTATIONS) patchManually(instances[ws], ws);

const [pgServer, mariadb, redisServer] = await Promise.all([startPostgres(), startMariadb(), startRedis()]);
try {
  const pg = workspace('pg8')('pg');
  const pgClient = new pg.Client({ connectionString: pgServer.url });
  await pgClient.connect();
  exporter.reset();
  await inSpan('pg-parent', async () => {
    await pgClient.query("SELECT * FROM pg_class WHERE relname = 'secret-literal' AND relpages > 42");
    await pgClient.query('SELECT $1::text AS v', ['secret-bound']);
    await pgClient.query('SELECT * FROM missing_table').catch(() => {});
  });
  show('pg: literal, bound value, error');
  await pgClient.query('SELECT 1');
  show('pg: query outside any span');
  const pool = new pg.Pool({ connectionString: pgServer.url, max: 1 });
  await Promise.all(['pg-req-A', 'pg-req-B', 'pg-req-C'].map((name) => inSpan(name, () => pool.query('SELECT pg_sleep(0.02)'))));
  show('pg.Pool max 1, three concurrent parents');
  await pool.end();
  await pgClient.end();

  const mysql = workspace('mysql2-3')('mysql2');
  const conn = mysql.createConnection({ host: mariadb.host, port: mariadb.port, user: mariadb.user, password: mariadb.password, database: mariadb.database });
  await inSpan('mysql-parent', async () => {
    await conn.promise().query("SELECT 'secret-literal' AS a, ? AS b", ['secret-bound']);
    await conn.promise().execute('SELECT ? AS b', ['secret-exec']);
  });
  show('mysql2: literal + bound value (query), execute');
  await conn.promise().query('SELECT 1');
  show('mysql2: query outside any span');
  conn.end();
  const mpool = mysql.createPool({ host: mariadb.host, port: mariadb.port, user: mariadb.user, password: mariadb.password, database: mariadb.database, connectionLimit: 1 });
  await Promise.all(['my-req-A', 'my-req-B', 'my-req-C'].map((name) => inSpan(name, () => new Promise((resolve) => mpool.query('SELECT SLEEP(0.02)', resolve)))));
  show('mysql2 pool connectionLimit 1, three concurrent parents (callback API)');
  await mpool.promise().end();

  for (const ws of ['redis4', 'redis5']) {
    const { createClient } = workspace(ws)('redis');
    const client = createClient({ url: redisServer.url });
    await client.connect();
    exporter.reset();
    await inSpan(`${ws}-parent`, async () => {
      await client.set('user:1', 'secret-value');
      await client.get('user:1');
      await client.multi().set('a', 'secret-multi').get('a').exec();
      await client.incr('user:1').catch(() => {});
    });
      show(`${ws}: SET/GET/MULTI/error (client from a URL)`);
    await (client.close ? client.close() : client.quit());
  }

  const Redis = workspace('ioredis5')('ioredis');
  const io = new (Redis.default ?? Redis)({ host: redisServer.host, port: redisServer.port });
  await io.ping();
  exporter.reset();
  await inSpan('ioredis-parent', async () => {
    await io.set('user:1', 'secret-value');
    await io.pipeline().set('b', 'secret-pipe').get('b').exec();
  });
  show('ioredis: SET, pipeline');
  await io.get('user:1');
  show('ioredis: command outside any span');
  await io.quit();
} finally {
  await Promise.all([pgServer.stop(), mariadb.stop(), redisServer.stop()]);
}
