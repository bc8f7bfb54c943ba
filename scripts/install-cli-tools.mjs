// Installs the package managers the guardrail tests run for real (yarn 1 and pnpm 9; npm, npx and corepack come with
// Node) into the same per-user cache as the extra Node.js versions, once. Their install scripts are skipped on
// purpose: yarn's only silences a warning and pnpm has none; the tests run their CLI entry files directly.
// Called by `npm test` (pretest).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { cacheDir } from './install-node-versions.mjs';

export const TOOLS = { yarn: '1.22.22', pnpm: '9.8.0' };

export function toolsDir() {
  return path.join(cacheDir(), 'cli-tools');
}

/** The entry file each tool's own bin link points at. */
export function toolEntry(name) {
  const files = { yarn: 'yarn/bin/yarn.js', pnpm: 'pnpm/bin/pnpm.cjs' };
  return path.join(toolsDir(), 'node_modules', files[name]);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const missing = Object.keys(TOOLS).filter((name) => !existsSync(toolEntry(name)));
  if (missing.length > 0) {
    console.log(`installing ${missing.join(', ')} into ${toolsDir()} (once; later runs reuse it) …`);
    execFileSync('npm', ['install', '--prefix', toolsDir(), '--no-save', '--no-package-lock', '--ignore-scripts',
      '--no-audit', '--no-fund', '--loglevel=error', ...missing.map((name) => `${name}@${TOOLS[name]}`)], { stdio: 'inherit' });
  }
}
