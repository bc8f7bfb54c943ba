'use strict';
// A realistic Express 5 handler for the benchmarks: GET /users/:id awaits a 1 ms timer (a cache or queue wait) and
// fetches the user's stock from a second local server (UPSTREAM_URL, not under any agent), then answers JSON.
// PORT from env (0 = any free port); prints "LISTENING <port>" once bound. SIGUSR2 prints "SERVED <n>".
const path = require('node:path');
const { setTimeout: sleep } = require('node:timers/promises');

const express = require(require.resolve('express', { paths: [path.join(__dirname, '../../test/apps/express5')] }));

const upstream = process.env.UPSTREAM_URL;
let served = 0;

const app = express();
app.get('/users/:id', async (req, res) => {
  const id = req.params.id;
  await sleep(1);
  const stock = await (await fetch(`${upstream}/stock/${id}`)).json();
  served++;
  res.json({ id, name: `User ${id}`, stock: stock.stock });
});

process.on('SIGUSR2', () => process.stdout.write(`SERVED ${served}\n`));

const server = app.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? '127.0.0.1', (err) => {
  if (err) throw err;
  process.stdout.write(`LISTENING ${server.address().port}\n`);
});
