// The packaging test installs the packed tarball into a fresh app with `npm install --offline`, as a user's
// machine without a registry would. `npm ci` leaves only the locked tarballs in the npm cache, not the package
// documents that resolving `dotenv@^18` needs, nor the newer versions a fresh resolution picks. So, once, the same
// dependencies are installed online into a scratch app, which fills the cache with exactly what a fresh install
// resolves; a cache that already answers offline is left alone.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));

/** `npm install` of the agent's runtime dependencies into a scratch app; true when it succeeded. */
function installs(mode) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tracekit-npm-cache-'));
  try {
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'cache-check', version: '0.0.0', private: true,
      dependencies: pkg.dependencies }));
    return spawnSync('npm', ['install', mode, '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'],
      { cwd: dir, stdio: mode === '--offline' ? 'ignore' : 'inherit' }).status === 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (installs('--offline')) {
  console.log('npm cache: the runtime dependencies install offline');
} else {
  console.log('npm cache: fetching the runtime dependencies once, for the offline install of the packaging test');
  if (!installs('--prefer-online') || !installs('--offline')) {
    // Not fatal for the rest of the suite: the packaging test fails on its own, with npm's message.
    console.error('npm cache: the runtime dependencies still do not install offline; the packaging test will fail');
  }
}
