// Everything `npm test` needs on a fresh machine, installed once (each step is a no-op when already done):
//   - PostgreSQL, Redis and MariaDB from Debian's packages (their system services are not started);
//   - the extra Node.js majors (22, 24, 26) into the per-user cache;
//   - the test apps that need a newer Node.js than 20, installed with it (outside the root's workspaces);
//   - the package-manager CLIs the guardrail tests run (yarn, pnpm), into the same cache;
//   - Debian's chromium for the Local UI's browser tests;
//   - the NestJS fixtures, compiled from TypeScript as Nest apps ship (when that script exists);
//   - the npm cache entries the packaging test's offline install of the tarball needs.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const scripts = fileURLToPath(new URL('.', import.meta.url));
for (const step of ['ensure-test-services.mjs', 'install-node-versions.mjs', 'install-newer-node-apps.mjs', 'install-cli-tools.mjs', 'install-chromium.mjs', 'build-nest-fixtures.mjs', 'prime-npm-cache.mjs']) {
  const file = `${scripts}${step}`;
  if (existsSync(file)) execFileSync(process.execPath, [file], { stdio: 'inherit' });
}
