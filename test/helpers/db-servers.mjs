// Real database servers for the tests, from Debian's packages (scripts/ensure-test-services.mjs installs them):
// each start gets its own server on 127.0.0.1, a random free port and a throwaway data directory under the OS temp
// dir (a copy of an initialised template, see data-templates.mjs), and resolves once a connection gets a real
// protocol answer. It resolves with
// { kind, host, port, user, password, database, url, dir, stop() }; stop() kills the server and removes dir.
// A server that cannot start rejects with the reason and the server's output: the test fails, it never skips.
//
//   const pg = await startPostgres();
//   after(() => pg.stop());
import { writeFileSync, chownSync, rmSync } from 'node:fs';
import path from 'node:path';
import { mariadbInstallDbBinary, mariadbdBinary, postgresBinDir, redisServerBinary } from '../../scripts/ensure-test-services.mjs';
import { copyData, dataTemplate } from './data-templates.mjs';
import { freePort, makeTempDir, runToEnd, startServer, systemAccount, tcpProbe } from './server-process.mjs';

const HOST = '127.0.0.1';
const USER = 'tracekit';
const PASSWORD = 'tracekit-test-pw';
const DATABASE = 'tracekit_test';
const INSTALL_HINT = 'run `node scripts/ensure-test-services.mjs` as root (npm test does it in pretest)';

/** PostgreSQL answers a StartupMessage with 'R' (authentication request) once it accepts connections. */
function postgresProbe(port) {
  const params = Buffer.from(`user\0${USER}\0database\0postgres\0\0`);
  const message = Buffer.alloc(8 + params.length);
  message.writeInt32BE(message.length, 0);
  message.writeInt32BE(196608, 4); // protocol 3.0
  params.copy(message, 8);
  return tcpProbe(port, message, (bytes) => bytes[0] === 0x52);
}

/** MariaDB greets first: a packet whose payload starts with protocol version 10 (0xff would be an error). */
const mariadbProbe = (port) => tcpProbe(port, undefined, (bytes) => (bytes.length < 5 ? undefined : bytes[4] === 10));

/** Redis answers PING with +PONG once loaded (-LOADING before). */
const redisProbe = (port) => tcpProbe(port, 'PING\r\n', (bytes) => (bytes.length < 5 ? undefined : bytes.toString('latin1', 0, 5) === '+PONG'));

/** A lost race for the free port shows as "address already in use": try again on another port. */
async function onFreePort(start) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start(await freePort());
    } catch (error) {
      if (attempt >= 3 || !/already in use/i.test(error.message)) throw error;
    }
  }
}

/** Servers that refuse to run as root (postgres) run as their Debian system account when we are root. */
function accountFor(name, what) {
  if (process.getuid?.() !== 0) return undefined;
  const account = systemAccount(name);
  if (!account) throw new Error(`${what}: running as root needs the '${name}' system account, which is missing; ${INSTALL_HINT}`);
  return account;
}

