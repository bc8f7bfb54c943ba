// An ordinary Fastify app (ESM) with no tracing code. Run it traced:
//   node --import @tracekit/agent/register app.mjs
import Fastify from 'fastify';

const fastify = Fastify();
fastify.get('/users/:id', async (request) => ({ id: request.params.id, name: 'Ada' }));
await fastify.listen({ port: Number(process.env.PORT ?? 3000), host: '0.0.0.0' });
