// Hapi 21 in CommonJS and ESM, spawned under the preload: path templates (plugin prefixes included), handler names,
// Boom errors (a 4xx is never an error, a 5xx is).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeFramework } from '../helpers/framework-cases.mjs';

const ROUTES = {
  user: { path: '/users/42', template: '/users/{id}', handler: 'getUser' },
  nested: { path: '/api/v1/items/7', template: '/api/v1/items/{itemId}', handler: 'getItem' },
  anonymous: { path: '/anonymous', template: '/anonymous', handler: undefined },
  missing: { path: '/missing/x', template: '/missing/{thing}' },
};

const extra = ({ spanFor }) => {
  test('a Boom 5xx is an error of the app', async () => {
    const { span, response } = await spanFor('/unavailable');
    assert.equal(response.status, 503);
    assert.equal(span.name, 'GET /unavailable');
    assert.equal(span.status.code, 2);
    assert.equal(span.events.find((e) => e.name === 'exception')?.attributes['exception.message'], 'down');
  });
};

for (const [name, fixture] of [['Hapi 21 (CommonJS)', 'test/apps/hapi21/app.cjs'], ['Hapi 21 (ESM)', 'test/apps/hapi21/app.mjs']]) {
  describeFramework({ name, fixture, routes: ROUTES, extra });
}
