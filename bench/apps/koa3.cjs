'use strict';
// Hello-world Koa 3 server with @koa/router for the benchmarks: GET /users/:id -> {"id","name"}.
// PORT from env (0 = any free port); prints "LISTENING <port>" once bound.
// BENCH_SNAPSHOT=1 calls globalThis.tracekit?.captureSnapshot?.('bench', { id }) once per request.
// SIGUSR2 prints "SERVED <n>" (requests answered so far) so the runner can compare spans with requests.
const path = require('node:path');

const fromApp = (name) => require(require.resolve(name, { paths: [path.join(__dirname, '../../test/apps/koa3')] }));
const Koa = fromApp('koa');
const Router = fromApp('@koa/router');

const snapshot = process.env.BENCH_SNAPSHOT === '1';
let served = 0;

const app = new Koa();
const router = new Router();
router.get('/users/:id', function getUser(ctx) {
  const id = ctx.params.id;
  if (snapshot) globalThis.tracekit?.captureSnapshot?.('bench', { id });
  served++;
  ctx.body = { id, name: `User ${id}` };
});
app.use(router.routes());

process.on('SIGUSR2', () => process.stdout.write(`SERVED ${served}\n`));

const server = app.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? '127.0.0.1', () => {
  process.stdout.write(`LISTENING ${server.address().port}\n`);
});
