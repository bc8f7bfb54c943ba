// The agent's bundle keeps each instrumentation that waits for its library, and code monitoring, in a file of its
// own (dist/instrumentation-<row>.cjs, dist/snapshots.cjs), loaded on first use. Tested as a user meets it: an app
// that never loads a library never loads its instrumentation's file, one that does gets its spans, and a file that
// is missing or broken in an installed copy of the agent turns off that part alone, with one warning.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startReceiver } from '../helpers/receiver.mjs';
import { ROOT, agentEnv, cleanEnv, request, startApp, stopApp } from '../helpers/app.mjs';

const FIXTURE = 'test/fixtures/chunks/loaded-files-app.cjs';
const warnings = (stderr) => stderr.split('\n').filter((line) => /\[tracekit\] warning:/.test(line));

let receiver;
before(async () => { receiver = await startReceiver(); });
after(() => receiver.close());

/** Starts the fixture, answers `paths` in order (bodies parsed as JSON) and stops it. */
async function run({ env, nodeArgs, paths }) {
  const app = await startApp(FIXTURE, { env, nodeArgs });
  try {
    const answers = [];
    for (const p of paths) {
      const answer = await request(`${app.url}${p}`);
      answers.push({ status: answer.status, body: JSON.parse(answer.body) });
    }
    return { app, answers };
  } finally {
    await stopApp(app);
  }
}

describe('files loaded on demand', () => {
  test('a plain node:http app loads the start-up bundle and the guard, and no instrumentation file', async () => {
    const { app, answers } = await run({ env: agentEnv(receiver), paths: ['/loaded'] });
    assert.deepEqual(answers[0].body, ['agent.cjs', 'guard.cjs'], app.stderr);
    // The http rows live in the start-up bundle and trace as ever.
    await receiver.waitForSpans((s) => s.kind === 2 && s.attributes['url.path'] === '/loaded');
  });

  test('an Express app loads the express file alone, and its spans carry the route template', async () => {
    const { app, answers } = await run({ env: agentEnv(receiver, { APP: 'express', TRACEKIT_SERVICE_NAME: 'chunks-express' }), paths: ['/users/3', '/loaded'] });
    assert.deepEqual(answers[1].body, ['agent.cjs', 'guard.cjs', 'instrumentation-express.cjs'], app.stderr);
    const [span] = await receiver.waitForSpans((s) => s.kind === 2 && s.attributes['url.path'] === '/users/3' && s.resource.attributes['service.name'] === 'chunks-express');
    assert.equal(span.attributes['http.route'], '/users/:id');
    assert.equal(span.name, 'GET /users/:id');
  });

  test('code monitoring, when on, loads its own file', async () => {
    const { app, answers } = await run({ env: agentEnv(receiver, { TRACEKIT_CODE_MONITORING: 'true' }), paths: ['/loaded'] });
    assert.ok(answers[0].body.includes('snapshots.cjs'), `${answers[0].body}\n${app.stderr}`);
  });
});

describe('an installed copy whose on-demand file is missing or broken', () => {
  let copy;
  before(() => {
    copy = mkdtempSync(path.join(os.tmpdir(), 'tracekit-agent-copy-'));
    for (const entry of ['package.json', 'register.cjs', 'register.mjs', 'hooks', 'dist']) {
      cpSync(path.join(ROOT, entry), path.join(copy, entry), { recursive: true });
    }
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'), 'dir');
  });
  after(() => rmSync(copy, { recursive: true, force: true }));

  const breakages = [
    { name: 'missing', apply: (file) => rmSync(file) },
    { name: 'throwing when loaded', apply: (file) => writeFileSync(file, "throw new Error('damaged file');\n") },
    { name: 'holding another row', apply: (file) => cpSync(path.join(ROOT, 'dist/instrumentation-koa.cjs'), file) },
  ];
  for (const breakage of breakages) {
    test(`express file ${breakage.name}: one warning, the express row is off, answers and SERVER spans go on`, async () => {
      const file = path.join(copy, 'dist/instrumentation-express.cjs');
      cpSync(path.join(ROOT, 'dist/instrumentation-express.cjs'), file);
      breakage.apply(file);
      const service = `chunks-broken-${breakages.indexOf(breakage)}`;
      const paths = ['/users/5', '/users/6'];
      const plain = await run({ env: cleanEnv({ APP: 'express' }), nodeArgs: [], paths });
      const traced = await run({
        env: agentEnv(receiver, { APP: 'express', TRACEKIT_SERVICE_NAME: service }),
        nodeArgs: ['-r', path.join(copy, 'register.cjs')],
        paths,
      });
      assert.deepEqual(traced.answers, plain.answers);
      // One warning, on one line of the app's output.
      assert.equal(traced.app.stderr.trim().split('\n').length, 1, traced.app.stderr);
      const lines = warnings(traced.app.stderr);
      assert.equal(lines.length, 1, traced.app.stderr);
      assert.match(lines[0], /the express instrumentation failed and is now off/);
      const spans = await receiver.waitForSpans({ where: (s) => s.kind === 2 && s.resource.attributes['service.name'] === service, count: 2 });
      for (const span of spans) assert.equal(span.attributes['http.route'], undefined);
    });
  }

  test('snapshots file missing: one warning, tracing goes on', async () => {
    rmSync(path.join(copy, 'dist/snapshots.cjs'), { force: true });
    const service = 'chunks-no-snapshots';
    const traced = await run({
      env: agentEnv(receiver, { TRACEKIT_CODE_MONITORING: 'true', TRACEKIT_SERVICE_NAME: service }),
      nodeArgs: ['-r', path.join(copy, 'register.cjs')],
      paths: ['/users/9'],
    });
    assert.deepEqual(traced.answers, [{ status: 200, body: { id: '9' } }]);
    assert.equal(traced.app.stderr.trim().split('\n').length, 1, traced.app.stderr);
    const lines = warnings(traced.app.stderr);
    assert.equal(lines.length, 1, traced.app.stderr);
    assert.match(lines[0], /code monitoring could not start .*tracing goes on without it/);
    await receiver.waitForSpans((s) => s.kind === 2 && s.resource.attributes['service.name'] === service && s.attributes['url.path'] === '/users/9');
  });
});
