// What @redis/client's tracing channels carry (redis 5 and 6), and in which async context they fire: plain commands,
// MULTI, pipelines, errors, a client pool with a queue. Run: node bench/db-research/channels-redis.mjs redis5|redis6
import { startRedis } from '../../test/helpers/db-servers.mjs';
import { als, expectContext, step, watchPoint, watchTracing, workspace } from './watch-channels.mjs';

const app = process.argv[2] ?? 'redis5';
const req = workspace(app);
console.log(`redis ${req('redis/package.json').version} (@redis/client ${req('@redis/client/package.json').version}) on Node ${process.version}`);
const { createClient, createClientPool } = req('redis');
for (const name of ['node-redis:command', 'node-redis:batch', 'node-redis:connect']) watchTracing(name);
for (const name of ['node-redis:connection:ready', 'node-redis:connection:closed', 'node-redis:error', 'node-redis:pool:connection-wait']) watchPoint(name);

const db = await startRedis();
try {
  const client = createClient({ url: db.url });
  client.on('error', () => {});
  await step('connect', () => client.connect());
  await step('set-get', async () => {
    await client.set('user:1', 'secret-value');
    await client.get('user:1');
    expectContext('set-get', 'after await');
  });
  await step('hset', () => client.hSet('h', 'field', 'secret'));
  await step('multi', async () => {
    await client.multi().set('a', '1').incr('a').exec();
    expectContext('multi', 'after await');
  });
  await step('pipeline', async () => {
    await client.multi().set('b', 'secret').get('b').execAsPipeline();
    expectContext('pipeline', 'after await');
  });
  await step('error', () => client.incr('user:1'));
  await step('select-db', () => client.select(3));
  await step('after-select-db', () => client.get('x'));
  await (client.close ? client.close() : client.quit());

  if (createClientPool) {
    const pool = createClientPool({ url: db.url }, { maximum: 1 });
    pool.on('error', () => {});
    await pool.connect();
    console.log('-- client pool maximum 1, three concurrent callers');
    await Promise.all(['pool-A', 'pool-B', 'pool-C'].map((id) => als.run({ id }, async () => {
      await pool.blPop(`nothing-${id}`, 0.05);
      expectContext(id, 'after await');
    })));
    await pool.close();
  }
} finally {
  await db.stop();
}