/** Removes `dir` when `fn` throws (a server that failed to start leaves its directory to us). */
async function cleanupOnFailure(dir, fn) {
  try {
    return await fn();
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

export async function startPostgres() {
  const bin = postgresBinDir();
  if (!bin) throw new Error(`PostgreSQL is not installed (no /usr/lib/postgresql/<version>/bin/postgres); ${INSTALL_HINT}`);
  const account = accountFor('postgres', 'PostgreSQL');
  const template = await dataTemplate('pg', path.join(bin, 'postgres'), [INITDB_ARGS, PASSWORD, CREATE_DATABASE],
    account, (data, work) => initPostgres(bin, account, data, work));
  const dir = makeTempDir('pg', account);
  const data = path.join(dir, 'data');
  return cleanupOnFailure(dir, async () => {
    await copyData('PostgreSQL', template, data);
    return onFreePort(async (port) => {
      // Throwaway data: durability off makes start, queries and stop faster. The socket lives in the test's own
      // directory so nothing needs /var/run/postgresql.
      const server = await startServer('PostgreSQL', path.join(bin, 'postgres'), ['-D', data, '-p', String(port),
        '-c', `listen_addresses=${HOST}`, '-k', dir, '-c', 'fsync=off', '-c', 'synchronous_commit=off',
        '-c', 'full_page_writes=off'], { dir, account, probe: () => postgresProbe(port), stopSignal: 'SIGINT' });
      return {
        kind: 'postgres', host: HOST, port, user: USER, password: PASSWORD, database: DATABASE,
        url: `postgres://${USER}:${PASSWORD}@${HOST}:${port}/${DATABASE}`, dir, stop: server.stop,
      };
    });
  });
}

// The test user is the superuser, with a password over TCP (as an app connects) and trust on the local socket.
const INITDB_ARGS = ['-U', USER, '--auth-host=scram-sha-256', '--auth-local=trust', '-E', 'UTF8', '--locale=C', '--no-sync',
  '--wal-segsize=1']; // 1 MB WAL segments instead of 16: a third less to copy per start
const CREATE_DATABASE = `CREATE DATABASE ${DATABASE};\n`;

/** initdb, then the test database in single-user mode (no server, no port needed). */
async function initPostgres(bin, account, data, work) {
  const pwfile = path.join(work, 'pw');
  writeFileSync(pwfile, PASSWORD);
  if (account) chownSync(pwfile, account.uid, account.gid);
  await runToEnd('PostgreSQL', path.join(bin, 'initdb'), ['-D', data, `--pwfile=${pwfile}`, ...INITDB_ARGS], { account, cwd: work });
  rmSync(pwfile);
  await runToEnd('PostgreSQL', path.join(bin, 'postgres'), ['--single', '-D', data, 'postgres'],
    { account, cwd: work, input: CREATE_DATABASE });
}

export async function startMariadb() {
  const mariadbd = mariadbdBinary();
  const installDb = mariadbInstallDbBinary();
  if (!mariadbd || !installDb) throw new Error(`MariaDB is not installed (no mariadbd / mariadb-install-db); ${INSTALL_HINT}`);
  const account = accountFor('mysql', 'MariaDB');
  const template = await dataTemplate('mariadb', mariadbd, [INSTALL_DB_ARGS, MARIADB_INIT_SQL], account,
    (data, work) => initMariadb(installDb, account, data, work));
  const dir = makeTempDir('mariadb', account);
  const data = path.join(dir, 'data');
  await cleanupOnFailure(dir, () => copyData('MariaDB', template, data));
  return cleanupOnFailure(dir, () => onFreePort(async (port) => {
    const server = await startServer('MariaDB', mariadbd, ['--no-defaults', `--datadir=${data}`, `--port=${port}`,
      `--bind-address=${HOST}`, `--socket=${path.join(dir, 'mariadb.sock')}`, `--pid-file=${path.join(dir, 'mariadb.pid')}`,
      `--tmpdir=${dir}`, '--skip-name-resolve', '--innodb-buffer-pool-size=32M', '--innodb-log-file-size=8M',
      '--innodb-flush-log-at-trx-commit=0', '--skip-innodb-doublewrite', '--max-connections=300'],
    { dir, account, probe: () => mariadbProbe(port) });
    return {
      kind: 'mariadb', host: HOST, port, user: USER, password: PASSWORD, database: DATABASE,
      url: `mysql://${USER}:${PASSWORD}@${HOST}:${port}/${DATABASE}`, dir, stop: server.stop,
    };
  }));
}

const INSTALL_DB_ARGS = ['--auth-root-authentication-method=normal', '--skip-test-db', '--skip-name-resolve',
  '--innodb-log-file-size=8M'];
// The test user may connect over TCP from loopback only, as an app would. Bootstrap mode starts without grant
// tables; FLUSH PRIVILEGES loads them so that CREATE USER works.
const MARIADB_INIT_SQL = `FLUSH PRIVILEGES;
CREATE DATABASE ${DATABASE};
CREATE USER '${USER}'@'${HOST}' IDENTIFIED BY '${PASSWORD}';
GRANT ALL ON ${DATABASE}.* TO '${USER}'@'${HOST}';
`;

/** mariadb-install-db, plus the test database and user. */
async function initMariadb(installDb, account, data, work) {
  const initSql = path.join(work, 'init.sql');
  writeFileSync(initSql, MARIADB_INIT_SQL);
  await runToEnd('MariaDB', installDb, ['--no-defaults', `--datadir=${data}`, `--extra-file=${initSql}`, ...INSTALL_DB_ARGS],
    { account, cwd: work });
  rmSync(initSql);
}

export async function startRedis() {
  const redisServer = redisServerBinary();
  if (!redisServer) throw new Error(`Redis is not installed (no redis-server); ${INSTALL_HINT}`);
  const dir = makeTempDir('redis');
  return cleanupOnFailure(dir, () => onFreePort(async (port) => {
    // No persistence at all: nothing is written to dir, and stop never waits for a save.
    const server = await startServer('Redis', redisServer, ['--port', String(port), '--bind', HOST, '--save', '',
      '--appendonly', 'no', '--dir', dir, '--daemonize', 'no', '--protected-mode', 'no'],
    { dir, probe: () => redisProbe(port) });
    return {
      kind: 'redis', host: HOST, port, user: undefined, password: undefined, database: 0,
      url: `redis://${HOST}:${port}`, dir, stop: server.stop,
    };
  }));
}
