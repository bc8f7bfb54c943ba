// Bundles agent/ into dist/ with esbuild: one file to load at start-up instead of hundreds of small modules.
// Externals stay as packages: @opentelemetry/api must be the one copy the app shares (its globals are
// version-checked), and import-in-the-middle / require-in-the-middle must not exist twice in a process.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20.6',
  external: ['@opentelemetry/api', 'import-in-the-middle', 'require-in-the-middle'],
  define: { __TRACEKIT_AGENT_VERSION__: JSON.stringify(pkg.version) },
  minifySyntax: true,
  sourcemap: 'linked',
  logLevel: 'warning',
  legalComments: 'none',
  // OpenTelemetry packages ship ESM builds; prefer them so tree-shaking drops what we do not use.
  mainFields: ['module', 'main'],
};

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
await build({ ...common, entryPoints: ['agent/register.ts'], outfile: 'dist/agent.cjs', format: 'cjs' });
