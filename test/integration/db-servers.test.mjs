// The database servers the driver tests run against: each starts from Debian's packages on a random loopback port,
// answers every driver workspace (each resolving its own major), and is gone after stop(), port and data dir alike.
// Start and stop durations are printed as diagnostics, not asserted.
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import { describe, test } from 'node:test';
import { startMariadb, startPostgres, startRedis } from '../helpers/db-servers.mjs';
import { makeTempDir, startServer } from '../helpers/server-process.mjs';

/** `require` as seen from a driver workspace, so each gets its own major even when another one is hoisted. */
const workspace = (name) => createRequire(new URL(`../apps/${name}/package.json`, import.meta.url));

const refusesConnections = (port) => new Promise((resolve) => {
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.on('connect', () => { socket.destroy(); resolve(false); });
  socket.on('error', () => resolve(true));
});

/** Starts a server, runs `use` against it, stops it (also when `use` throws) and checks nothing is left behind. */
async function withServer(t, start, use) {
  const startedAt = performance.now();
  const server = await start();
  const startMs = performance.now() - startedAt;
  try {
    await use(server);
  } finally {
    const stoppedAt = performance.now();
    await server.stop();
    t.diagnostic(`${server.kind}: start ${startMs.toFixed(0)} ms, stop ${(performance.now() - stoppedAt).toFixed(0)} ms`);
  }
  assert.equal(existsSync(server.dir), false, 'data dir removed');
  assert.equal(await refusesConnections(server.port), true, 'port closed');
}

describe('test database servers', { concurrency: true }, () => {
  test('PostgreSQL answers pg 8 (client, pool, cursor)', (t) => withServer(t, startPostgres, async (db) => {
    const pg = workspace('pg8')('pg');
    const Cursor = workspace('pg8')('pg-cursor');
    assert.match(workspace('pg8')('pg/package.json').version, /^8\./);
    const client = new pg.Client({ host: db.host, port: db.port, user: db.user, password: db.password, database: db.database });
    client.on('error', () => {}); // errors also reject the query awaited below; an unheard one would mask the first
    await client.connect();
    try {
      const { rows } = await client.query('SELECT $1::int + 1 AS n, current_database() AS db', [41]);
      assert.deepEqual(rows, [{ n: 42, db: db.database }]);
      const cursor = client.query(new Cursor('SELECT generate_series(1, 3) AS n'));
      assert.deepEqual((await cursor.read(10)).map((row) => row.n), [1, 2, 3]);
      await cursor.close();
    } finally {
      await client.end();
    }
    const pool = new pg.Pool({ connectionString: db.url, max: 2 });
    pool.on('error', () => {});
    try {
      assert.equal((await pool.query('SELECT 1 AS one')).rows[0].one, 1);
    } finally {
      await pool.end();
    }
  }));

  test('MariaDB answers mysql2 3 (connection and pool)', (t) => withServer(t, startMariadb, async (db) => {
    const mysql = workspace('mysql2-3')('mysql2/promise');
    assert.match(workspace('mysql2-3')('mysql2/package.json').version, /^3\./);
    const options = { host: db.host, port: db.port, user: db.user, password: db.password, database: db.database };
    const connection = await mysql.createConnection(options);
    try {
      const [rows] = await connection.query('SELECT ? + 1 AS n, DATABASE() AS db', [41]);
      assert.deepEqual(rows.map((row) => ({ ...row })), [{ n: 42, db: db.database }]);
      const [executed] = await connection.execute('SELECT ? AS s', ['x']);
      assert.equal(executed[0].s, 'x');
    } finally {
      await connection.end();
    }
    const pool = mysql.createPool({ ...options, connectionLimit: 2 });
    try {
      const [rows] = await pool.query('SELECT 1 AS one');
      assert.equal(rows[0].one, 1);
    } finally {
      await pool.end();
    }
  }));

  test('Redis answers redis 4, 5, 6 and ioredis 5, 6', (t) => withServer(t, startRedis, async (db) => {
    for (const [name, major] of [['redis4', 4], ['redis5', 5], ['redis6', 6]]) {
      assert.equal(workspace(name)('redis/package.json').version.split('.')[0], String(major));
      const client = workspace(name)('redis').createClient({ url: db.url });
      client.on('error', () => {}); // errors also reject the command awaited below
      await client.connect();
      try {
        await client.set(`key-${name}`, `value-${major}`);
        assert.equal(await client.get(`key-${name}`), `value-${major}`);
      } finally {
        await (typeof client.close === 'function' ? client.close() : client.quit());
      }
    }
    for (const [name, major] of [['ioredis5', 5], ['ioredis6', 6]]) {
      assert.equal(workspace(name)('ioredis/package.json').version.split('.')[0], String(major));
      const Redis = workspace(name)('ioredis');
      const client = new (Redis.default ?? Redis)({ host: db.host, port: db.port, maxRetriesPerRequest: 1 });
      try {
        await client.set(`key-${name}`, `value-${major}`);
        assert.equal(await client.get(`key-${name}`), `value-${major}`);
      } finally {
        await client.quit();
      }
    }
  }));

  test('a server that cannot start fails with its reason and output', async () => {
    const probe = async () => false;
    const dir = makeTempDir('fake');
    try {
      await assert.rejects(startServer('Fake', '/bin/sh', ['-c', 'echo boom >&2; exit 3'], { dir, probe }),
        /Fake did not start \(exit 3\)[\s\S]*boom/);
      await assert.rejects(startServer('Fake', '/nonexistent/server', [], { dir, probe }),
        /Fake did not start \(cannot run \/nonexistent\/server/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
