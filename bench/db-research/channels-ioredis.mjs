// What ioredis's tracing channels carry (5.11+ and 6), and in which async context they fire: commands sent before
// the connection is ready (offline queue), plain commands, pipelines, MULTI, errors.
// Run: node bench/db-research/channels-ioredis.mjs ioredis5|ioredis6
import { startRedis } from '../../test/helpers/db-servers.mjs';
import { als, expectContext, step, watchTracing, workspace } from './watch-channels.mjs';

const app = process.argv[2] ?? 'ioredis5';
const req = workspace(app);
console.log(`ioredis ${req('ioredis/package.json').version} on Node ${process.version}`);
const ioredis = req('ioredis');
const Redis = ioredis.default ?? ioredis;
for (const name of ['ioredis:command', 'ioredis:batch', 'ioredis:connect']) watchTracing(name);

const db = await startRedis();
try {
  let client;
  await step('construct (auto-connect) + offline-queue GET', async () => {
    client = new Redis({ host: db.host, port: db.port });
    await client.get('queued-before-ready');
    expectContext('construct (auto-connect) + offline-queue GET', 'after await');
  });
  await step('set-get', async () => {
    await client.set('user:1', 'secret-value', 'EX', 60);
    await client.get('user:1');
    expectContext('set-get', 'after await');
  });
  await step('callback', () => new Promise((resolve) => client.get('user:1', () => {
    expectContext('callback', 'in callback');
    resolve();
  })));
  await step('pipeline', async () => {
    await client.pipeline().set('b', 'secret').get('b').exec();
    expectContext('pipeline', 'after await');
  });
  await step('multi', async () => {
    await client.multi().set('a', '1').incr('a').exec();
    expectContext('multi', 'after await');
  });
  await step('error', () => client.incr('user:1'));
  await step('select-db', async () => { await client.select(2); await client.get('x'); });
  await client.quit();

  // An app creates its client at start-up; a request may send a command before the connection is ready.
  console.log('-- client created in ctx=startup, GET sent at once from ctx=request (offline queue)');
  const late = als.run({ id: 'startup' }, () => new Redis({ host: db.host, port: db.port, enableReadyCheck: false }));
  await als.run({ id: 'request' }, async () => {
    await late.get('sent-before-ready');
    expectContext('request', 'after await');
  });
  await late.quit();
} finally {
  await db.stop();
}
