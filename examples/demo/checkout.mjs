// The demo's front service: an ordinary Express 5 app. Its only line about tracing is the snapshot call, which
// does nothing until a breakpoint for it is switched on in the Local UI.
import express from 'express';
import { tracekit } from '@tracekit/agent';

const paymentUrl = process.env.PAYMENT_URL;
const app = express();
app.use(express.json());

app.get('/products/:id', (req, res) => res.json({ id: req.params.id, name: 'Tea pot', price: 24 }));

app.post('/checkout/:cartId', async (req, res) => {
  const cart = { id: req.params.cartId, items: [{ sku: 'tea-pot', price: 24 }, { sku: 'cup', price: 6 }], email: 'ada@example.com' };
  const total = cart.items.reduce((sum, item) => sum + item.price, 0);
  tracekit.captureSnapshot('checkout-total', { cart, total });
  tracekit.counter('checkout.orders', { currency: 'EUR' }).inc();
  const charge = await fetch(`${paymentUrl}/charge`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ cart: cart.id, amount: total }),
  });
  res.status(charge.status).json(await charge.json());
});

// The deliberate error of the demo: its stack is in the trace, not in the terminal.
app.get('/inventory', () => {
  throw new Error('inventory database unreachable');
});

app.use((error, req, res, next) => res.status(500).json({ error: error.message }));

const server = app.listen(0, '127.0.0.1', () => console.log(`LISTENING ${server.address().port}`));
