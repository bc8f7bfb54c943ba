// Test set-up: the browser tests of the Local UI drive Debian's chromium package through playwright-core.
// Installs it when it is missing and this runs as root (CI); otherwise says how, and the browser tests fail
// with the same message rather than being skipped.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const CHROMIUM = '/usr/bin/chromium';
const APT = ['-o', 'DPkg::Lock::Timeout=900'];

if (existsSync(CHROMIUM)) process.exit(0);
if (process.platform !== 'linux' || !existsSync('/usr/bin/apt-get')) {
  console.warn(`install-chromium: ${CHROMIUM} is missing and this is not a Debian-like system; the Local UI browser tests will fail`);
  process.exit(0);
}
if (process.getuid?.() !== 0) {
  console.warn(`install-chromium: ${CHROMIUM} is missing; install it with: sudo apt-get install -y chromium`);
  process.exit(0);
}
console.log('install-chromium: installing Debian chromium for the Local UI browser tests');
const run = (args) => execFileSync('apt-get', [...APT, ...args], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
try {
  run(['install', '-y', '--no-install-recommends', 'chromium']);
} catch {
  // The package lists may be missing or stale on a fresh machine.
  run(['update']);
  run(['install', '-y', '--no-install-recommends', 'chromium']);
}
