// Express 4 fixture (CommonJS). Prints `LISTENING <port>` once ready.
const express = require('express');
const { Readable } = require('node:stream');

const app = express();
const loadUser = (req, res, next) => { req.user = { id: req.params.id, name: 'Ada' }; next(); };
app.get('/users/:id', loadUser, function getUser(req, res) { res.json(req.user); });

const v1 = express.Router();
v1.get('/items/:itemId', function getItem(req, res) { res.json({ item: req.params.itemId }); });
const api = express.Router();
api.use('/v1', v1);
app.use('/api', api);

app.route('/books/:bookId')
  .get(function getBook(req, res) { res.json({ book: req.params.bookId }); })
  .post(function createBook(req, res) { res.status(201).json({ created: true }); });

app.get('/error-sync', () => { throw new Error('boom sync'); });
app.get('/error-async', async (req, res, next) => {
  await new Promise((r) => setTimeout(r, 5));
  next(new Error('boom async'));
});
app.get('/next-error', (req, res, next) => next(new TypeError('passed to next')));
app.get('/stream', (req, res) => {
  let n = 0;
  const timer = setInterval(() => {
    res.write(`chunk ${n}\n`);
    if (++n === 3) { clearInterval(timer); res.end(); }
  }, 10);
});
app.get('/pipe', (req, res) => Readable.from(['a', 'b', 'c']).pipe(res));
app.get('/redirect', (req, res) => res.redirect('/users/1'));
app.get('/slow', (req, res) => setTimeout(() => res.end('late'), 1500));
app.get('/health', (req, res) => res.send('ok'));
app.get('/anonymous', (req, res) => res.send('no name'));
app.get('/fetch-upstream', async (req, res) => {
  const upstream = await fetch(`http://127.0.0.1:${req.query.port}/check`);
  res.status(upstream.status).send(await upstream.text());
});
app.use((err, req, res, next) => res.status(err instanceof TypeError ? 400 : 500).json({ error: err.message }));

const server = app.listen(0, '127.0.0.1', () => console.log(`LISTENING ${server.address().port}`));
process.on('message', (m) => { if (m === 'stop') server.close(); });
