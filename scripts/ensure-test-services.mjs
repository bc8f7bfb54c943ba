// Installs the database servers the integration tests start (PostgreSQL, Redis, MariaDB) from Debian's packages when
// any of them is missing. Called by `npm test` (pretest). Quiet when everything is already there.
//
// The tests never use the system services: each test starts its own server on a random loopback port with a
// throwaway data directory (test/helpers/db-servers.mjs). So the packages are installed with service start-up
// forbidden (policy-rc.d answering 101, Debian's documented switch for that), and any service that runs anyway is
// stopped, so that nothing is left running on the default ports after the install.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const PACKAGES = ['postgresql', 'redis-server', 'mariadb-server'];
const APT_LOCK = ['-o', 'DPkg::Lock::Timeout=900'];
const POLICY_RC = '/usr/sbin/policy-rc.d';
const SERVICES = ['postgresql', 'redis-server', 'mariadb'];

/** The directory holding initdb and postgres for the newest PostgreSQL installed, or undefined. */
export function postgresBinDir() {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
  for (const version of versions) {
    const dir = path.join(root, version, 'bin');
    if (existsSync(path.join(dir, 'initdb')) && existsSync(path.join(dir, 'postgres'))) return dir;
  }
  return undefined;
}

/** First existing path among candidates, or undefined. */
export function findBinary(...candidates) {
  return candidates.find((candidate) => existsSync(candidate));
}

export const redisServerBinary = () => findBinary('/usr/bin/redis-server', '/usr/local/bin/redis-server');
export const mariadbdBinary = () => findBinary('/usr/sbin/mariadbd', '/usr/bin/mariadbd', '/usr/sbin/mysqld');
export const mariadbInstallDbBinary = () => findBinary('/usr/bin/mariadb-install-db', '/usr/bin/mysql_install_db');

/** Debian package name → whether its server binaries are present. */
function missingPackages() {
  const present = {
    postgresql: postgresBinDir() !== undefined,
    'redis-server': redisServerBinary() !== undefined,
    'mariadb-server': mariadbdBinary() !== undefined && mariadbInstallDbBinary() !== undefined,
  };
  return PACKAGES.filter((name) => !present[name]);
}

function fail(message) {
  console.error(`ensure-test-services: ${message}`);
  process.exit(1);
}

function apt(args) {
  execFileSync('apt-get', [...APT_LOCK, ...args], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

/** Stops whatever the packages' maintainer scripts managed to start despite policy-rc.d (e.g. under systemd). */
function stopSystemServices() {
  const systemd = existsSync('/run/systemd/system');
  for (const service of SERVICES) {
    if (systemd) {
      spawnSync('systemctl', ['disable', '--now', service], { stdio: 'ignore' });
    } else if (existsSync(`/etc/init.d/${service}`)) {
      spawnSync(`/etc/init.d/${service}`, ['stop'], { stdio: 'ignore' });
    }
  }
}

function install(missing) {
  if (process.platform !== 'linux' || !existsSync('/usr/bin/apt-get')) {
    fail(`${missing.join(', ')} missing and this is not a Debian-like system with apt-get; install them by hand.`);
  }
  if (process.getuid?.() !== 0) {
    fail(`${missing.join(', ')} missing; run as root (or: sudo apt-get install -y ${missing.join(' ')}).`);
  }
  console.log(`ensure-test-services: installing ${missing.join(', ')} from Debian's packages (once) …`);
  // Only a policy file we wrote ourselves is removed afterwards; an image may ship its own on purpose.
  const ownPolicy = !existsSync(POLICY_RC);
  if (ownPolicy) writeFileSync(POLICY_RC, '#!/bin/sh\n# written by ensure-test-services for the install\nexit 101\n', { mode: 0o755 });
  try {
    apt(['update', '-qq']);
    apt(['install', '-y', '-qq', '--no-install-recommends', ...missing]);
  } finally {
    if (ownPolicy) rmSync(POLICY_RC, { force: true });
    stopSystemServices();
  }
  const stillMissing = missingPackages();
  if (stillMissing.length > 0) fail(`installed, but the server binaries of ${stillMissing.join(', ')} are still not found.`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const missing = missingPackages();
  if (missing.length > 0) install(missing);
}
