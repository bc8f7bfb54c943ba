'use strict';
// Hello-world Express 5 server for the benchmarks: GET /users/:id -> {"id","name"}.
// PORT from env (0 = any free port); prints "LISTENING <port>" once bound.
// BENCH_SNAPSHOT=1 calls globalThis.tracekit?.captureSnapshot?.('bench', { id }) once per request.
// SIGUSR2 prints "SERVED <n>" (requests answered so far) so the runner can compare spans with requests.
const path = require('node:path');

const express = require(require.resolve('express', { paths: [path.join(__dirname, '../../test/apps/express5')] }));

const snapshot = process.env.BENCH_SNAPSHOT === '1';
let served = 0;

const app = express();
app.get('/users/:id', (req, res) => {
  const id = req.params.id;
  if (snapshot) globalThis.tracekit?.captureSnapshot?.('bench', { id });
  served++;
  res.json({ id, name: `User ${id}` });
});

process.on('SIGUSR2', () => process.stdout.write(`SERVED ${served}\n`));

const server = app.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? '127.0.0.1', (err) => {
  if (err) throw err;
  process.stdout.write(`LISTENING ${server.address().port}\n`);
});
