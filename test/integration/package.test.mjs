// The install users get: `npm pack` (which builds first), the tarball installed offline into a fresh app, and the
// agent run from there through --import, -r, NODE_OPTIONS with `npm start`, and in a "type": "module" app. Asserts
// the tarball's file list, the installed size, and that spans arrive from each start style.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startReceiver } from '../helpers/receiver.mjs';
import { ROOT, cleanEnv, request, startApp, stopApp } from '../helpers/app.mjs';

const run = promisify(execFile);
const MAX_INSTALL_BYTES = 3 * 1024 * 1024;

let work;
let tarball;
let files;

function sizeOf(dir) {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    total += entry.isDirectory() ? sizeOf(full) : statSync(full).size;
  }
  return total;
}

/** A fresh app directory with the tarball installed offline, from the npm cache `npm ci` filled. */
async function freshApp(name, packageJson, sources) {
  const dir = path.join(work, name);
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', private: true, ...packageJson }, null, 2));
  for (const [file, text] of Object.entries(sources)) writeFileSync(path.join(dir, file), text);
  await run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--loglevel=error', tarball], { cwd: dir });
  return dir;
}

const SERVER = (importLine) => `${importLine}
const server = http.createServer((req, res) => res.end('ok'));
server.listen(0, '127.0.0.1', () => console.log('LISTENING ' + server.address().port + ' PID ' + process.pid));
`;

before(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'tracekit-pack-'));
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', work], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
  const [info] = JSON.parse(stdout.slice(stdout.indexOf('[')));
  tarball = path.join(work, info.filename);
  files = info.files.map((f) => f.path).sort();
});
after(() => rmSync(work, { recursive: true, force: true }));

test('the tarball holds the entries, the built agent and the Local UI, and nothing of the sources or tests', () => {
  for (const required of ['package.json', 'LICENSE', 'README.md', 'CHANGELOG.md', 'register.mjs', 'register.cjs', 'hooks/esm.mjs',
    'dist/agent.cjs', 'dist/guard.cjs', 'dist/index.cjs', 'dist/index.mjs', 'dist/types/index.d.ts', 'global.d.ts', 'local-ui/bin.mjs']) {
    assert.ok(files.includes(required), `${required} is in the tarball:\n${files.join('\n')}`);
  }
  for (const file of files) {
    assert.doesNotMatch(file, /^(agent|test|bench|scripts|examples|docs)\//, `${file} does not belong in the tarball`);
  }
});

describe('installed from the tarball into a fresh app', () => {
  let receiver;
  before(async () => { receiver = await startReceiver(); });
  after(async () => { await receiver?.close(); });

  const env = (name, extra = {}) => cleanEnv({
    TRACEKIT_ENDPOINT: receiver.url,
    TRACEKIT_API_KEY: 'ctxio_pack_test_0123456789',
    TRACEKIT_SERVICE_NAME: name,
    OTEL_BSP_SCHEDULE_DELAY: '50',
    ...extra,
  });

  async function expectSpan(name, app) {
    try {
      await request(`${app.url}/hello`);
      const [span] = await receiver.waitForSpans((s) => s.kind === 2 && s.resource.attributes['service.name'] === name, 10_000);
      assert.equal(span.attributes['url.path'], '/hello');
      assert.doesNotMatch(app.stderr, /could not start|warning/i, app.stderr);
    } finally {
      // Under `npm start` the app is npm's grandchild: end it directly, then npm exits with it.
      const pid = Number(/PID (\d+)/.exec(app.stdout)?.[1]);
      if (pid > 0 && pid !== app.child.pid) {
        try { process.kill(pid, 'SIGTERM'); } catch { /* already gone */ }
      }
      await stopApp(app);
    }
  }

  test('CommonJS app: --import and -r; the install stays under 3 MB', async () => {
    const dir = await freshApp('pack-cjs', {}, { 'app.js': SERVER("const http = require('node:http');") });
    const installed = sizeOf(path.join(dir, 'node_modules'));
    assert.ok(installed <= MAX_INSTALL_BYTES, `node_modules is ${(installed / 1048576).toFixed(2)} MB`);
    await expectSpan('pack-import', await startApp('app.js', { cwd: dir, env: env('pack-import'), nodeArgs: ['--import', '@tracekit/agent/register'] }));
    await expectSpan('pack-require', await startApp('app.js', { cwd: dir, env: env('pack-require'), nodeArgs: ['-r', '@tracekit/agent/register'] }));
  });

  test('"type": "module" app through NODE_OPTIONS and npm start', async () => {
    const dir = await freshApp('pack-esm', { type: 'module', scripts: { start: 'node app.js' } }, { 'app.js': SERVER("import http from 'node:http';") });
    // `npm start` in the app, with the agent in NODE_OPTIONS as a Dockerfile's ENV would set it: npm itself stays
    // untraced (the agent's guardrails), the app it starts is traced.
    const app = await startApp('start', {
      cwd: dir,
      node: 'npm',
      nodeArgs: [],
      args: ['--silent'],
      env: env('pack-npm-start', { NODE_OPTIONS: '--import @tracekit/agent/register' }),
    });
    await expectSpan('pack-npm-start', app);
  });
});
