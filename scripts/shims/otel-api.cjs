// Build-time stand-in for `@opentelemetry/api` inside the agent bundle.
//
// Why: loading the API package costs ~30 ms of start-up here (65 small files), half of the agent's total; bundled,
// it costs ~2 ms. The API is designed for several copies in one process: they share their globals (tracer provider,
// context manager, propagator) through a `Symbol.for` registry, and a copy accepts the registered globals when its
// own minor version is not newer than the registering copy's. So the bundled copy is used unless the app has its
// own, newer API (then that one registers the globals, and the app's code accepts them).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { createRequire } = require('node:module');
const bundled = require('../../node_modules/@opentelemetry/api/build/src/index.js');
const { VERSION } = require('../../node_modules/@opentelemetry/api/build/src/version.js');

function parse(version) {
  const match = /^(\d+)\.(\d+)\.(\d+)$/.exec(String(version));
  return match === null ? undefined : match.slice(1).map(Number);
}

/** The app's @opentelemetry/api directory, found the way Node would (node_modules up from the working directory). */
function findAppApi() {
  for (let dir = process.cwd(); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', '@opentelemetry', 'api');
    if (fs.existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (path.dirname(dir) === dir) return undefined;
  }
}

function appApiIfNewer() {
  try {
    const root = findAppApi();
    if (root === undefined) return undefined;
    const theirs = parse(JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).version);
    const ours = parse(VERSION);
    if (theirs === undefined || ours === undefined || theirs[0] !== ours[0]) return undefined;
    const newer = theirs[1] > ours[1] || (theirs[1] === ours[1] && theirs[2] > ours[2]);
    return newer ? createRequire(path.join(process.cwd(), 'noop.js'))('@opentelemetry/api') : undefined;
  } catch {
    return undefined;
  }
}

module.exports = appApiIfNewer() || bundled;
