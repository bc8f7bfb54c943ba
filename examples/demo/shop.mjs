// The demo's front service: an ordinary Express 5 app with no tracing code at all.
import express from 'express';

const paymentsUrl = process.env.PAYMENTS_URL;
const app = express();
app.use(express.json());

app.get('/products/:id', (req, res) => res.json({ id: req.params.id, name: 'Tea pot', price: 24 }));

app.post('/checkout/:cartId', async (req, res) => {
  const charge = await fetch(`${paymentsUrl}/charge`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ cart: req.params.cartId, amount: 24 }),
  });
  res.status(charge.status).json(await charge.json());
});

app.get('/broken', () => {
  throw new Error('inventory database unreachable');
});

const server = app.listen(0, '127.0.0.1', () => console.log(`LISTENING ${server.address().port}`));
