// Database and cache spans against real servers (PostgreSQL, MariaDB and Redis from Debian's packages, each on a
// random loopback port): the Express fixture in test/fixtures/databases runs, per driver, a parameterized query, a
// statement with literals, a transaction on a checked-out connection, callbacks through the pool, redis GET/SET,
// pipelines and MULTI, and failing queries. Run as CommonJS and as ESM, with each redis and ioredis major.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startMariadb, startPostgres, startRedis } from '../helpers/db-servers.mjs';
import { startRedisCluster } from '../helpers/redis-cluster.mjs';
import { startReceiver } from '../helpers/receiver.mjs';
import { agentEnv, cleanEnv, request, startApp, stopApp } from '../helpers/app.mjs';

const SECRET = 'secret-literal-7781';
const SERVER = 2;
const CLIENT = 3;
const ERROR = 2;

const VARIANTS = [
  { fixture: 'test/fixtures/databases/app.cjs', redis: 'redis4', ioredis: 'ioredis5' },
  { fixture: 'test/fixtures/databases/app.mjs', redis: 'redis5', ioredis: 'ioredis6' },
  { fixture: 'test/fixtures/databases/app.mjs', redis: 'redis6', ioredis: 'ioredis5', only: ['redis', 'ioredis'] },
];

let servers;
before(async () => {
  const [pg, mysql, redis, cluster] = await Promise.all([startPostgres(), startMariadb(), startRedis(), startRedisCluster()]);
  servers = { pg, mysql, redis, cluster };
});
after(async () => {
  await Promise.all(Object.values(servers ?? {}).map((server) => server.stop()));
});

function fixtureEnv(variant) {
  const { pg, mysql, redis } = servers;
  const wants = (name) => variant.only === undefined || variant.only.includes(name);
  return {
    ...(wants('pg') ? { PG_URL: pg.url } : {}),
    ...(wants('mysql') ? { MYSQL_URL: mysql.url } : {}),
    REDIS_URL: redis.url,
    IOREDIS_CLUSTER: servers.cluster.ports.join(','),
    REDIS_APP: variant.redis,
    IOREDIS_APP: variant.ioredis,
  };
}

const dbAttributes = (span) => Object.fromEntries(Object.entries(span.attributes).filter(([key]) => /^(db|server|peer)\./.test(key)));

