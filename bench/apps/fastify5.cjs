'use strict';
// Hello-world Fastify 5 server for the benchmarks: GET /users/:id -> {"id","name"}.
// PORT from env (0 = any free port); prints "LISTENING <port>" once bound.
// BENCH_SNAPSHOT=1 calls globalThis.tracekit?.captureSnapshot?.('bench', { id }) once per request.
// SIGUSR2 prints "SERVED <n>" (requests answered so far) so the runner can compare spans with requests.
const path = require('node:path');

const Fastify = require(require.resolve('fastify', { paths: [path.join(__dirname, '../../test/apps/fastify5')] }));

const snapshot = process.env.BENCH_SNAPSHOT === '1';
let served = 0;

const app = Fastify({ logger: false });
app.get('/users/:id', (req, reply) => {
  const id = req.params.id;
  if (snapshot) globalThis.tracekit?.captureSnapshot?.('bench', { id });
  served++;
  reply.send({ id, name: `User ${id}` });
});

process.on('SIGUSR2', () => process.stdout.write(`SERVED ${served}\n`));

app.listen({ port: Number(process.env.PORT ?? 3000), host: process.env.HOST ?? '127.0.0.1' }, (err) => {
  if (err) {
    console.error(err);
    process.exit(1);
  }
  process.stdout.write(`LISTENING ${app.server.address().port}\n`);
});
