// The guard around the database rows, tested as a user would meet a failure: the app makes the agent's code for
// one row throw (test/fixtures/hostile/database-app.cjs). Then exactly one warning names the row, the row is off
// (no more spans for its driver), and every answer is the one the same app gives without the agent.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startMariadb, startPostgres, startRedis } from '../helpers/db-servers.mjs';
import { startReceiver } from '../helpers/receiver.mjs';
import { agentEnv, cleanEnv, startApp, stopApp } from '../helpers/app.mjs';
import { rawResponse } from '../helpers/raw-response.mjs';

const FIXTURE = 'test/fixtures/hostile/database-app.cjs';
const CASES = [
  { name: 'pg', system: 'postgresql', routes: ['/pg/param?id=1', '/pg/tx', '/pg/callback?tag=a', '/pg/cursor'] },
  { name: 'mysql2', system: 'mysql', routes: ['/mysql/param?id=1', '/mysql/execute?tag=b', '/mysql/callback?tag=c'] },
  { name: 'redis', system: 'redis', routes: ['/redis/set-get?tag=d', '/redis/pipeline'] },
  { name: 'ioredis', system: 'redis', routes: ['/ioredis/set-get?tag=e', '/ioredis/multi'] },
];

let servers;
before(async () => {
  const [pg, mysql, redis] = await Promise.all([startPostgres(), startMariadb(), startRedis()]);
  servers = { pg, mysql, redis };
});
after(async () => {
  await Promise.all(Object.values(servers ?? {}).map((server) => server.stop()));
});

/** Runs the fixture with or without the agent: /trigger first, then `routes`, raw answers. */
async function answers(c, receiver) {
  const { pg, mysql, redis } = servers;
  const extra = { HOSTILE: c.name, PG_URL: pg.url, MYSQL_URL: mysql.url, REDIS_URL: redis.url, REDIS_APP: 'redis5', IOREDIS_APP: 'ioredis5' };
  const app = await startApp(FIXTURE, receiver === undefined ? { env: cleanEnv(extra), preload: false } : { env: agentEnv(receiver, extra) });
  try {
    const trigger = await rawResponse(`${app.url}/trigger`);
    const list = [];
    for (const route of c.routes) list.push(await rawResponse(`${app.url}${route}`));
    return { app, trigger, list };
  } finally {
    await stopApp(app);
  }
}

for (const c of CASES) {
  describe(`${c.name}: a throwing subscriber or wrapper`, () => {
    let receiver;
    before(async () => { receiver = await startReceiver(); });
    after(async () => { await receiver?.close(); });

    test('one warning, the instrumentation off, and the app\'s answers unchanged', async () => {
      const plain = await answers(c);
      const traced = await answers(c, receiver);
      assert.equal(traced.trigger, plain.trigger);
      assert.deepEqual(traced.list, plain.list, 'every answer byte for byte as without the agent');
      const warnings = traced.app.stderr.split('\n').filter((line) => /\[tracekit\] warning:/.test(line));
      assert.equal(warnings.length, 1, `exactly one warning:\n${traced.app.stderr}`);
      assert.match(warnings[0], new RegExp(`the ${c.name} instrumentation failed and is now off \\(hostile [a-z ]+\\); the app is unaffected`));
      // Deduplicated: a batch in flight at exit may be delivered twice (at-least-once).
      const spans = [...new Map(receiver.spans().map((s) => [s.spanId, s])).values()];
      assert.equal(spans.filter((s) => s.kind === 2).length, 1 + c.routes.length, `the SERVER spans go on: ${JSON.stringify(spans.map((s) => [s.kind, s.name]))}`);
      const dbSpans = spans.filter((s) => s.attributes['db.system.name'] === c.system);
      assert.deepEqual(dbSpans.map((s) => s.name), [], `${c.name} is off afterwards`);
    });
  });
}
