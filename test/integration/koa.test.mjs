// Koa 2 with @koa/router 12 (CommonJS) and Koa 3 with @koa/router 15 (CommonJS and ESM builds of the router),
// each spawned under the preload.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeFramework } from '../helpers/framework-cases.mjs';

const ROUTES = {
  user: { path: '/users/42', template: '/users/:id', handler: 'getUser' },
  nested: { path: '/api/v1/items/7', template: '/api/v1/items/:itemId', handler: 'getItem' },
  anonymous: { path: '/anonymous', template: '/anonymous', handler: undefined },
  missing: { path: '/missing/x', template: '/missing/:thing' },
};

const extra = ({ spanFor }) => {
  test('redirect: 302 with its template', async () => {
    const { span, response } = await spanFor('/redirect');
    assert.equal(response.status, 302);
    assert.equal(span.name, 'GET /redirect');
  });
};

for (const [name, fixture] of [
  ['Koa 2 + @koa/router 12 (CommonJS)', 'test/apps/koa2/app.cjs'],
  ['Koa 3 + @koa/router 15 (CommonJS)', 'test/apps/koa3/app.cjs'],
  ['Koa 3 + @koa/router 15 (ESM)', 'test/apps/koa3/app.mjs'],
]) {
  describeFramework({ name, fixture, routes: ROUTES, extra });
}
