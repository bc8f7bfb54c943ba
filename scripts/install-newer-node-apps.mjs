// Test apps whose packages need a newer Node.js than the root's floor (openai 7 requires Node >= 22) are not root
// workspaces: `npm ci` on Node 20 would warn EBADENGINE for them. Each has a lockfile of its own and is installed
// here by npm running on a newer Node line from the per-user cache, so its engines are met; the tests then run
// that app on the same line (`nodeForTestApp`). Called by `npm test` (pretest), after the Node lines are installed.
// Idempotent: an app whose installed tree matches its lockfile is left alone.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { matrixSupported, nodeBinary } from './install-node-versions.mjs';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** App folder name under test/apps → the Node major it is installed and tested with. */
export const NEWER_NODE_APPS = { openai7: 24 };

/**
 * The Node binary a test app runs on: this process's, unless the app needs a newer line than this one. Undefined
 * when that line cannot be had here (not linux-x64): the tests of that app then skip, saying why.
 */
export function nodeForTestApp(app) {
  const major = NEWER_NODE_APPS[app];
  if (major === undefined || Number(process.versions.node.split('.')[0]) >= major) return process.execPath;
  return matrixSupported ? nodeBinary(major) : undefined;
}

/** Why a test app's tests skip here (its Node line cannot be installed on this platform), or false. */
export function skipReason(app) {
  return nodeForTestApp(app) === undefined ? `${app} needs Node.js ${NEWER_NODE_APPS[app]}, which the tests install only on linux-x64` : false;
}

function upToDate(dir) {
  const want = JSON.parse(readFileSync(path.join(dir, 'package-lock.json'), 'utf8')).packages;
  return Object.keys(want).every((key) => {
    if (key === '') return true;
    const manifest = path.join(dir, key, 'package.json');
    return existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).version === want[key].version;
  });
}

/** npm's own CLI script, to run under another Node binary. */
function npmCli() {
  const candidates = [
    process.env.npm_execpath,
    path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js'),
  ];
  const found = candidates.find((file) => file && /npm-cli\.js$/.test(file) && existsSync(file));
  if (found === undefined) throw new Error(`cannot find npm's npm-cli.js (looked at ${candidates.filter(Boolean).join(', ')})`);
  return found;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const app of Object.keys(NEWER_NODE_APPS)) {
    const dir = path.join(ROOT, 'test', 'apps', app);
    const node = nodeForTestApp(app);
    if (node === undefined) {
      console.log(`${skipReason(app)}; its tests will skip`);
      continue;
    }
    if (upToDate(dir)) continue;
    // The outer `npm test` exports its own configuration (npm_config_*, among them the root as local prefix);
    // the inner npm must see this folder as a project of its own.
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_(config|package|lifecycle)_/i.test(key)));
    console.log(`installing test/apps/${app} with Node.js ${NEWER_NODE_APPS[app]} …`);
    execFileSync(node, [npmCli(), 'ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, env, stdio: 'inherit' });
  }
}
