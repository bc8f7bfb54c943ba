// Bundles agent/ into dist/ with esbuild: one minified file to load at start-up instead of hundreds of small
// modules (each costs ~0.4 ms to resolve and compile on the benchmark machine). @opentelemetry/api is bundled too, with
// the app's own copy preferred when it is newer (scripts/shims/otel-api.cjs); import-in-the-middle must not exist
// twice in a process and stays external.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { buildLocalUiPage } from './build-local-ui-page.mjs';
import { buildAgentWithChunks } from './build-chunks.mjs';

const require = createRequire(import.meta.url);

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20.6',
  // require-in-the-middle is bundled (several copies can chain on Module.prototype.require, as OpenTelemetry's own
  // instrumentations already do), with its `debug` dependency replaced by a no-op: ~10 ms less start-up.
  // @opentelemetry/api goes through scripts/shims/otel-api.cjs: the bundled copy, or the app's own when newer.
  external: ['import-in-the-middle'],
  alias: { debug: './scripts/shims/debug.cjs', '@opentelemetry/api': './scripts/shims/otel-api.cjs' },
  minify: true,
  define: { __TRACEKIT_AGENT_VERSION__: JSON.stringify(pkg.version) },
  sourcemap: 'linked',
  // Maps name files and lines for --enable-source-maps without carrying the sources (80 % of the tarball otherwise).
  sourcesContent: false,
  logLevel: 'warning',
  absWorkingDir: path.resolve(new URL('..', import.meta.url).pathname),
  legalComments: 'none',
  // OpenTelemetry packages ship ESM builds; prefer them so tree-shaking drops what we do not use.
  mainFields: ['module', 'main'],
};

// The guard (agent/instrument/guard.ts) holds the only agent functions that sit on the app's call stack (method
// wrappers, wrapped callbacks). It is its own file, not minified, so an app's stack trace reads
// `at Layer.handle_request (…/@tracekit/agent/dist/guard.cjs:212:23)`: a named function on a readable line. The
// rest stays minified (unminified it adds ~40 ms of start-up here). No `keepNames`: unminified output keeps every
// function's own name, and keepNames would wrap each closure the guard creates per call (an Express `next`, say) in
// a `defineProperty` call, ~1 % of an Express request's CPU on Node 24.
const guardAsExternal = {
  name: 'guard-as-external',
  setup(b) {
    b.onResolve({ filter: /[\\/]guard\.js$/ }, () => ({ path: './guard.cjs', external: true }));
  },
};

// Everything is built into a staging folder and then moved into dist/ file by file: a rename replaces a file at
// once, so an app (or a test) that loads the agent while a build runs (`npm pack` builds first) reads either the
// old file or the new one, never a missing or half-written one.
const STAGE = 'dist.staging';
rmSync(STAGE, { recursive: true, force: true });
// The start-up bundle, and the instrumentations and code monitoring in files of their own, loaded when they run.
await buildAgentWithChunks({ common, stage: STAGE, plugins: [guardAsExternal] });
// OpenTelemetry's mongodb instrumentation, loaded by the mongodb row only when an app loads the driver. No source
// map: it would add 0.8 MB to the installed package for code that is not ours.
await build({ ...common, entryPoints: ['agent/instrument/otel-mongodb-entry.ts'], outfile: `${STAGE}/otel-mongodb.cjs`, format: 'cjs', sourcemap: false });
await build({ ...common, entryPoints: ['agent/instrument/guard.ts'], outfile: `${STAGE}/guard.cjs`, format: 'cjs', minify: false });
// The public entry (`@tracekit/agent`): the handle lookup and the no-op handle only, never the agent itself.
// It keeps @opentelemetry/api external: the app that imports it shares the app's API copy.
const publicEntry = { ...common, external: ['@opentelemetry/api'], alias: {} };
await build({ ...publicEntry, entryPoints: ['agent/index.ts'], outfile: `${STAGE}/index.cjs`, format: 'cjs' });
await build({ ...publicEntry, entryPoints: ['agent/index.ts'], outfile: `${STAGE}/index.mjs`, format: 'esm' });
// Type declarations for the public entry.
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.types.json', '--outDir', `${STAGE}/types`], { stdio: 'inherit' });
// The same declarations as .d.cts for `require` users: TypeScript's node16/nodenext resolution reads a .d.ts next
// to "type": "module" as ESM and refuses it from CommonJS code (TS1479).
copyAsCts(`${STAGE}/types`);
// The Local UI page (tracekit-local): its own bundle, separate from the agent's.
await buildLocalUiPage(STAGE);
replaceDist(STAGE, 'dist');

/** Moves every file of `from` into `to` (each rename replaces one file at once), then drops what `from` lacked. */
function replaceDist(from, to) {
  const built = new Set();
  const move = (dir) => {
    for (const entry of readdirSync(path.join(from, dir), { withFileTypes: true })) {
      const relative = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        mkdirSync(path.join(to, relative), { recursive: true });
        move(relative);
      } else {
        renameSync(path.join(from, relative), path.join(to, relative));
      }
      built.add(relative);
    }
  };
  mkdirSync(to, { recursive: true });
  move('');
  const prune = (dir) => {
    for (const entry of readdirSync(path.join(to, dir), { withFileTypes: true })) {
      const relative = path.join(dir, entry.name);
      if (!built.has(relative)) rmSync(path.join(to, relative), { recursive: true, force: true });
      else if (entry.isDirectory()) prune(relative);
    }
  };
  prune('');
  rmSync(from, { recursive: true, force: true });
}

function copyAsCts(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) copyAsCts(file);
    else if (entry.name.endsWith('.d.ts')) {
      const text = readFileSync(file, 'utf8').replace(/(from\s+['"]\.{1,2}\/[^'"]*?)\.js(['"])/g, '$1.cjs$2');
      writeFileSync(file.replace(/\.d\.ts$/, '.d.cts'), text);
    }
  }
}
