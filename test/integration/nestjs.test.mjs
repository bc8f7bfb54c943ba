// NestJS 10 and 11 (and what NestJS 12 gets) on @nestjs/platform-express and @nestjs/platform-fastify, from the
// TypeScript fixture compiled into each major's workspace (scripts/build-nest-fixtures.mjs, run by `pretest`),
// spawned under the preload.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { ROOT } from '../helpers/app.mjs';
import { describeFramework, useFixture } from '../helpers/framework-cases.mjs';

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
];

for (const [name, app, format, platform] of APPS) {
  const fixture = `test/apps/${app}/dist/${format}/app.js`;
  if (!fs.existsSync(`${ROOT}${fixture}`)) throw new Error(`${fixture} is missing: run \`node scripts/build-nest-fixtures.mjs\` (npm test's pretest does)`);
  describeFramework({ name, fixture, routes: ROUTES, env: { NEST_PLATFORM: platform }, extra });
}

// NestJS 12 is ESM only, which the NestJS integration does not reach yet (docs/frameworks.md): what its apps get
// is the template from the Express or Fastify integration underneath, and the 5xx status.
for (const platform of ['express', 'fastify']) {
  describe(`NestJS 12 on ${platform} (ESM): templates from the platform's integration`, () => {
    const { spanFor } = useFixture('test/apps/nest12/dist/esm/app.js', { NEST_PLATFORM: platform });

    test('param and nested routes are named from their templates; a 500 is marked ERROR; a 404 is not', async () => {
      const cases = [['/users/42', 200, 'GET /users/:id', 0], ['/api/v1/items/7', 200, 'GET /api/v1/items/:itemId', 0],
        ['/error-sync', 500, 'GET /error-sync', 2], ['/missing/x', 404, 'GET /missing/:thing', 0]];
      for (const [path, status, name, code] of cases) {
        const { span, response } = await spanFor(path);
        assert.equal(response.status, status, path);
        assert.equal(span.name, name);
        assert.equal(span.status.code, code, path);
      }
    });
  });
}
