// What mysql2's tracing channels carry, and in which async context they fire (callback, promise, execute, pool with
// a queue). Run: node bench/db-research/channels-mysql2.mjs   (BIND=1: with the context restored on asyncStart)
import { startMariadb } from '../../test/helpers/db-servers.mjs';
import { als, expectContext, restoreContextOnAsyncStart, step, watchTracing, workspace } from './watch-channels.mjs';

const req = workspace('mysql2-3');
console.log(`mysql2 ${req('mysql2/package.json').version} on Node ${process.version}`);
const mysql = req('mysql2');
const CHANNELS = ['mysql2:query', 'mysql2:execute', 'mysql2:connect', 'mysql2:pool:connect'];
// BIND=1: restore the caller's context in callbacks through asyncStart.bindStore, as an agent would.
if (process.env.BIND === '1') for (const name of CHANNELS) restoreContextOnAsyncStart(name);
for (const name of CHANNELS) watchTracing(name);

const db = await startMariadb();
const options = { host: db.host, port: db.port, user: db.user, password: db.password, database: db.database };
try {
  let conn;
  await step('connect', () => new Promise((resolve, reject) => {
    conn = mysql.createConnection(options);
    conn.once('connect', resolve).once('error', reject);
  }));
  await step('query-callback-values', () => new Promise((resolve, reject) => {
    conn.query('SELECT ? AS a, ? AS b', [42, 'secret'], (error) => {
      expectContext('query-callback-values', 'in callback');
      error ? reject(error) : resolve();
    });
  }));
  await step('query-promise', async () => {
    await conn.promise().query("SELECT 'literal' AS s WHERE 1 = ?", [1]);
    expectContext('query-promise', 'after await');
  });
  await step('execute-promise', async () => {
    await conn.promise().execute('SELECT ? AS a', [7]);
    expectContext('execute-promise', 'after await');
  });
  await step('query-error', async () => {
    await conn.promise().query('SELECT * FROM no_such_table WHERE id = ?', [5]);
  });
  await step('query-stream (no callback)', () => new Promise((resolve) => {
    conn.query('SELECT 1 AS one').on('end', resolve);
  }));
  conn.end();

  // One connection, three callers: two wait in the pool's queue.
  const pool = mysql.createPool({ ...options, connectionLimit: 1 });
  console.log('-- pool with connectionLimit 1, three concurrent callers (callback API)');
  await Promise.all(['pool-A', 'pool-B', 'pool-C'].map((id) => als.run({ id }, () => new Promise((resolve, reject) => {
    pool.query('SELECT SLEEP(0.05) AS s, ? AS id', [id], (error) => {
      expectContext(id, 'in pool.query callback');
      error ? reject(error) : resolve();
    });
  }))));
  console.log('-- pool with connectionLimit 1, three concurrent callers (promise API)');
  await Promise.all(['ppool-A', 'ppool-B', 'ppool-C'].map((id) => als.run({ id }, async () => {
    await pool.promise().query('SELECT SLEEP(0.05) AS s, ? AS id', [id]);
    expectContext(id, 'after await pool.query');
  })));
  console.log('-- pool.getConnection + query (checkout)');
  await als.run({ id: 'checkout' }, () => new Promise((resolve, reject) => pool.getConnection((error, c) => {
    if (error) return reject(error);
    expectContext('checkout', 'in getConnection callback');
    c.query('SELECT 1', () => { c.release(); resolve(); });
  })));
  await pool.promise().end();
} finally {
  await db.stop();
}