for (const variant of VARIANTS) {
  const label = `${variant.fixture.endsWith('.mjs') ? 'ESM' : 'CommonJS'}, ${variant.redis}, ${variant.ioredis}`;
  describe(`database spans (${label})`, () => {
    let receiver;
    let app;
    before(async () => {
      receiver = await startReceiver();
      const { pg, mysql, redis } = servers;
      const mappings = `127.0.0.1:${pg.port}=orders-db,127.0.0.1:${mysql.port}=shop-mysql,127.0.0.1:${redis.port}=cache`;
      app = await startApp(variant.fixture, {
        env: agentEnv(receiver, { ...fixtureEnv(variant), TRACEKIT_SERVICE_NAME_MAPPINGS: mappings }),
      });
    });
    after(async () => {
      if (app) await stopApp(app);
      await receiver?.close();
    });

    /** Requests `path` and returns its SERVER span with the CLIENT spans under it, in start order. */
    async function tree(path) {
      const marker = `db-${Math.random().toString(36).slice(2)}`;
      const response = await request(`${app.url}${path}`, { headers: { 'user-agent': marker } });
      const [server] = await receiver.waitForSpans((s) => s.kind === SERVER && s.attributes['user_agent.original'] === marker);
      // Children end before their SERVER span, so they were exported with it or before it.
      const children = receiver.spans().filter((s) => s.parentSpanId === server.spanId).sort((a, b) => a.startTimeUnixNano < b.startTimeUnixNano ? -1 : 1);
      return { response, server, children };
    }

    const names = (spans) => spans.map((s) => s.name);

    if (variant.only === undefined) {
      test('pg: parameterized query, literals, transaction on a checked-out client, cursor, callbacks', async () => {
        const { pg } = servers;
        const param = await tree('/pg/param?id=1');
        assert.equal(param.response.status, 200);
        assert.deepEqual(names(param.children), ['SELECT items']);
        const [select] = param.children;
        assert.equal(select.kind, CLIENT);
        assert.equal(select.traceId, param.server.traceId);
        assert.deepEqual(dbAttributes(select), {
          'db.system.name': 'postgresql',
          'db.namespace': 'tracekit_test',
          'db.operation.name': 'SELECT',
          'db.collection.name': 'items',
          'db.query.text': 'SELECT id, name FROM items WHERE id = $1',
          'server.address': '127.0.0.1',
          'server.port': pg.port,
          'peer.service': 'orders-db',
        });
        const literal = await tree('/pg/literal');
        assert.equal(literal.children[0].attributes['db.query.text'], 'SELECT count(*)::int AS n FROM items WHERE name <> ? AND qty > ?');
        const tx = await tree('/pg/tx');
        assert.deepEqual(names(tx.children), ['BEGIN', 'INSERT items', 'UPDATE items', 'COMMIT']);
        assert.equal(tx.children[2].attributes['db.query.text'], 'UPDATE items SET qty = qty + ? WHERE name = $1');
        const cursor = await tree('/pg/cursor');
        assert.deepEqual(JSON.parse(cursor.response.body), [1, 2, 3, 4, 5]);
        assert.deepEqual(names(cursor.children), ['SELECT']);
        assert.equal(cursor.children[0].attributes['db.query.text'], 'SELECT generate_series(?, $1::int) AS n');
        const callback = await tree('/pg/callback?tag=one');
        assert.deepEqual(JSON.parse(callback.response.body), { tag: 'one', again: 'one' });
        assert.equal(callback.children.length, 2, 'the query sent from the callback is under the same request');
      });

      test('pg: a failing query is an ERROR span with an exception event', async () => {
        const fail = await tree('/pg/fail');
        assert.equal(fail.response.status, 500);
        const [span] = fail.children;
        assert.equal(span.name, 'SELECT no_such_table');
        assert.equal(span.status.code, ERROR);
        const event = span.events.find((e) => e.name === 'exception');
        assert.match(event.attributes['exception.message'], /relation "no_such_table" does not exist/);
      });

      test('mysql2: parameterized query, execute, transaction on a pool connection, callbacks through the pool queue', async () => {
        const { mysql } = servers;
        const param = await tree('/mysql/param?id=1');
        assert.equal(param.response.status, 200);
        assert.deepEqual(dbAttributes(param.children[0]), {
          'db.system.name': 'mysql',
          'db.namespace': 'tracekit_test',
          'db.operation.name': 'SELECT',
          'db.collection.name': 'items',
          'db.query.text': 'SELECT id, name FROM items WHERE id = ?',
          'server.address': '127.0.0.1',
          'server.port': mysql.port,
          'peer.service': 'shop-mysql',
        });
        const execute = await tree(`/mysql/execute?tag=${SECRET}`);
        assert.deepEqual(names(execute.children), ['SELECT']);
        assert.equal(execute.children[0].attributes['db.query.text'], 'SELECT ? AS tag');
        const tx = await tree('/mysql/tx');
        assert.deepEqual(names(tx.children), ['START', 'INSERT items', 'UPDATE items', 'COMMIT']);
        assert.equal(tx.children[2].attributes['db.query.text'], 'UPDATE items SET qty = qty + ? WHERE name = ?');
        const callback = await tree('/mysql/callback?tag=two');
        assert.deepEqual(JSON.parse(callback.response.body), { tag: 'two', again: 'two' });
        assert.equal(callback.children.length, 2);
      });

      test('mysql2: a failing query is an ERROR span with an exception event', async () => {
        const fail = await tree('/mysql/fail');
        assert.equal(fail.response.status, 500);
        const [span] = fail.children;
        assert.equal(span.name, 'SELECT no_such_table');
        assert.equal(span.status.code, ERROR);
        assert.match(span.events.find((e) => e.name === 'exception').attributes['exception.message'], /no_such_table/);
      });
    }

    for (const client of ['redis', 'ioredis']) {
      test(`${client}: GET/SET, pipeline, MULTI and a failing command`, async () => {
        const { redis } = servers;
        const setGet = await tree(`/${client}/set-get?tag=3`);
        assert.equal(JSON.parse(setGet.response.body).value, SECRET);
        assert.deepEqual(names(setGet.children), ['SET', 'GET']);
        assert.deepEqual(dbAttributes(setGet.children[1]), {
          'db.system.name': 'redis',
          'db.namespace': '0',
          'db.operation.name': 'GET',
          'db.query.text': 'GET',
          'server.address': '127.0.0.1',
          'server.port': redis.port,
          'peer.service': 'cache',
        });
        const pipeline = await tree(`/${client}/pipeline`);
        assert.deepEqual(names(pipeline.children), ['SET', 'GET']);
        const multi = await tree(`/${client}/multi`);
        // node-redis reports a MULTI as one batch; ioredis reports each command it sends.
        assert.deepEqual(names(multi.children), client === 'redis' ? ['MULTI'] : ['MULTI', 'SET', 'INCR', 'EXEC']);
        if (client === 'redis') assert.equal(multi.children[0].attributes['db.operation.batch.size'], 2);
        const fail = await tree(`/${client}/fail`);
        assert.equal(fail.response.status, 500);
        assert.deepEqual(names(fail.children), ['SET', 'INCR']);
        assert.equal(fail.children[1].status.code, ERROR);
        assert.match(fail.children[1].events.find((e) => e.name === 'exception').attributes['exception.message'], /not an integer/);
      });
    }

    test('ioredis Cluster: each command a span under the request, naming the node that served it', async () => {
      const { cluster } = servers;
      const seen = new Set();
      for (const tag of ['a', 'b', 'c', 'd', 'e', 'f']) {
        const setGet = await tree(`/ioredis-cluster/set-get?tag=${tag}`);
        assert.equal(JSON.parse(setGet.response.body).value, SECRET);
        assert.deepEqual(names(setGet.children), ['SET', 'GET']);
        for (const span of setGet.children) {
          assert.ok(cluster.ports.includes(span.attributes['server.port']), `a cluster node: ${span.attributes['server.port']}`);
          assert.equal(span.attributes['db.query.text'], span.name);
        }
        seen.add(setGet.children[0].attributes['server.port']);
      }
      assert.ok(seen.size > 1, 'the keys were served by more than one node');
      const pipeline = await tree('/ioredis-cluster/pipeline');
      assert.deepEqual(names(pipeline.children), ['SET', 'GET']);
      const multi = await tree('/ioredis-cluster/multi');
      assert.deepEqual(names(multi.children), ['MULTI', 'SET', 'INCR', 'EXEC']);
      const fail = await tree('/ioredis-cluster/fail');
      assert.equal(fail.children.at(-1).status.code, ERROR);
    });

    test('100 concurrent requests: every query span sits under its own request', async () => {
      const routes = variant.only === undefined ? ['pg', 'mysql'] : [];
      const perRoute = 100;
      const expected = { pg: 2, mysql: 2, redis: 2, ioredis: 2 };
      const paths = [
        ...routes.map((r) => `/${r}/callback`),
        '/redis/set-get',
        '/ioredis/set-get',
        // redis 5 and 6: a RedisClientPool of one client, for which 100 requests queue.
        ...(variant.redis === 'redis4' ? [] : ['/redis/pool']),
      ];
      for (const path of paths) {
        const driver = path.split('/')[1];
        const markers = Array.from({ length: perRoute }, (_, i) => `${driver}-${i}-${Math.random().toString(36).slice(2)}`);
        const responses = await Promise.all(markers.map((marker, i) =>
          request(`${app.url}${path}?tag=${i}`, { headers: { 'user-agent': marker } })));
        for (const [i, response] of responses.entries()) {
          assert.equal(response.status, 200, response.body);
          if (driver === 'pg' || driver === 'mysql') assert.deepEqual(JSON.parse(response.body), { tag: String(i), again: String(i) });
        }
        const wanted = new Set(markers);
        const serverSpans = await receiver.waitForSpans({ where: (s) => s.kind === SERVER && wanted.has(s.attributes['user_agent.original']), count: perRoute }, 15_000);
        const byServer = new Map(serverSpans.map((s) => [s.spanId, s]));
        const children = receiver.spans().filter((s) => s.kind === CLIENT && byServer.has(s.parentSpanId));
        for (const server of serverSpans) {
          const own = children.filter((s) => s.parentSpanId === server.spanId);
          assert.equal(own.length, expected[driver], `${path}: request ${server.attributes['user_agent.original']} has ${own.length} query spans`);
          for (const span of own) assert.equal(span.traceId, server.traceId);
        }
      }
    });

    test('no literal value in any statement, and no span for start-up queries outside a request', async () => {
      const spans = receiver.spans().filter((s) => s.attributes['db.system.name'] !== undefined);
      assert.ok(spans.length > 0);
      for (const span of spans) {
        const text = String(span.attributes['db.query.text']);
        for (const value of [SECRET, '424242', 'startup', 'no_such_table WHERE id = 5', 'user:']) {
          assert.ok(!text.includes(value), `${span.name}: ${text}`);
        }
        assert.ok(span.parentSpanId, `${span.name} has a parent`);
        assert.doesNotMatch(text, /^CREATE/, 'the start-up CREATE TABLE made no span');
      }
      assert.equal(app.stderr, '', 'no warnings');
    });
  });
}

