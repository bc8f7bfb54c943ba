// The demo's payment service, a Fastify 5 app with no tracing code: it continues the checkout's trace from the
// traceparent header the agent adds to the checkout's fetch.
import Fastify from 'fastify';

const fastify = Fastify({ logger: false });
fastify.post('/charge', async (request, reply) => {
  await new Promise((resolve) => setTimeout(resolve, 8));
  const { amount } = request.body ?? {};
  if (amount > 100) return reply.code(402).send({ ok: false, amount });
  return { ok: true, amount, receipt: `rcpt-${Date.now().toString(36)}` };
});

fastify.listen({ port: 0, host: '127.0.0.1' }).then(() => console.log(`LISTENING ${fastify.server.address().port}`));
