// A TypeScript Express 5 app run through tsx, with the agent loaded before or after tsx: the SERVER spans are
// named from the route templates, as for a JavaScript app.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startReceiver } from '../helpers/receiver.mjs';
import { agentEnv, request, startApp, stopApp } from '../helpers/app.mjs';

const TS_APP = 'test/fixtures/ts-app/server.ts';
const SERVER = 2;

describe('TypeScript Express app through tsx', () => {
  const orders = {
    'tsx first: --import tsx --import ./register.mjs': ['--import', 'tsx', '--import', './register.mjs'],
    'agent first: --import ./register.mjs --import tsx': ['--import', './register.mjs', '--import', 'tsx'],
  };
  for (const [label, nodeArgs] of Object.entries(orders)) {
    test(label, async (t) => {
      const receiver = await startReceiver();
      t.after(() => receiver.close());
      const app = await startApp(TS_APP, { nodeArgs, env: agentEnv(receiver) });
      t.after(() => stopApp(app, 'SIGKILL'));

      const user = await request(`${app.url}/users/42`);
      assert.equal(user.status, 200);
      assert.deepStrictEqual(JSON.parse(user.body), { id: '42', name: 'unknown' });
      assert.equal((await request(`${app.url}/api/items/7`)).status, 200);
      assert.equal((await request(`${app.url}/health`)).body, 'ok');

      const spans = await receiver.waitForSpans({ where: (s) => s.kind === SERVER, count: 3 });
      const byPath = Object.fromEntries(spans.map((s) => [s.attributes['url.path'], s]));
      assert.equal(byPath['/users/42'].name, 'GET /users/:id');
      assert.equal(byPath['/users/42'].attributes['http.route'], '/users/:id');
      assert.equal(byPath['/api/items/7'].name, 'GET /api/items/:itemId');
      assert.equal(byPath['/health'].name, 'GET /health');
      assert.equal(byPath['/users/42'].resource.attributes['service.name'], 'fixture');
      assert.equal(app.stderr.split('\n').filter((l) => l.startsWith('[tracekit] warning:')).length, 0, app.stderr);
      assert.deepStrictEqual(await stopApp(app, 'SIGTERM'), { code: null, signal: 'SIGTERM' });
    });
  }
});