describe('the app sees the same errors and answers as without the agent', () => {
  test('failing queries: same status, message, code and stack', async () => {
    const receiver = await startReceiver();
    const variant = VARIANTS[0];
    const routes = ['/pg/fail', '/mysql/fail', '/redis/fail', '/ioredis/fail', '/pg/param?id=1', '/mysql/param?id=1'];
    const answers = async (env, preload) => {
      const app = await startApp(variant.fixture, { env, preload });
      try {
        const list = [];
        for (const path of routes) list.push(await request(`${app.url}${path}`));
        return list.map(({ status, body }) => ({ status, body: JSON.parse(body) }));
      } finally {
        await stopApp(app);
      }
    };
    try {
      const plain = await answers(cleanEnv(fixtureEnv(variant)), false);
      const traced = await answers(agentEnv(receiver, fixtureEnv(variant)), true);
      // The stack up to Express's router: the driver's and the app's frames. Below that the Express row's own
      // wrapper adds frames, and V8's 10-frame limit then cuts the tail differently.
      const driverFrames = (answer) => {
        if (typeof answer.body.stack !== 'string') return answer;
        const lines = answer.body.stack.split('\n');
        const cut = lines.findIndex((line) => /node_modules\/router\/|dist\/guard\.cjs/.test(line));
        return { ...answer, body: { ...answer.body, stack: (cut === -1 ? lines : lines.slice(0, cut)).join('\n') } };
      };
      assert.deepEqual(traced.map(driverFrames), plain.map(driverFrames));
      assert.ok(plain.every((answer) => !String(answer.body.stack).includes('guard.cjs')));
      assert.equal(traced[0].status, 500);
    } finally {
      await receiver.close();
    }
  });
});
