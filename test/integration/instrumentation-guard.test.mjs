// The guard around every instrumentation, tested as a user would meet a failure: for each instrumentation the app
// makes the agent's code for it throw (a hostile payload on its channel, or a value that throws only when the agent
// reads it). Then exactly one warning names it, the instrumentation is off, and every response is the one the same
// app gives without the agent (the Date header aside).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startReceiver } from '../helpers/receiver.mjs';
import { agentEnv, cleanEnv, startApp, stopApp } from '../helpers/app.mjs';
import { rawResponse } from '../helpers/raw-response.mjs';

const EXPRESS = 'test/fixtures/hostile/express-app.cjs';
const FASTIFY = 'test/fixtures/hostile/fastify-app.cjs';
const KOA = 'test/fixtures/hostile/koa-app.cjs';
const HAPI = 'test/fixtures/hostile/hapi-app.cjs';
const NEST = 'test/fixtures/hostile/nest-app.cjs';
// Fixtures armed by a GET /trigger request (the others arm themselves at start from HOSTILE).
const TRIGGERED = [EXPRESS, KOA, HAPI];
const ROUTES = ['/users/7', '/call-http', '/call-fetch', '/boom', '/users/8'];

let upstream;
let upstreamHeaders;
before(async () => {
  upstreamHeaders = [];
  upstream = http.createServer((req, res) => {
    upstreamHeaders.push({ path: req.url, traceparent: req.headers.traceparent });
    res.end('upstream ok');
  });
  await new Promise((resolve) => upstream.listen(0, '127.0.0.1', resolve));
});
after(() => new Promise((resolve) => upstream.close(resolve)));

/** Runs the fixture with or without the agent and returns its raw answers: /trigger first, then `routes`. */
async function answers(fixture, routes, { hostile, receiver }) {
  const extra = { HOSTILE: hostile, UPSTREAM_PORT: String(upstream.address().port), NODE_ENV: 'production' };
  const app = await startApp(fixture, receiver === undefined
    ? { env: cleanEnv(extra), preload: false }
    : { env: agentEnv(receiver, extra) });
  try {
    const triggered = TRIGGERED.includes(fixture);
    const before = triggered ? await rawResponse(`${app.url}/users/1`) : undefined;
    const trigger = triggered ? await rawResponse(`${app.url}/trigger`) : undefined;
    const list = [];
    for (const route of routes) list.push(await rawResponse(`${app.url}${route}`));
    return { app, before, trigger, list };
  } finally {
    await stopApp(app);
  }
}

const failureLines = (stderr) => stderr.split('\n').filter((line) => /\[tracekit\] warning:/.test(line));

const CASES = [
  {
    name: 'http',
    fixture: EXPRESS,
    routes: ROUTES,
    // Off: no SERVER span for any request after the failure.
    isOff: (spans) => spans.filter((s) => s.kind === 2 && !['/users/1', '/trigger'].includes(s.attributes['url.path'])).length === 0,
  },
  {
    name: 'http-client',
    fixture: EXPRESS,
    routes: ['/call-http', ...ROUTES],
    isOff: (spans) => !spans.some((s) => s.kind === 3 && /\/from-http$/.test(s.attributes['url.full'])) &&
      upstreamHeaders.filter((h) => h.path === '/from-http').every((h) => h.traceparent === undefined),
  },
  {
    name: 'fetch',
    fixture: EXPRESS,
    routes: ROUTES,
    isOff: (spans) => !spans.some((s) => s.kind === 3 && /\/from-fetch$/.test(s.attributes['url.full'])) &&
      upstreamHeaders.filter((h) => h.path === '/from-fetch').every((h) => h.traceparent === undefined),
  },
  {
    name: 'express',
    fixture: EXPRESS,
    routes: ROUTES,
    // Off: SERVER spans go on, but without route templates.
    isOff: (spans) => {
      const server = spans.filter((s) => s.kind === 2 && s.attributes['url.path'] === '/users/8');
      return server.length === 1 && server[0].name === 'GET' && server[0].attributes['http.route'] === undefined;
    },
  },
  {
    name: 'fastify',
    fixture: FASTIFY,
    routes: ['/users/7', '/boom', '/users/8'],
    isOff: (spans) => {
      const server = spans.filter((s) => s.kind === 2 && s.attributes['url.path'] === '/users/8');
      return server.length === 1 && server[0].name === 'GET';
    },
  },
  {
    name: 'koa',
    fixture: KOA,
    routes: ['/users/7', '/boom', '/users/8'],
    isOff: (spans) => {
      const server = spans.filter((s) => s.kind === 2 && s.attributes['url.path'] === '/users/8');
      return server.length === 1 && server[0].name === 'GET' && server[0].attributes['http.route'] === undefined;
    },
  },
  {
    name: 'hapi',
    fixture: HAPI,
    routes: ['/users/7', '/boom', '/users/8'],
    isOff: (spans) => {
      const server = spans.filter((s) => s.kind === 2 && ['/users/8', '/boom'].includes(s.attributes['url.path']));
      // Off: no templates, and the 500 of /boom carries no exception event (only its status).
      return server.length === 2 && server.every((s) => s.name === 'GET' && s.events.length === 0);
    },
  },
  {
    name: 'nestjs',
    fixture: NEST,
    routes: ['/users/7', '/boom', '/users/8'],
    // Off from start-up: templates still come from the Express row, but no Nest names and no recorded exception.
    isOff: (spans) => {
      const server = spans.filter((s) => s.kind === 2 && ['/users/8', '/boom'].includes(s.attributes['url.path']));
      return server.length === 2 && server.every((s) => s.attributes['nestjs.controller'] === undefined &&
        s.attributes['code.function.name'] === undefined && s.events.length === 0);
    },
  },
];

for (const c of CASES) {
  describe(`${c.name}: a throwing subscriber or wrapper`, () => {
    let receiver;
    before(async () => { receiver = await startReceiver(); });
    after(async () => { await receiver?.close(); });

    test('one warning, the instrumentation off, and the app\'s responses unchanged', async () => {
      upstreamHeaders.length = 0;
      const plain = await answers(c.fixture, c.routes, { hostile: c.name });
      upstreamHeaders.length = 0;
      const traced = await answers(c.fixture, c.routes, { hostile: c.name, receiver });
      assert.equal(traced.trigger, plain.trigger);
      assert.equal(traced.before, plain.before);
      assert.deepEqual(traced.list, plain.list, 'every response byte for byte as without the agent');
      const warnings = failureLines(traced.app.stderr);
      assert.equal(warnings.length, 1, `exactly one warning:\n${traced.app.stderr}`);
      assert.match(warnings[0], new RegExp(`the ${c.name} instrumentation failed and is now off \\(hostile [a-z ]+\\); the app is unaffected`));
      // The last request's spans (if any) have been exported by the time the app stopped (exit flush).
      const spans = receiver.spans();
      assert.ok(c.isOff(spans), `${c.name} is off afterwards: ${JSON.stringify(spans.map((s) => [s.kind, s.name, s.attributes['url.path']]))}`);
    });
  });
}
