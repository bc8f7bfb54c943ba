// NestJS 10, 11 and 12 on @nestjs/platform-express and @nestjs/platform-fastify, from the TypeScript fixture
// compiled into each major's workspace (scripts/build-nest-fixtures.mjs, run by `pretest`), spawned under the
// preload.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { ROOT, agentEnv, request, startApp, stopApp } from '../helpers/app.mjs';
import { startReceiver } from '../helpers/receiver.mjs';
import { MAJORS, matrixSupported, nodeBinary } from '../../scripts/install-node-versions.mjs';
import { describeFramework } from '../helpers/framework-cases.mjs';

const ROUTES = {
  user: { path: '/users/42', template: '/users/:id', handler: 'UsersController.getUser' },
  nested: { path: '/api/v1/items/7', template: '/api/v1/items/:itemId', handler: 'ItemsController.getItem' },
  missing: { path: '/missing/x', template: '/missing/:thing' },
};

const exceptionOf = (span) => span.events.find((e) => e.name === 'exception');

const extra = ({ spanFor }) => {
  test('nestjs.controller and nestjs.handler', async () => {
    const { span } = await spanFor('/api/v1/items/3');
    assert.equal(span.attributes['nestjs.controller'], 'ItemsController');
    assert.equal(span.attributes['nestjs.handler'], 'getItem');
  });

  test('a guard that denies: 403, not an error', async () => {
    const { span, response } = await spanFor('/guard-denied');
    assert.equal(response.status, 403);
    assert.equal(span.name, 'GET /guard-denied');
    assert.equal(span.attributes['code.function.name'], 'ErrorsController.denied');
    assert.equal(span.status.code, 0);
    assert.equal(exceptionOf(span), undefined);
  });

  for (const [path, template, message] of [
    ['/guard-throws', '/guard-throws', 'guard boom'],
    ['/pipe-throws/1', '/pipe-throws/:n', 'pipe boom'],
    ['/interceptor-throws', '/interceptor-throws', 'interceptor boom'],
  ]) {
    test(`an error thrown in a ${message.split(' ')[0]}: 500, recorded`, async () => {
      const { span, response } = await spanFor(path);
      assert.equal(response.status, 500);
      assert.equal(span.name, `GET ${template}`);
      assert.equal(span.status.code, 2);
      assert.equal(exceptionOf(span)?.attributes['exception.message'], message);
    });
  }
};

const APPS = [
  ['NestJS 10 on Express (CommonJS)', 'nest10', 'cjs', 'express'],
  ['NestJS 10 on Fastify (CommonJS)', 'nest10', 'cjs', 'fastify'],
  ['NestJS 11 on Express (CommonJS)', 'nest11', 'cjs', 'express'],
  ['NestJS 11 on Fastify (CommonJS)', 'nest11', 'cjs', 'fastify'],
  ['NestJS 11 on Express (ESM)', 'nest11', 'esm', 'express'],
  // NestJS 12 is ESM only: its files reach the integration through the ESM loader hooks.
  ['NestJS 12 on Express (ESM)', 'nest12', 'esm', 'express'],
  ['NestJS 12 on Fastify (ESM)', 'nest12', 'esm', 'fastify'],
];

for (const [name, app, format, platform] of APPS) {
  const fixture = `test/apps/${app}/dist/${format}/app.js`;
  if (!fs.existsSync(`${ROOT}${fixture}`)) throw new Error(`${fixture} is missing: run \`node scripts/build-nest-fixtures.mjs\` (npm test's pretest does)`);
  describeFramework({ name, fixture, routes: ROUTES, env: { NEST_PLATFORM: platform }, extra });
}

// The ESM loader hooks cost start-up time and memory: only the ESM-only major asks for them, and they wrap just
// the two files the integration patches, found through the app's package.json even below a build folder's
// `{"type": "module"}` marker.
for (const [app, expected] of [
  ['nest11', /ESM loader hooks: not needed/],
  ['nest12', /ESM loader hooks: module\.register(Hooks)? \(.*router-execution-context.*, .*exceptions-handler.*\)\n/],
]) {
  test(`${app} (ESM app): ${app === 'nest11' ? 'no ESM loader hooks' : 'ESM loader hooks for its two files only'}`, async () => {
    const started = await startApp(`test/apps/${app}/dist/esm/app.js`, { env: agentEnv({ url: 'http://127.0.0.1:9' }, { TRACEKIT_DEBUG: 'true', NEST_PLATFORM: 'express' }) });
    await stopApp(started);
    assert.match(started.stderr, expected);
  });
}

// Node 22.15+ runs the loader hooks in-thread (module.registerHooks) instead of on a loader thread: the same two
// files must be found by their URL pattern there too.
for (const major of matrixSupported ? MAJORS : []) {
  test(`NestJS 12 (ESM) on Node ${major}: controller and handler names through the in-thread loader hooks`, async () => {
    const receiver = await startReceiver();
    const app = await startApp('test/apps/nest12/dist/esm/app.js', {
      node: nodeBinary(major),
      env: agentEnv(receiver, { NEST_PLATFORM: 'fastify', TRACEKIT_DEBUG: 'true' }),
    });
    try {
      assert.equal((await request(`${app.url}/api/v1/items/3`, { headers: { 'user-agent': 'node-line' } })).status, 200);
      const [span] = await receiver.waitForSpans((s) => s.kind === 2 && s.attributes['user_agent.original'] === 'node-line');
      assert.match(app.stderr, /ESM loader hooks: module\.registerHooks \(/);
      assert.equal(span.attributes['nestjs.controller'], 'ItemsController');
      assert.equal(span.attributes['code.function.name'], 'ItemsController.getItem');
    } finally {
      await stopApp(app);
      await receiver.close();
    }
  });
}
